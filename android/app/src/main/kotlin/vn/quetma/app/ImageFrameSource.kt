package vn.quetma.app

import android.graphics.Bitmap
import java.nio.ByteBuffer
import vn.quetma.core.Rotation

/**
 * The "open an image" fallback (a photo or a screenshot of a poster) and the tests' camera:
 * delivers a still picture's luma to the sink, once per [start], on the caller's thread.
 */
class ImageFrameSource(private val frame: LumaFrame) : FrameSource {
    override val hasTorch = false

    override fun start(sink: FrameSink, onState: (CameraState) -> Unit) {
        onState(CameraState.Running)
        sink.onFrame(frame.buffer.duplicate(), frame.width, frame.height, frame.rowStride, Rotation.DEG0)
    }

    override fun stop() {}

    override fun setTorch(on: Boolean) = false
}

/** An 8-bit luma picture in a direct buffer, rows of [rowStride] bytes. */
class LumaFrame(val buffer: ByteBuffer, val width: Int, val height: Int, val rowStride: Int) {
    companion object {
        /** The luma of [bitmap] (BT.601 weights), as the camera's Y plane would hold it. */
        fun of(bitmap: Bitmap): LumaFrame {
            val w = bitmap.width
            val h = bitmap.height
            val row = IntArray(w)
            val buf = ByteBuffer.allocateDirect(w * h)
            for (y in 0 until h) {
                bitmap.getPixels(row, 0, w, 0, y, w, 1)
                for (px in row) {
                    val r = (px shr 16) and 0xff
                    val g = (px shr 8) and 0xff
                    val b = px and 0xff
                    buf.put(((77 * r + 150 * g + 29 * b + 128) shr 8).toByte())
                }
            }
            buf.flip()
            return LumaFrame(buf, w, h, w)
        }
    }
}
