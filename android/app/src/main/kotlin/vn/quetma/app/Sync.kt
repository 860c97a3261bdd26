package vn.quetma.app

import android.app.job.JobInfo
import android.app.job.JobParameters
import android.app.job.JobScheduler
import android.app.job.JobService
import android.content.ComponentName
import android.content.Context
import android.util.Log
import kotlinx.coroutines.runBlocking
import vn.quetma.core.QuetMaApp
import vn.quetma.core.QuetMaException
import vn.quetma.core.SyncHandle
import vn.quetma.core.SyncReport
import vn.quetma.core.SyncSettings
import vn.quetma.core.backgroundSyncPlan
import vn.quetma.core.newDeviceId

/** Where and as whom the phone syncs. */
object SyncConfig {
    /** The deployment's server (the host of the App Links and the poster URLs). */
    const val SERVER_URL = "https://qr.quetma.vn"

    private const val PREFS = "quetma.sync"

    /** The phone's random device id, made once and kept (nothing personal). */
    fun deviceId(context: Context): String {
        val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
        prefs.getString("device_id", null)?.let { return it }
        val id = newDeviceId()
        prefs.edit().putString("device_id", id).apply()
        return id
    }

    /** The server the sync job talks to (tests point it at a loopback server). */
    fun serverUrl(context: Context): String =
        context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).getString("server_url", null) ?: SERVER_URL

    /** Points the sync at another server (tests, a staging deployment). */
    fun setServerUrl(context: Context, url: String?) {
        context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).edit().putString("server_url", url).apply()
    }
}

/** Schedules the background sync with `JobScheduler` (framework API: no WorkManager here). */
object SyncScheduler {
    /** The periodic sync. */
    const val JOB_PERIODIC = 1

    /** A sync asked for now (after a check-in, a declaration, a pull to refresh). */
    const val JOB_NOW = 2

    /** The core's plan: the periodic job's period and the first back-off after a failure. */
    private val plan = backgroundSyncPlan()

    /** How often the periodic job runs at most (the core's period; JobScheduler's floor is 15 minutes). */
    val PERIOD_MS: Long = plan.periodMs.toLong()

    /** The first wait after a failure worth retrying (the core's; JobScheduler doubles it). */
    val FIRST_BACKOFF_MS: Long = plan.firstBackoffMs.toLong()

    /** The periodic sync on any network, kept across reboots. Idempotent. */
    fun schedulePeriodic(context: Context): Boolean = schedule(
        context,
        JobInfo.Builder(JOB_PERIODIC, ComponentName(context, SyncJobService::class.java))
            .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
            .setPeriodic(PERIOD_MS)
            .setPersisted(true)
            .build(),
    )

    /** One sync as soon as a network is there. */
    fun requestNow(context: Context): Boolean = schedule(
        context,
        JobInfo.Builder(JOB_NOW, ComponentName(context, SyncJobService::class.java))
            .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
            .setBackoffCriteria(FIRST_BACKOFF_MS, JobInfo.BACKOFF_POLICY_EXPONENTIAL)
            .build(),
    )

    private fun schedule(context: Context, job: JobInfo): Boolean =
        context.getSystemService(JobScheduler::class.java)?.schedule(job) == JobScheduler.RESULT_SUCCESS
}

/** One sync through the core, cancellable from another thread. */
class SyncRun(private val app: QuetMaApp, private val settings: SyncSettings) {
    private val handle = SyncHandle()

    /** What came of it. */
    sealed class Result {
        /** The core's report. */
        data class Done(val report: SyncReport) : Result()

        /** Failed; [retry] is the core's answer to whether waiting can help (the outbox keeps everything). */
        data class Failed(val error: QuetMaException, val retry: Boolean) : Result()
    }

    /** Runs the sync on the calling thread (the core runs it on its tokio runtime and decides the retry). */
    fun run(): Result {
        val outcome = runBlocking { app.syncInBackground(settings, handle) }
        val report = outcome.report
        val error = outcome.error
        return when {
            report != null -> Result.Done(report)
            error != null -> Result.Failed(error, outcome.retry)
            else -> Result.Failed(QuetMaException.InvalidResponse("no outcome"), retry = false)
        }
    }

    /** Stops a running sync (it ends with `Cancelled`). */
    fun cancel() = handle.cancel()
}

/** The job: one sync on a worker thread; rescheduled when the network or server failed. */
class SyncJobService : JobService() {
    @Volatile private var running: SyncRun? = null

    override fun onStartJob(params: JobParameters): Boolean {
        val ctx = applicationContext
        Thread({
            val outcome = try {
                val run = SyncRun(Core.get(ctx), SyncSettings(SyncConfig.serverUrl(ctx), SyncConfig.deviceId(ctx), null, null))
                running = run
                run.run()
            } catch (e: QuetMaException) {
                SyncRun.Result.Failed(e, retry = true) // the store could not be opened now
            }
            running = null
            lastResult = outcome
            if (outcome is SyncRun.Result.Failed) Log.i("QuetMaSync", "sync failed: ${outcome.error.javaClass.simpleName}")
            jobFinished(params, outcome is SyncRun.Result.Failed && outcome.retry)
        }, "quetma-sync").start()
        return true
    }

    override fun onStopJob(params: JobParameters): Boolean {
        running?.cancel()
        return true
    }

    companion object {
        /** The last job's result (tests, diagnostics). */
        @Volatile var lastResult: SyncRun.Result? = null
    }
}
