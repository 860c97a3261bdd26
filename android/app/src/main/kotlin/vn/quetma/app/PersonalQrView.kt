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
 * Shows a personal QR at its true physical size. The core renders the bitmap for the screen's
 * horizontal density ([pixelsPerInch] = `DisplayMetrics.xdpi`): it is drawn 1:1 across, and
 * stretched by `ydpi / xdpi` down (with nearest-neighbour sampling, modules stay sharp), so a
 * screen with non-square pixels still shows a square of the size the core chose.
 *
 * The view measures itself to exactly that size, whatever the layout offers: a QR a scanner
 * must read is never shrunk to fit.
 */
class PersonalQrView(context: Context) : View(context) {
    private val paint = Paint().apply { isFilterBitmap = false; isAntiAlias = false }
    private var bitmap: Bitmap? = null
    private val dst = Rect()

    /** Side of the core's square bitmap in pixels (quiet zone included). */
    var sourcePx: Int = 0
        private set

    init {
        importantForAccessibility = IMPORTANT_FOR_ACCESSIBILITY_YES
    }

    /** Shows the core's luma bitmap ([luma]: `side × side`, 0 dark, 255 light). */
    fun show(luma: ByteArray, side: Int, description: String) {
        require(side > 0 && luma.size == side * side) { "luma is not side × side" }
        val argb = IntArray(luma.size) {
            val v = luma[it].toInt() and 0xff
            (0xff shl 24) or (v shl 16) or (v shl 8) or v
        }
        bitmap = Bitmap.createBitmap(argb, side, side, Bitmap.Config.ARGB_8888)
        sourcePx = side
        contentDescription = description
        requestLayout()
        invalidate()
    }

    /** On-screen width and height in pixels for a bitmap of [sourcePx] drawn at true size. */
    fun screenSize(metrics: DisplayMetrics = resources.displayMetrics): Pair<Int, Int> =
        sourcePx to (sourcePx * metrics.ydpi / metrics.xdpi).roundToInt()

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
        /** The density the core renders the personal QR for. */
        fun pixelsPerInch(metrics: DisplayMetrics): Double = metrics.xdpi.toDouble()

        /** [px] pixels on this screen in millimetres, across ([vertical] false) or down. */
        fun mm(px: Double, metrics: DisplayMetrics, vertical: Boolean): Double =
            px / (if (vertical) metrics.ydpi else metrics.xdpi) * 25.4
    }
}
