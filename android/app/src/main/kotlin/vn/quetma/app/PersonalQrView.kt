package vn.quetma.app

import android.content.Context
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Paint
import android.graphics.Rect
import android.util.DisplayMetrics
import android.view.View
import kotlin.math.roundToInt

/**
 * Shows a personal QR at its true physical size. The core's screen flow gives the modules (one
 * byte each, quiet zone included) and the size to draw them at in physical pixels
 * (`QrCodeView.width_px` / `height_px`, worked out from `DisplayMetrics.xdpi` / `ydpi`, so the
 * symbol measures what the core promises on this screen, square even on non-square pixels).
 * The view scales the modules without smoothing (modules stay sharp, some one pixel wider).
 *
 * The view measures itself to exactly that size, whatever the layout offers: a QR a scanner
 * must read is never shrunk to fit.
 */
class PersonalQrView(context: Context) : View(context) {
    private val paint = Paint().apply { isFilterBitmap = false; isAntiAlias = false }
    private var bitmap: Bitmap? = null
    private val dst = Rect()
    private var widthPx = 0.0
    private var heightPx = 0.0

    /** Modules per side of the code shown (quiet zone included). */
    var sourcePx: Int = 0
        private set

    init {
        importantForAccessibility = IMPORTANT_FOR_ACCESSIBILITY_YES
    }

    /**
     * Shows [modules] (`side × side`, 0 dark, 255 light) drawn [widthPx] × [heightPx] physical
     * pixels, as the core's `QrCodeView` says; [description] is for a screen reader.
     */
    fun show(modules: ByteArray, side: Int, widthPx: Double, heightPx: Double, description: String) {
        require(side > 0 && modules.size == side * side) { "modules is not side × side" }
        require(widthPx > 0 && heightPx > 0) { "no size to draw at" }
        val argb = IntArray(modules.size) {
            val v = modules[it].toInt() and 0xff
            (0xff shl 24) or (v shl 16) or (v shl 8) or v
        }
        bitmap = Bitmap.createBitmap(argb, side, side, Bitmap.Config.ARGB_8888)
        sourcePx = side
        this.widthPx = widthPx
        this.heightPx = heightPx
        contentDescription = description
        requestLayout()
        invalidate()
    }

    /** On-screen width and height in pixels. */
    fun screenSize(): Pair<Int, Int> = widthPx.roundToInt() to heightPx.roundToInt()

    override fun onMeasure(widthMeasureSpec: Int, heightMeasureSpec: Int) {
        val (w, h) = screenSize()
        setMeasuredDimension(w + paddingLeft + paddingRight, h + paddingTop + paddingBottom)
    }

    override fun onDraw(canvas: Canvas) {
        val b = bitmap ?: return
        val (w, h) = screenSize()
        dst.set(paddingLeft, paddingTop, paddingLeft + w, paddingTop + h)
        canvas.drawBitmap(b, null, dst, paint)
    }

    companion object {
        /** [px] pixels on this screen in millimetres, across ([vertical] false) or down. */
        fun mm(px: Double, metrics: DisplayMetrics, vertical: Boolean): Double =
            px / (if (vertical) metrics.ydpi else metrics.xdpi) * 25.4
    }
}
