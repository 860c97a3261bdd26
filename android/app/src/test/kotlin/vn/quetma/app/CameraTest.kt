package vn.quetma.app

import android.Manifest
import android.app.Application
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraManager
import android.os.Handler
import android.os.Looper
import android.util.Size
import java.nio.ByteBuffer
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadow.api.Shadow
import org.robolectric.shadows.ShadowCameraCharacteristics
import vn.quetma.core.FrameScanner
import vn.quetma.core.Rotation
import vn.quetma.core.ScannedCode

/** camera2 plumbing against ShadowCameraManager, and frames through the seam into the real core. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class CameraTest {
    private val app: Application = RuntimeEnvironment.getApplication()
    private val main = Handler(Looper.getMainLooper())
    private val states = mutableListOf<CameraState>()

    @After
    fun tearDown() = Core.close()

    private fun addBackCamera(torch: Boolean = true) {
        val chars = ShadowCameraCharacteristics.newCameraCharacteristics()
        val sc = Shadow.extract<ShadowCameraCharacteristics>(chars)
        sc.set(CameraCharacteristics.LENS_FACING, CameraCharacteristics.LENS_FACING_BACK)
        sc.set(CameraCharacteristics.SENSOR_ORIENTATION, 90)
        sc.set(CameraCharacteristics.FLASH_INFO_AVAILABLE, torch)
        val front = ShadowCameraCharacteristics.newCameraCharacteristics()
        Shadow.extract<ShadowCameraCharacteristics>(front).set(CameraCharacteristics.LENS_FACING, CameraCharacteristics.LENS_FACING_FRONT)
        val cm = shadowOf(app.getSystemService(CameraManager::class.java))
        cm.addCamera("1", front)
        cm.addCamera("0", chars)
    }

    private fun idle() = shadowOf(Looper.getMainLooper()).idle()

    @Test
    fun `the back camera opens, its session starts, the torch toggles and it closes`() {
        addBackCamera()
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val source = Camera2FrameSource(app, main) { 0 }
        source.start({ _, _, _, _, _ -> }) { states.add(it) }
        idle()
        assertEquals(listOf(CameraState.Opening, CameraState.Running), states)
        assertTrue(source.hasTorch)
        assertTrue(source.setTorch(true))
        assertEquals(Rotation.DEG90, source.rotation()) // a 90° sensor on a portrait display
        source.stop()
        assertEquals(CameraState.Closed, states.last())
        source.stop() // twice is fine
        assertEquals(3, states.size)
    }

    @Test
    fun `opening and closing quickly many times leaves nothing open`() {
        addBackCamera(torch = false)
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val source = Camera2FrameSource(app, main)
        repeat(25) {
            source.start({ _, _, _, _, _ -> }) { states.add(it) }
            if (it % 2 == 0) idle() // half the time the session never got to start
            source.stop()
        }
        idle()
        assertEquals(CameraState.Closed, states.last())
        assertFalse(states.any { it is CameraState.Failed })
        assertFalse(source.setTorch(true))
    }

    @Test
    fun `without the permission or a camera the source says why`() {
        val source = Camera2FrameSource(app, main)
        source.start({ _, _, _, _, _ -> }) { states.add(it) }
        assertEquals(CameraState.Failed("camera permission not granted", permission = true), states.single())
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        states.clear()
        source.start({ _, _, _, _, _ -> }) { states.add(it) }
        assertEquals(CameraState.Failed("no camera"), states.single())
    }

    @Test
    fun `rotation and frame size choices`() {
        assertEquals(Rotation.DEG90, Camera2FrameSource.uprightRotation(90, 0))
        assertEquals(Rotation.DEG0, Camera2FrameSource.uprightRotation(90, 90))
        assertEquals(Rotation.DEG270, Camera2FrameSource.uprightRotation(90, 180))
        assertEquals(Rotation.DEG180, Camera2FrameSource.uprightRotation(270, 90))
        val sizes = listOf(Size(640, 480), Size(1920, 1080), Size(1280, 720), Size(4000, 3000))
        assertEquals(Size(1280, 720), Camera2FrameSource.chooseSize(sizes))
        assertEquals(Size(640, 480), Camera2FrameSource.chooseSize(listOf(Size(320, 240), Size(640, 480))))
    }

    @Test
    fun `frames from the seam reach the real core in place`() {
        val keys = Fixtures.publicKeysJson
        FrameScanner(keys, false).use { scanner ->
            val seen = mutableListOf<List<ScannedCode>>()
            val buffers = mutableListOf<ByteBuffer>()
            val sink = FrameSink { luma, w, h, stride, rot ->
                buffers.add(luma)
                seen.add(scanner.scan(luma, w.toUInt(), h.toUInt(), stride.toUInt(), rot).map { it.code })
            }
            val poster = Fixtures.png("venue-poster")
            ImageFrameSource(poster).start(sink) {}
            assertTrue(buffers.single().isDirect)
            val venue = seen.single().single() as ScannedCode.Venue
            assertEquals("HD-VQ-000123", venue.venue.venueId)

            // a camera-like frame with padded rows, handed over as the camera's plane would be
            val padded = Fixtures.raw("venue-poster", 640, 480, rowStride = 704)
            ImageFrameSource(padded).start(sink) {}
            assertTrue(seen.last().single() is ScannedCode.Venue)

            ImageFrameSource(Fixtures.flat(640, 480, 8)).start(sink) {}
            assertTrue("a dark frame holds nothing", seen.last().isEmpty())
        }
    }
}
