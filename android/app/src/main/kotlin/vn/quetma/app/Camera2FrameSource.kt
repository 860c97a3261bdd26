package vn.quetma.app

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.graphics.ImageFormat
import android.hardware.camera2.CameraAccessException
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.media.ImageReader
import android.os.Handler
import android.util.Size
import android.view.Surface
import vn.quetma.core.Rotation

/**
 * The phone's back camera through `android.hardware.camera2` (no CameraX: no androidx here).
 *
 * An [ImageReader] in `YUV_420_888` receives the preview stream; for each image the Y plane's
 * own direct buffer goes to the [FrameSink] as it is (row stride included, no copy), then the
 * image is closed. Callbacks run on [handler]'s thread; frames that arrive after [stop] are
 * dropped, so opening and closing the scanner quickly and repeatedly is safe.
 *
 * @param displayRotation the display's rotation in degrees (0, 90, 180, 270), read per frame.
 */
class Camera2FrameSource(
    private val context: Context,
    private val handler: Handler,
    private val displayRotation: () -> Int = { 0 },
) : FrameSource {
    private val manager = context.getSystemService(CameraManager::class.java)
    private var device: CameraDevice? = null
    private var session: CameraCaptureSession? = null
    private var reader: ImageReader? = null
    private var request: CaptureRequest.Builder? = null
    private var generation = 0
    private var cameraId: String? = null
    private var sensorOrientation = 90
    private var torchOn = false
    private var onState: (CameraState) -> Unit = {}
    private var preview: Surface? = null
    private var currentGen = 0

    /**
     * Shows the camera's picture on [surface] (the scanner's viewfinder) besides sending frames;
     * null shows none. Takes effect at once when the camera is open (a new session).
     */
    fun setPreview(surface: Surface?) {
        handler.post {
            preview = surface
            val d = device
            val r = reader
            if (d != null && r != null && currentGen == generation) startSession(d, r, currentGen)
        }
    }

    /** The size frames come in (after [start] found the camera). */
    var frameSize: Size? = null
        private set

    override var hasTorch: Boolean = false
        private set

    override fun start(sink: FrameSink, onState: (CameraState) -> Unit) {
        stop()
        this.onState = onState
        val gen = ++generation
        currentGen = gen
        if (context.checkSelfPermission(Manifest.permission.CAMERA) != PackageManager.PERMISSION_GRANTED) {
            return onState(CameraState.Failed("camera permission not granted", permission = true))
        }
        val id = try {
            backCamera()
        } catch (e: CameraAccessException) {
            return onState(CameraState.Failed("camera service: ${e.reason}"))
        } ?: return onState(CameraState.Failed("no camera"))
        cameraId = id
        val size = frameSize ?: SCAN_SIZE
        val r = ImageReader.newInstance(size.width, size.height, ImageFormat.YUV_420_888, 2)
        r.setOnImageAvailableListener({ ir ->
            val image = try { ir.acquireLatestImage() } catch (e: IllegalStateException) { null } ?: return@setOnImageAvailableListener
            try {
                if (gen == generation) {
                    val y = image.planes[0]
                    sink.onFrame(y.buffer, image.width, image.height, y.rowStride, rotation())
                }
            } finally {
                image.close()
            }
        }, handler)
        reader = r
        onState(CameraState.Opening)
        try {
            @Suppress("MissingPermission") // checked above
            manager.openCamera(id, object : CameraDevice.StateCallback() {
                override fun onOpened(camera: CameraDevice) {
                    if (gen != generation) return camera.close()
                    device = camera
                    startSession(camera, r, gen)
                }

                override fun onDisconnected(camera: CameraDevice) {
                    camera.close()
                    if (gen == generation) fail("camera disconnected")
                }

                override fun onError(camera: CameraDevice, error: Int) {
                    camera.close()
                    if (gen == generation) fail("camera error $error")
                }
            }, handler)
        } catch (e: CameraAccessException) {
            fail("cannot open the camera: ${e.reason}")
        } catch (e: SecurityException) {
            onState(CameraState.Failed("camera permission revoked", permission = true))
            release()
        }
    }

    @Suppress("DEPRECATION") // createCaptureSession(List<Surface>…): SessionConfiguration needs API 28, minSdk is 26
    private fun startSession(camera: CameraDevice, r: ImageReader, gen: Int) {
        try {
            val targets = listOfNotNull(r.surface, preview?.takeIf { it.isValid })
            camera.createCaptureSession(targets, object : CameraCaptureSession.StateCallback() {
                override fun onConfigured(s: CameraCaptureSession) {
                    if (gen != generation) return s.close()
                    session = s
                    val builder = camera.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
                        targets.forEach { addTarget(it) }
                        set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
                        set(CaptureRequest.FLASH_MODE, if (torchOn) CaptureRequest.FLASH_MODE_TORCH else CaptureRequest.FLASH_MODE_OFF)
                    }
                    request = builder
                    try {
                        s.setRepeatingRequest(builder.build(), null, handler)
                        onState(CameraState.Running)
                    } catch (e: CameraAccessException) {
                        fail("cannot start the preview: ${e.reason}")
                    } catch (e: IllegalStateException) {
                        fail("session closed")
                    }
                }

                override fun onConfigureFailed(s: CameraCaptureSession) {
                    if (gen == generation) fail("session configuration failed")
                }
            }, handler)
        } catch (e: CameraAccessException) {
            fail("cannot configure the camera: ${e.reason}")
        }
    }

    override fun setTorch(on: Boolean): Boolean {
        if (!hasTorch) return false
        torchOn = on
        val s = session ?: return true // applied when the session starts
        val b = request ?: return true
        b.set(CaptureRequest.FLASH_MODE, if (on) CaptureRequest.FLASH_MODE_TORCH else CaptureRequest.FLASH_MODE_OFF)
        return try {
            s.setRepeatingRequest(b.build(), null, handler)
            true
        } catch (e: CameraAccessException) {
            false
        } catch (e: IllegalStateException) {
            false
        }
    }

    override fun stop() {
        generation++
        val wasOpen = device != null || reader != null
        release()
        if (wasOpen) onState(CameraState.Closed)
    }

    private fun fail(reason: String) {
        release()
        onState(CameraState.Failed(reason))
    }

    private fun release() {
        try { session?.close() } catch (_: IllegalStateException) {}
        device?.close()
        reader?.close()
        session = null
        device = null
        reader = null
        request = null
    }

    /** The back camera (else the first one), its orientation, torch and frame size. */
    private fun backCamera(): String? {
        val ids = manager.cameraIdList
        val id = ids.firstOrNull {
            manager.getCameraCharacteristics(it).get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_BACK
        } ?: ids.firstOrNull() ?: return null
        val c = manager.getCameraCharacteristics(id)
        sensorOrientation = c.get(CameraCharacteristics.SENSOR_ORIENTATION) ?: 90
        hasTorch = c.get(CameraCharacteristics.FLASH_INFO_AVAILABLE) == true
        frameSize = c.get(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP)
            ?.getOutputSizes(ImageFormat.YUV_420_888)
            ?.let { chooseSize(it.toList()) }
        return id
    }

    /** How to turn the sensor's image upright on the current display. */
    fun rotation(): Rotation = uprightRotation(sensorOrientation, displayRotation())

    companion object {
        /** The frame size asked for when the camera lists none: 720p is plenty for a poster. */
        val SCAN_SIZE = Size(1280, 720)

        /** The smallest size of at least 1280×720 (landscape sensor sizes), else the largest. */
        fun chooseSize(sizes: List<Size>): Size? {
            val big = sizes.filter { it.width >= SCAN_SIZE.width && it.height >= SCAN_SIZE.height }
            return big.minByOrNull { it.width * it.height } ?: sizes.maxByOrNull { it.width * it.height }
        }

        /** The clockwise rotation making a back camera's frame upright. */
        fun uprightRotation(sensorOrientation: Int, displayRotation: Int): Rotation =
            when (((sensorOrientation - displayRotation) % 360 + 360) % 360) {
                90 -> Rotation.DEG90
                180 -> Rotation.DEG180
                270 -> Rotation.DEG270
                else -> Rotation.DEG0
            }
    }
}
