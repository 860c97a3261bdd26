package vn.quetma.app

import android.app.AlarmManager
import android.app.NotificationManager
import android.app.job.JobInfo
import android.app.job.JobScheduler
import android.content.Context
import android.content.Intent
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowAlarmManager
import vn.quetma.core.FrameScanner
import vn.quetma.core.QuetMaException
import vn.quetma.core.ScannedCode
import vn.quetma.core.SyncSettings

/** Check-out reminders (AlarmManager, notification, reboot) and the sync job (JobScheduler). */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class BackgroundTest {
    private val ctx: Context = RuntimeEnvironment.getApplication()
    private val alarms get() = shadowOf(ctx.getSystemService(AlarmManager::class.java))
    private val notifications get() = shadowOf(ctx.getSystemService(NotificationManager::class.java))

    @Before
    fun setUp() {
        useTestCore(ctx, "background")
    }

    @After
    fun tearDown() = Core.close()

    /** Checks the owner in at the fixture poster through the real core; the visit id. */
    private fun checkIn(): String {
        val app = Core.get(ctx)
        val me = app.addProfile(owner())
        val poster = Fixtures.png("venue-poster")
        val code = FrameScanner(Fixtures.publicKeysJson, false).use {
            it.scan(poster.buffer, poster.width.toUInt(), poster.height.toUInt(), poster.rowStride.toUInt(), vn.quetma.core.Rotation.DEG0)
        }.single().code as ScannedCode.Venue
        return app.checkIn(code.posterText, listOf(me.id), null).single().id
    }

    private fun reminder(id: String, inMinutes: Long = 90) =
        Reminder(id, System.currentTimeMillis() + inMinutes * 60_000, "Nhà thuốc Minh Châu", "Bạn đã rời đi chưa?", "Trả phòng")

    /** Delivers the alarm's broadcast as the system would. */
    private fun fire(): Intent {
        val alarm = alarms.peekNextScheduledAlarm() ?: throw AssertionError("no alarm set")
        val intent = shadowOf(alarm.operation).savedIntent
        ReminderReceiver().onReceive(ctx, intent)
        return intent
    }

    @Test
    fun `a reminder arms an exact alarm, fires a notification whose action checks the visit out`() {
        val visitId = checkIn()
        assertTrue(Core.get(ctx).visit(visitId).isOpen)
        val r = reminder(visitId)
        ReminderScheduler(ctx).schedule(r)
        val alarm = alarms.peekNextScheduledAlarm()!!
        assertEquals(r.atMs, alarm.triggerAtMs)
        assertEquals(AlarmManager.RTC_WAKEUP, alarm.type)
        assertTrue("allowed while idle", alarm.isAllowWhileIdle)

        fire()
        val n = notifications.getNotification(ReminderScheduler.TAG, visitId.hashCode())
        assertEquals(Notices.CHANNEL_REMINDERS, n.channelId)
        assertEquals("Nhà thuốc Minh Châu", n.extras.getCharSequence("android.title").toString())
        assertEquals("Trả phòng", n.actions.single().title.toString())

        // the check-out action, as the notification would send it
        ReminderReceiver().onReceive(ctx, shadowOf(n.actions.single().actionIntent).savedIntent)
        assertFalse("checked out through the core", Core.get(ctx).visit(visitId).isOpen)
        assertNull(ReminderScheduler(ctx).get(visitId))
        assertNull(notifications.getNotification(ReminderScheduler.TAG, visitId.hashCode()))
        // a second tap (a stale notification) is harmless
        ReminderReceiver().onReceive(ctx, shadowOf(n.actions.single().actionIntent).savedIntent)
    }

    @Test
    fun `reminders come back after a reboot, cancelled ones do not`() {
        val s = ReminderScheduler(ctx)
        s.schedule(reminder("visit-a", 30))
        s.schedule(reminder("visit-b", 60))
        s.schedule(reminder("visit-c", 120))
        s.cancel("visit-b")
        assertEquals(2, alarms.scheduledAlarms.size)

        // a reboot clears every alarm, the kept reminders stay
        val am = ctx.getSystemService(AlarmManager::class.java)
        alarms.scheduledAlarms.toList().forEach { am.cancel(it.operation) }
        assertEquals(0, alarms.scheduledAlarms.size)

        // the boot receiver is declared for BOOT_COMPLETED and re-arms them
        val receivers = ctx.packageManager.queryBroadcastReceivers(Intent(Intent.ACTION_BOOT_COMPLETED).setPackage(ctx.packageName), 0)
        assertEquals(BootReceiver::class.java.name, receivers.single().activityInfo.name)
        BootReceiver().onReceive(ctx, Intent(Intent.ACTION_BOOT_COMPLETED))
        assertEquals(2, alarms.scheduledAlarms.size)
        assertEquals(setOf("visit-a", "visit-c"), ReminderScheduler(ctx).all().map { it.id }.toSet())

        // a reminder cancelled while its alarm was pending does not notify
        s.cancel("visit-a")
        ReminderReceiver().onReceive(ctx, Intent(ctx, ReminderReceiver::class.java).setAction(ReminderReceiver.ACTION_REMIND).putExtra(ReminderReceiver.EXTRA_ID, "visit-a"))
        assertEquals(0, notifications.allNotifications.size)
    }

    @Test
    fun `without the exact-alarm permission the reminder is still armed, inexactly`() {
        ShadowAlarmManager.setCanScheduleExactAlarms(false)
        try {
            val r = reminder("visit-x")
            ReminderScheduler(ctx).schedule(r)
            val alarm = alarms.peekNextScheduledAlarm()!!
            assertTrue(alarm.isAllowWhileIdle)
            assertEquals(r.atMs, alarm.triggerAtMs)
        } finally {
            ShadowAlarmManager.setCanScheduleExactAlarms(true)
        }
    }

    @Test
    fun `the sync job runs on any network, periodically and across reboots, or once on request`() {
        assertTrue(SyncScheduler.schedulePeriodic(ctx))
        assertTrue(SyncScheduler.requestNow(ctx))
        val jobs = ctx.getSystemService(JobScheduler::class.java).allPendingJobs.associateBy { it.id }
        val periodic = jobs.getValue(SyncScheduler.JOB_PERIODIC)
        assertEquals(JobInfo.NETWORK_TYPE_ANY, periodic.networkType)
        assertTrue(periodic.isPeriodic)
        assertTrue(periodic.isPersisted)
        assertEquals(SyncScheduler.PERIOD_MS, periodic.intervalMillis)
        assertEquals(SyncJobService::class.java.name, periodic.service.className)
        val now = jobs.getValue(SyncScheduler.JOB_NOW)
        assertEquals(JobInfo.NETWORK_TYPE_ANY, now.networkType)
        assertFalse(now.isPeriodic)
        // the service is declared with the job permission
        val info = ctx.packageManager.getServiceInfo(android.content.ComponentName(ctx, SyncJobService::class.java), 0)
        assertEquals("android.permission.BIND_JOB_SERVICE", info.permission)
    }

    @Test
    fun `a sync against an unreachable server fails as a network error to retry, and keeps the outbox`() {
        checkIn()
        val app = Core.get(ctx)
        val before = app.outboxCounts()
        val deviceId = SyncConfig.deviceId(ctx)
        assertEquals(deviceId, SyncConfig.deviceId(ctx)) // made once
        // port 9 on loopback: nothing listens
        val result = SyncRun(app, SyncSettings("http://127.0.0.1:9", deviceId, null, 2_000u)).run()
        val failed = result as SyncRun.Result.Failed
        assertTrue(failed.error.toString(), failed.error is QuetMaException.Network)
        assertTrue(failed.retry)
        assertEquals(before, app.outboxCounts())
    }
}
