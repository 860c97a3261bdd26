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
 * horizontal density ([pixelsPerInch] = `DisplayMetrics.xdpi`) with whole pixels per module, so
 * at 1:1 its symbol measures what the core reports (`symbolMm`), which can be several per cent
 * off the size the core promises ([SYMBOL_MM]) on low or very high densities. The view scales it
 * (nearest-neighbour: modules stay sharp, some one pixel wider) so the symbol measures the
 * promised size across, and by `ydpi / xdpi` more down, so non-square pixels still show a square.
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

    /** How much the bitmap is enlarged across (the promised size over the 1:1 size). */
    var scale: Double = 1.0
        private set

    /**
     * Shows the core's luma bitmap ([luma]: `side × side`, 0 dark, 255 light) whose symbol
     * measures [symbolMm] at 1:1 on this screen.
     */
    fun show(luma: ByteArray, side: Int, symbolMm: Double, description: String) {
        require(side > 0 && luma.size == side * side) { "luma is not side × side" }
        val argb = IntArray(luma.size) {
            val v = luma[it].toInt() and 0xff
            (0xff shl 24) or (v shl 16) or (v shl 8) or v
        }
        bitmap = Bitmap.createBitmap(argb, side, side, Bitmap.Config.ARGB_8888)
        sourcePx = side
        scale = if (symbolMm > 0) SYMBOL_MM / symbolMm else 1.0
        contentDescription = description
        requestLayout()
        invalidate()
    }

    /** On-screen width and height in pixels for a bitmap of [sourcePx] drawn at true size. */
    fun screenSize(metrics: DisplayMetrics = resources.displayMetrics): Pair<Int, Int> {
        val across = sourcePx * scale
        return across.roundToInt() to (across * metrics.ydpi / metrics.xdpi).roundToInt()
    }

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
        /**
         * The symbol's side the core promises (`QuetMaApp.personalQr`: "measures 5 × 5 cm").
         * The core's screen flow is to carry it in the personal-QR view model (issue 12).
         */
        const val SYMBOL_MM = 50.0

        /** The density the core renders the personal QR for. */
        fun pixelsPerInch(metrics: DisplayMetrics): Double = metrics.xdpi.toDouble()

        /** [px] pixels on this screen in millimetres, across ([vertical] false) or down. */
        fun mm(px: Double, metrics: DisplayMetrics, vertical: Boolean): Double =
            px / (if (vertical) metrics.ydpi else metrics.xdpi) * 25.4
    }
}
