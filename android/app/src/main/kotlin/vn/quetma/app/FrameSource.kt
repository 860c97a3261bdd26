package vn.quetma.app

import java.nio.ByteBuffer
import vn.quetma.core.Rotation

/**
 * Receives camera frames: the luma (Y) plane as the camera left it, borrowed for the call only.
 * [luma] holds [height] rows of [rowStride] bytes (the last row may be short), of which the
 * first [width] are pixels; it is a direct buffer the core reads in place (no copy).
 */
fun interface FrameSink {
    /** One frame; return quickly and never keep [luma] past the call. */
    fun onFrame(luma: ByteBuffer, width: Int, height: Int, rowStride: Int, rotation: Rotation)
}

/** Where the camera is. */
sealed class CameraState {
    /** Not started, or stopped. */
    data object Closed : CameraState()

    /** Opening the device and its session. */
    data object Opening : CameraState()

    /** Frames are flowing. */
    data object Running : CameraState()

    /** No camera, no permission, or the device failed: [reason] is for logs, not the user. */
    data class Failed(val reason: String, val permission: Boolean = false) : CameraState()
}

/**
 * The seam in front of the camera: the app's scanner screens take frames from a [FrameSource];
 * [Camera2FrameSource] is the phone's camera, tests feed rendered images through their own.
 */
interface FrameSource {
    /** Starts delivering frames to [sink] (on a background thread); [onState] sees each change. */
    fun start(sink: FrameSink, onState: (CameraState) -> Unit)

    /** Stops and releases the camera; safe to call twice or before [start]. */
    fun stop()

    /** Turns the torch on or off; false if this source has none. */
    fun setTorch(on: Boolean): Boolean

    /** Whether this source has a torch. */
    val hasTorch: Boolean
}
