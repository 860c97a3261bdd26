package vn.quetma.app

import android.app.Activity
import android.content.ClipData
import android.content.Context
import android.content.Intent
import android.media.AudioManager
import android.media.ToneGenerator
import android.os.VibrationEffect
import android.os.Vibrator
import android.view.View
import android.view.WindowManager
import android.view.accessibility.AccessibilityEvent
import android.view.accessibility.AccessibilityManager
import java.io.File

/** The sound cues the core asks for; which system tone plays each is the shell's business. */
enum class Cue(internal val tone: Int, internal val ms: Int) {
    /** A code was accepted (a visitor counted, a poster read). */
    SUCCESS(ToneGenerator.TONE_PROP_ACK, 150),

    /** The same visitor again within the window: counted once. */
    ALREADY_COUNTED(ToneGenerator.TONE_PROP_BEEP2, 200),

    /** A code that cannot be used. */
    REJECTED(ToneGenerator.TONE_PROP_NACK, 300),

    /** The scanner has a hint (closer, more light): a soft tick. */
    HINT(ToneGenerator.TONE_PROP_BEEP, 60),

    /** The check-in was saved. */
    CHECKED_IN(ToneGenerator.TONE_CDMA_CONFIRM, 250),
}

/**
 * Performs the side effects the core's flows return, with framework APIs only. It decides
 * nothing: what to vibrate, say, or share comes from the core; this says how on Android.
 */
class EffectRunner(private val activity: Activity) {
    private val vibrator: Vibrator? = activity.getSystemService(Vibrator::class.java)
    private val a11y: AccessibilityManager? = activity.getSystemService(AccessibilityManager::class.java)
    private var tones: ToneGenerator? = null

    /** Vibrates [patternMs] (off, on, off, on… as `Vibrator` takes it), once. */
    fun vibrate(patternMs: LongArray) {
        val v = vibrator ?: return
        if (!v.hasVibrator() || patternMs.isEmpty()) return
        if (patternMs.size == 1) {
            v.vibrate(VibrationEffect.createOneShot(patternMs[0], VibrationEffect.DEFAULT_AMPLITUDE))
        } else {
            v.vibrate(VibrationEffect.createWaveform(patternMs, -1))
        }
    }

    /** Plays [cue] on the notification stream (silent when the phone is on silent). */
    fun play(cue: Cue) {
        val t = tones ?: try {
            ToneGenerator(AudioManager.STREAM_NOTIFICATION, 80).also { tones = it }
        } catch (e: RuntimeException) {
            return // no audio hardware free: the vibration and the screen still tell
        }
        t.startTone(cue.tone, cue.ms)
    }

    /** Says [text] through TalkBack (or any screen reader); nothing when none is on. */
    fun announce(text: String) {
        val am = a11y ?: return
        if (!am.isEnabled) return
        val event = AccessibilityEvent.obtain(AccessibilityEvent.TYPE_ANNOUNCEMENT).apply {
            className = javaClass.name
            packageName = activity.packageName
            this.text.add(text)
        }
        am.sendAccessibilityEvent(event)
    }

    /** Full brightness for this window while a code is shown ([max]), or the user's own. */
    fun brightness(max: Boolean) {
        val w = activity.window
        w.attributes = w.attributes.apply {
            screenBrightness = if (max) WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL else WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_NONE
        }
    }

    /** Keeps the screen on (continuous scanning, a code shown) or lets it sleep again. */
    fun keepScreenOn(on: Boolean) {
        if (on) {
            activity.window.addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
        } else {
            activity.window.clearFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
        }
    }

    /**
     * Opens the share sheet for [file] (in the app's cache `exports/` folder, written by the
     * core) with [title]; the receiving app gets read access to that one file only.
     */
    fun share(file: File, mime: String, title: String) {
        val uri = ExportProvider.uriFor(activity, file)
        val send = Intent(Intent.ACTION_SEND).apply {
            type = mime
            putExtra(Intent.EXTRA_STREAM, uri)
            putExtra(Intent.EXTRA_TITLE, title)
            clipData = ClipData.newRawUri(title, uri)
            addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        }
        activity.startActivity(Intent.createChooser(send, title))
    }

    /** Releases the tone generator (call from `onDestroy`). */
    fun release() {
        tones?.release()
        tones = null
    }

    companion object {
        /** Moves TalkBack's focus to [view] (a new screen's title), as a screen change. */
        fun focus(view: View) {
            view.sendAccessibilityEvent(AccessibilityEvent.TYPE_VIEW_FOCUSED)
        }

        /** The folder the core's export files go to. */
        fun exportDir(context: Context): File = File(context.cacheDir, ExportProvider.FOLDER).apply { mkdirs() }
    }
}
