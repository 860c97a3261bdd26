package vn.quetma.app

import android.content.Context
import android.content.Intent
import android.net.Uri
import android.os.Vibrator
import android.view.WindowManager
import android.view.accessibility.AccessibilityEvent
import android.view.accessibility.AccessibilityManager
import java.io.File
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowToneGenerator

/** The effect runner performs each effect with the framework API a person would notice. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class EffectsTest {
    private val ctx: Context = RuntimeEnvironment.getApplication()
    private lateinit var controller: ActivityController<MainActivity>
    private lateinit var activity: MainActivity

    @Before
    fun setUp() {
        useTestCore(ctx, "effects")
        controller = Robolectric.buildActivity(MainActivity::class.java).setup()
        activity = controller.get()
    }

    @After
    fun tearDown() {
        controller.destroy()
        Core.close()
    }

    @Test
    fun `vibration patterns reach the vibrator`() {
        val v = shadowOf(ctx.getSystemService(Vibrator::class.java))
        activity.effects.vibrate(longArrayOf(40))
        assertTrue(v.isVibrating)
        assertEquals(40L, v.milliseconds)
        activity.effects.vibrate(longArrayOf(0, 60, 80, 60))
        assertEquals(listOf(0L, 60L, 80L, 60L), v.pattern.toList())
    }

    @Test
    fun `each cue plays its tone`() {
        activity.effects.play(Cue.SUCCESS)
        activity.effects.play(Cue.REJECTED)
        val played = ShadowToneGenerator.getPlayedTones()
        assertEquals(listOf(Cue.SUCCESS.tone, Cue.REJECTED.tone), played.map { it.type() })
        assertEquals(Cue.SUCCESS.ms, played.first().duration().toMillis().toInt())
        assertEquals(Cue.values().size, Cue.values().map { it.tone }.toSet().size)
    }

    @Test
    fun `announcements go to TalkBack only when it is on`() {
        val am = ctx.getSystemService(AccessibilityManager::class.java)
        shadowOf(am).setEnabled(false)
        activity.effects.announce("không nghe")
        shadowOf(am).setEnabled(true)
        activity.effects.announce("Đã quét mã của Nhà thuốc Minh Châu")
        val said = shadowOf(am).sentAccessibilityEvents
            .filter { it.eventType == AccessibilityEvent.TYPE_ANNOUNCEMENT }
            .flatMap { it.text }.map { it.toString() }
        assertEquals(listOf("Đã quét mã của Nhà thuốc Minh Châu"), said)
    }

    @Test
    fun `brightness and keep-screen-on change the window, and go back`() {
        val w = activity.window
        activity.effects.brightness(true)
        assertEquals(WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL, w.attributes.screenBrightness)
        activity.effects.brightness(false)
        assertEquals(WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_NONE, w.attributes.screenBrightness)
        activity.effects.keepScreenOn(true)
        assertTrue(w.attributes.flags and WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON != 0)
        activity.effects.keepScreenOn(false)
        assertEquals(0, w.attributes.flags and WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
    }

    @Test
    fun `share opens the chooser with a read grant on the core's export, served by the provider`() {
        val json = Core.get(ctx).exportHistoryJson(null)
        val file = File(EffectRunner.exportDir(ctx), "lich-su.json").apply { writeText(json) }
        activity.effects.share(file, "application/json", "Lịch sử")
        val chooser = shadowOf(activity).nextStartedActivity
        assertEquals(Intent.ACTION_CHOOSER, chooser.action)
        @Suppress("DEPRECATION")
        val send = chooser.getParcelableExtra<Intent>(Intent.EXTRA_INTENT)!!
        assertEquals(Intent.ACTION_SEND, send.action)
        assertEquals("application/json", send.type)
        assertTrue(send.flags and Intent.FLAG_GRANT_READ_URI_PERMISSION != 0)
        @Suppress("DEPRECATION")
        val uri = send.getParcelableExtra<Uri>(Intent.EXTRA_STREAM)!!
        assertEquals("content://vn.quetma.app.exports/lich-su.json", uri.toString())

        // the provider (declared in the manifest) serves exactly that file, read-only
        Robolectric.setupContentProvider(ExportProvider::class.java, ExportProvider.authority(ctx))
        val read = ctx.contentResolver.openInputStream(uri)!!.use { it.readBytes().decodeToString() }
        assertEquals(json, read)
        assertEquals("application/json", ctx.contentResolver.getType(uri))
        for (bad in listOf("content://vn.quetma.app.exports/..%2Fdb", "content://vn.quetma.app.exports/a/b.json", "content://vn.quetma.app.exports/none.json")) {
            try {
                ctx.contentResolver.openInputStream(Uri.parse(bad))?.close()
                fail("served $bad")
            } catch (e: java.io.FileNotFoundException) {
                // refused
            }
        }
        try {
            ExportProvider.uriFor(ctx, File(ctx.filesDir, "secret.json"))
            fail("a file outside the exports folder got a URI")
        } catch (e: IllegalArgumentException) {
            // refused
        }
    }
}
