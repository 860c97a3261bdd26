package vn.quetma.app

import android.app.Activity
import android.content.Intent
import android.os.Build
import android.os.Bundle
import android.view.Gravity
import android.widget.LinearLayout
import android.widget.TextView
import vn.quetma.core.QuetMaException

/**
 * The app's one Activity. It opens the core, shows what the core says about the store (a reset
 * notice), and receives the App Links of posters (`/V/…`) and enrolment codes (`/E/…`).
 *
 * The screens of the core's flows are rendered here once the flows exist (issue 12); until
 * then it is the host the platform plumbing hangs on.
 */
class MainActivity : Activity() {
    /** The status line (the store-reset notice, or the opening error). */
    lateinit var status: TextView
        private set

    /** The last App Link received, for the core's `openUrl` once the flows take it. */
    var pendingLink: String? = null
        private set

    lateinit var effects: EffectRunner
        private set

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        effects = EffectRunner(this)
        val pad = (16 * resources.displayMetrics.density).toInt()
        status = TextView(this).apply {
            gravity = Gravity.CENTER
            textSize = 18f
            setPadding(pad, pad, pad, pad)
        }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            gravity = Gravity.CENTER
            addView(TextView(context).apply {
                text = Res.string(context, "app_name")
                textSize = 28f
                gravity = Gravity.CENTER
                isFocusable = true
                if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) isAccessibilityHeading = true
            })
            addView(status)
        })
        handle(intent)
        openCore()
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        handle(intent)
    }

    private fun handle(intent: Intent?) {
        if (intent?.action == Intent.ACTION_VIEW) pendingLink = intent.dataString
    }

    private fun openCore() {
        try {
            val core = Core.get(this)
            SyncScheduler.schedulePeriodic(this)
            core.storeReset()?.let { status.text = Language.current(this).pick(it.message) }
        } catch (e: QuetMaException) {
            // The Keystore did not answer (nothing was touched): say so, never crash.
            status.text = e.message ?: e.javaClass.simpleName
        }
    }

    override fun onDestroy() {
        effects.release()
        super.onDestroy()
    }
}
