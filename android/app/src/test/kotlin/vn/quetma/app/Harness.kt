package vn.quetma.app

import android.Manifest
import android.app.Application
import android.content.pm.PackageManager
import android.graphics.Bitmap
import android.graphics.Canvas
import android.view.View
import android.view.ViewGroup
import android.widget.TextView
import java.io.File
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.robolectric.Robolectric
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.shadows.ShadowLooper
import vn.quetma.core.Rotation
import vn.quetma.flows.Screen
import vn.quetma.flows.UiEvent
import vn.quetma.flows.Update

/**
 * The tests' camera: whatever frame the test hands it goes to the app's sink on a background
 * thread, as camera2 delivers them.
 */
class TestCamera : FrameSource {
    @Volatile private var sink: FrameSink? = null
    override val hasTorch = true
    var torch = false
        private set
    var starts = 0
        private set

    override fun start(sink: FrameSink, onState: (CameraState) -> Unit) {
        starts++
        this.sink = sink
        onState(CameraState.Running)
    }

    override fun stop() { sink = null }

    override fun setTorch(on: Boolean): Boolean { torch = on; return true }

    /** Whether the app has the camera open. */
    val running get() = sink != null

    /** Delivers [frame] [times] times on a background thread and waits for it. */
    fun feed(frame: LumaFrame, times: Int = 1) {
        val s = sink ?: fail("the camera is not open").let { return }
        val t = Thread {
            repeat(times) { s.onFrame(frame.buffer.duplicate(), frame.width, frame.height, frame.rowStride, Rotation.DEG0) }
        }
        t.start()
        t.join(30_000)
    }
}

/** Drives [MainActivity] as a person would: taps on what is shown, frames into the camera. */
class Phone(val app: Application, private val serverUrl: String? = null) {
    val camera = TestCamera()
    lateinit var controller: ActivityController<MainActivity>
    val activity: MainActivity get() = controller.get()

    fun launch(): Phone {
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        shadowOf(app.packageManager).setSystemFeature(PackageManager.FEATURE_CAMERA_FLASH, true)
        MainActivity.frameSources = { camera }
        MainActivity.serverUrl = { serverUrl }
        controller = Robolectric.buildActivity(MainActivity::class.java).setup()
        idle()
        return this
    }

    fun close() {
        controller.pause().stop().destroy()
        MainActivity.frameSources = null
    }

    /** Runs what is queued on the main thread and the worker. */
    fun idle() {
        val start = System.nanoTime()
        idleOnce()
        val ms = (System.nanoTime() - start) / 1_000_000
        if (ms > 1000) println("idle took $ms ms on ${activity.shown?.route}")
    }

    private fun idleOnce() {
        repeat(3) {
            ShadowLooper.idleMainLooper()
            activity.awaitWorker()
            val t0 = System.nanoTime()
            activity.awaitTasks()
            val ms = (System.nanoTime() - t0) / 1_000_000
            if (ms > 500) println("waited $ms ms for the app's network tasks")
        }
        ShadowLooper.idleMainLooper()
    }

    val shown: Update get() = activity.shown ?: error("nothing shown")
    val screen: Screen get() = shown.screen

    /** Every view on screen. */
    fun views(root: View = activity.window.decorView): List<View> {
        val out = mutableListOf<View>()
        fun walk(v: View) {
            if (v.visibility != View.VISIBLE) return
            out += v
            if (v is ViewGroup) for (i in 0 until v.childCount) walk(v.getChildAt(i))
        }
        walk(root)
        return out
    }

    /** The texts on screen. */
    fun texts(): List<String> = views().filterIsInstance<TextView>().map { it.text.toString() }

    /** Taps the control labelled [label] (its text or its screen-reader description). */
    fun tap(label: String): Phone {
        val v = views().firstOrNull { it.isClickable && ((it as? TextView)?.text?.toString() == label || it.contentDescription?.toString() == label) }
            ?: fail("no control \"$label\" on ${shown.route}: ${texts()}").let { return this }
        assertTrue("\"$label\" is enabled", v.isEnabled)
        v.performClick()
        idle()
        return this
    }

    /** Types [value] into the field [key]. */
    fun type(key: String, value: String): Phone {
        val v = views().firstOrNull { it.tag == key } as? TextView ?: fail("no field $key").let { return this }
        v.requestFocus()
        v.text = value
        idle()
        return this
    }

    /** A frame into the camera, then what the app did with it. */
    fun feed(frame: LumaFrame, times: Int = 1): Phone {
        camera.feed(frame, times)
        idle()
        return this
    }

    /** Sends [event] as the system would (the back gesture, a permission answer). */
    fun system(event: UiEvent): Phone {
        activity.send(event)
        idle()
        return this
    }

    /** Every clickable view has something a screen reader can say. */
    fun assertLabelled() {
        for (v in views()) {
            if (!v.isClickable) continue
            val said = v.contentDescription?.toString().orEmpty().ifEmpty { (v as? TextView)?.text?.toString().orEmpty() }
            assertTrue("a ${v.javaClass.simpleName} on ${shown.route} has no label", said.isNotBlank())
        }
    }

    /** Draws the window at the phone's size into android/target/screens/[name].png. */
    fun snap(name: String): Bitmap {
        val root = activity.window.decorView
        val m = activity.resources.displayMetrics
        val w = m.widthPixels
        val h = m.heightPixels
        root.measure(View.MeasureSpec.makeMeasureSpec(w, View.MeasureSpec.EXACTLY), View.MeasureSpec.makeMeasureSpec(h, View.MeasureSpec.EXACTLY))
        root.layout(0, 0, w, h)
        ShadowLooper.idleMainLooper()
        val bmp = Bitmap.createBitmap(w, h, Bitmap.Config.ARGB_8888)
        root.draw(Canvas(bmp))
        System.getProperty("quetma.screenshots")?.let { dir ->
            File(dir).mkdirs()
            File(dir, "$name.png").outputStream().use { bmp.compress(Bitmap.CompressFormat.PNG, 100, it) }
        }
        return bmp
    }

    companion object {
        fun app(): Application = RuntimeEnvironment.getApplication()
    }
}
