package vn.quetma.app

import android.app.Application
import android.content.Context
import java.io.File
import vn.quetma.core.AppConfig
import vn.quetma.core.AppEvent
import vn.quetma.core.EventListener
import vn.quetma.core.KeyVault
import vn.quetma.core.QuetMaApp
import vn.quetma.core.QuetMaException

/**
 * The process: notification channels at start, and the one core instance ([core]), opened on
 * first use (an Activity, a reminder, a sync job or the boot receiver) with the Keystore vault.
 */
class QuetMaApplication : Application() {
    override fun onCreate() {
        super.onCreate()
        Notices.createChannels(this)
    }

    companion object {
        /** The bundled public key bundle (`assets/public-keys.json`, the deployment's). */
        const val KEYS_ASSET = "public-keys.json"
    }
}

/** Opens the core once per process and tells the user when it had to start afresh. */
object Core {
    @Volatile private var app: QuetMaApp? = null

    /** Replaces how the core is configured (tests: fixture keys, a test vault). */
    @Volatile var factory: (Context) -> Opening = ::defaultOpening

    /** What [open] needs. */
    class Opening(val config: AppConfig, val vault: KeyVault)

    /** The shell's own listener: a `StoreReset` becomes a notice to the user. */
    private class Listener(private val context: Context) : EventListener {
        override fun onEvent(event: AppEvent) {
            if (event is AppEvent.StoreReset) Notices.storeReset(context, event.info.message)
        }
    }

    /**
     * The opened core. A vault that does not answer (the Keystore itself unavailable) is the
     * core's [QuetMaException.Platform]: callers show it and retry later; nothing was touched.
     */
    @Synchronized
    fun get(context: Context): QuetMaApp {
        app?.let { return it }
        val ctx = context.applicationContext
        val opening = factory(ctx)
        val opened = QuetMaApp.open(opening.config, opening.vault, null, Listener(ctx))
        app = opened
        return opened
    }

    /** Closes the core (tests; a process never needs it). */
    @Synchronized
    fun close() {
        app?.close()
        app = null
    }

    private fun defaultOpening(context: Context): Opening {
        val keys = try {
            context.assets.open(QuetMaApplication.KEYS_ASSET).use { it.readBytes().decodeToString() }
        } catch (e: java.io.IOException) {
            throw QuetMaException.Platform("the app carries no public key bundle: ${e.message}")
        }
        return Opening(
            AppConfig(
                dataDir = File(context.noBackupFilesDir, "store").path,
                publicKeysJson = keys,
                retentionDays = null,
                utcOffsetMinutes = null,
                purgeTimer = true,
            ),
            KeystoreVault(File(context.noBackupFilesDir, "vault")),
        )
    }
}
