package vn.quetma.shell

import java.nio.ByteBuffer

/**
 * Direct buffers for handing luma planes to the Rust scanner without a copy across the bridge.
 *
 * CameraX already delivers `ImageProxy.planes[0].buffer` as a direct ByteBuffer: pass it as it
 * is, with `planes[0].rowStride`. This helper is for pixels that start in a heap array (a decoded
 * image file, a test fixture): it copies them once into a direct buffer it reuses for every
 * frame of the same size, so steady-state scanning allocates nothing.
 *
 * The bridge reads from the buffer's base address for `remaining()` bytes: the buffer handed
 * over always has position 0.
 */
class LumaBuffers {
    private var buffer: ByteBuffer? = null

    /**
     * A direct buffer holding [height] rows of [rowStride] bytes, the first [width] of each
     * copied from the packed [pixels] (`width * height` bytes). Padding bytes are left as they
     * are. The returned buffer is reused by the next call.
     */
    fun wrap(pixels: ByteArray, width: Int, height: Int, rowStride: Int = width): ByteBuffer {
        require(width > 0 && height > 0) { "empty frame" }
        require(rowStride >= width) { "row stride smaller than width" }
        require(pixels.size >= width * height) { "pixel array too short" }
        val size = rowStride * (height - 1) + width
        val buf = buffer?.takeIf { it.capacity() >= size } ?: ByteBuffer.allocateDirect(size).also { buffer = it }
        buf.clear()
        for (y in 0 until height) {
            buf.position(y * rowStride)
            buf.put(pixels, y * width, width)
        }
        buf.position(0)
        buf.limit(size)
        return buf
    }
}
