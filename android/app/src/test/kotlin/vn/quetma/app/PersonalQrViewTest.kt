package vn.quetma.app

import android.util.DisplayMetrics
import android.view.WindowManager
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.view.View
import java.io.File
import kotlin.math.abs
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Shadows.shadowOf
import org.robolectric.shadows.ShadowDisplay
import vn.quetma.app.screens.PersonalQrScreen
import vn.quetma.flows.Screen
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import vn.quetma.core.FrameScanner
import vn.quetma.core.Rotation
import vn.quetma.core.ScannedCode

/**
 * The personal QR on the app's real screen measures 50 mm ± 2 % across and down, on phones of
 * different densities (and non-square pixels): measured on the pixels the view really drew,
 * sized by the core's `QrCodeView.width_px/height_px` for the display's xdpi/ydpi.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class PersonalQrViewTest {
    private lateinit var phone: Phone

    @After
    fun tearDown() {
        if (::phone.isInitialized) phone.close()
        Core.close()
    }

    /** Shows the owner's QR on the real screen of a phone of [xdpi] × [ydpi] and measures the drawn symbol. */
    private fun measure(name: String, xdpi: Float, ydpi: Float) {
        val ctx = RuntimeEnvironment.getApplication()
        useTestCore(ctx, "qr-$name")
        // what the phone reports as its physical density (Robolectric sets xdpi = densityDpi)
        val display = ShadowDisplay.getDefaultDisplay()
        shadowOf(display).setXdpi(xdpi)
        shadowOf(display).setYdpi(ydpi)
        val metrics = DisplayMetrics()
        metrics.xdpi = xdpi
        metrics.ydpi = ydpi

        val app = Core.get(ctx)
        app.addProfile(owner())
        phone = Phone(ctx).launch()
        phone.tap((phone.screen as Screen.Home).v1.personalQr.label)
        val qr = (phone.screen as Screen.PersonalQr).v1.code!!
        assertEquals("full brightness while the code is shown", WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL, phone.activity.window.attributes.screenBrightness)
        phone.assertLabelled()
        val view = phone.views().first { it.tag == PersonalQrScreen.QR_TAG } as PersonalQrView
        val unspecified = View.MeasureSpec.makeMeasureSpec(0, View.MeasureSpec.UNSPECIFIED)
        // a layout offering less room does not shrink it
        view.measure(View.MeasureSpec.makeMeasureSpec(100, View.MeasureSpec.AT_MOST), unspecified)
        view.layout(0, 0, view.measuredWidth, view.measuredHeight)
        val bmp = Bitmap.createBitmap(view.measuredWidth, view.measuredHeight, Bitmap.Config.ARGB_8888)
        bmp.eraseColor(Color.MAGENTA)
        view.draw(Canvas(bmp))

        // the dark extent of the drawn symbol (quiet zone excluded)
        var left = Int.MAX_VALUE; var right = -1; var top = Int.MAX_VALUE; var bottom = -1
        for (y in 0 until bmp.height) for (x in 0 until bmp.width) {
            val p = bmp.getPixel(x, y)
            assertTrue("only black and white drawn", p == Color.BLACK || p == Color.WHITE)
            if (p == Color.BLACK) {
                left = minOf(left, x); right = maxOf(right, x); top = minOf(top, y); bottom = maxOf(bottom, y)
            }
        }
        val acrossMm = PersonalQrView.mm((right - left + 1).toDouble(), metrics, vertical = false)
        val downMm = PersonalQrView.mm((bottom - top + 1).toDouble(), metrics, vertical = true)
        println("personal QR on $name ($xdpi×$ydpi dpi): ${"%.2f".format(acrossMm)} × ${"%.2f".format(downMm)} mm on screen (the core asked for ${qr.symbolMm} mm)")
        assertTrue("across $acrossMm mm", abs(acrossMm - 50.0) <= 1.0)
        assertTrue("down $downMm mm", abs(downMm - 50.0) <= 1.0)
        // the scaling rounds module edges to screen pixels
        assertEquals("within two screen pixels", 50.0, acrossMm, PersonalQrView.mm(2.0, metrics, vertical = false))
        assertEquals(qr.accessibility, view.contentDescription)

        // the scaled drawing still reads as the owner's personal QR in the core's scanner
        val drawn = LumaFrame.of(bmp)
        val read = FrameScanner(Fixtures.publicKeysJson, false).use {
            it.scan(drawn.buffer, drawn.width.toUInt(), drawn.height.toUInt(), drawn.rowStride.toUInt(), Rotation.DEG0)
        }
        val hint = (read.single().code as ScannedCode.Personal).hint
        assertEquals(qr.caption, "${hint.shortName} · ${hint.birthYear}")

        System.getProperty("quetma.screenshots")?.let { dir ->
            File(dir).mkdirs()
            File(dir, "personal-qr-$name.png").outputStream().use { bmp.compress(Bitmap.CompressFormat.PNG, 100, it) }
        }
    }

    @Test
    @Config(qualifiers = "mdpi")
    fun `a 160 dpi class tablet`() = measure("mdpi", 149.8f, 149.8f)

    @Test
    @Config(qualifiers = "xhdpi")
    fun `a 320 dpi class phone with non-square pixels`() = measure("xhdpi", 294.9f, 301.3f)

    @Test
    @Config(qualifiers = "xxhdpi")
    fun `a 480 dpi class phone`() = measure("xxhdpi", 422.0f, 424.1f)

    @Test
    @Config(qualifiers = "xxxhdpi")
    fun `a 640 dpi class phone`() = measure("xxxhdpi", 577.5f, 576.6f)
}
