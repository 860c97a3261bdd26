package vn.quetma.app

import android.Manifest
import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.SurfaceTexture
import android.net.Uri
import android.os.Bundle
import android.os.Handler
import android.os.HandlerThread
import android.os.Looper
import android.provider.Settings
import android.util.DisplayMetrics
import android.view.Gravity
import android.view.Surface
import android.view.TextureView
import android.view.View
import android.view.ViewGroup
import android.widget.EditText
import android.widget.FrameLayout
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import java.io.File
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.runBlocking
import vn.quetma.app.screens.Screens
import vn.quetma.app.screens.Ui
import vn.quetma.core.AppFlows
import vn.quetma.core.QuetMaException
import vn.quetma.flows.AppOptions
import vn.quetma.flows.DisplayInfo
import vn.quetma.flows.Effect
import vn.quetma.flows.Language as FlowLanguage
import vn.quetma.flows.SoundCue
import vn.quetma.flows.UiEvent
import vn.quetma.flows.Update

/**
 * The app's one Activity: it holds the core's screen flows, draws each [Update]'s screen with
 * the renderers of `screens/`, sends the user's taps and edits back as [UiEvent]s, feeds camera
 * frames to the flows on a background thread, performs the effects, and runs the network tasks
 * the core asks for off the main thread. It decides nothing: which screen, which text, which
 * sound, and what a tap means all come from the core.
 */
class MainActivity : Activity() {
    /** A line for what the core could not do at all (the Keystore did not answer). */
    lateinit var status: TextView
        private set

    /** The last App Link received (handed to the flows as `OpenUrl`). */
    var pendingLink: String? = null
        private set

    lateinit var effects: EffectRunner
        private set

    /** The screen flows (null when the core could not open). */
    var flows: AppFlows? = null
        private set

    /** The update on screen. */
    var shown: Update? = null
        private set

    /** The screen's title (TalkBack's focus goes there on a new screen). */
    lateinit var title: TextView
        private set

    private lateinit var backButton: android.widget.Button
    private lateinit var content: FrameLayout
    private var scroll: ScrollView? = null
    private val main = Handler(Looper.getMainLooper())

    /** Frames and network tasks: never on the main thread. */
    private val worker: ExecutorService = Executors.newSingleThreadExecutor { Thread(it, "quetma-frames").apply { isDaemon = true } }

    /** Network tasks (sync, enrolment): their own threads, so a slow server never holds up a frame. */
    private val tasks: ExecutorService = Executors.newCachedThreadPool { Thread(it, "quetma-task").apply { isDaemon = true } }
    private val tasksRunning = java.util.concurrent.atomic.AtomicInteger(0)
    private var cameraThread: HandlerThread? = null
    private var source: FrameSource? = null
    private var viewfinder: TextureView? = null
    private val cameraOn = AtomicBoolean(false)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        effects = EffectRunner(this)
        val ui = ui()
        status = TextView(this).apply {
            textSize = 16f
            setTextColor(ui.color("q_danger"))
            visibility = View.GONE
            setPadding(ui.dp(16), ui.dp(8), ui.dp(16), ui.dp(8))
        }
        backButton = android.widget.Button(this, null, 0, android.R.style.Widget_Material_Button_Borderless).apply {
            isAllCaps = false
            textSize = 16f
            setTextColor(ui.color("q_primary"))
            minHeight = ui.dp(48)
            minWidth = 0
            minimumWidth = 0
            gravity = Gravity.START or Gravity.CENTER_VERTICAL
            setPadding(ui.dp(16), 0, ui.dp(16), 0)
            visibility = View.GONE
            setOnClickListener { send(UiEvent.Back) }
        }
        title = ui.heading("", 22f).apply {
            isFocusable = true
            setPadding(ui.dp(16), ui.dp(4), ui.dp(16), ui.dp(8))
        }
        content = FrameLayout(this)
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            setBackgroundColor(ui.color("q_background"))
            addView(LinearLayout(context).apply {
                orientation = LinearLayout.VERTICAL
                setPadding(ui.dp(4), ui.dp(8), ui.dp(4), 0)
                addView(backButton, LinearLayout.LayoutParams(ViewGroup.LayoutParams.WRAP_CONTENT, ViewGroup.LayoutParams.WRAP_CONTENT).apply { gravity = Gravity.START })
                addView(title)
            })
            addView(status)
            addView(content, LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, 0, 1f))
        })
        handle(intent)
        openCore()
    }

    private fun ui() = Ui(this, ::send, ::edit).also { it.screenTitle = shown?.title }

    /** The display's physical density (for the personal QR's true size) and what the phone can do. */
    private fun displayInfo(): DisplayInfo {
        val m = DisplayMetrics()
        @Suppress("DEPRECATION")
        windowManager.defaultDisplay.getRealMetrics(m)
        val reduceMotion = Settings.Global.getFloat(contentResolver, Settings.Global.ANIMATOR_DURATION_SCALE, 1f) == 0f
        val torch = packageManager.hasSystemFeature(PackageManager.FEATURE_CAMERA_FLASH)
        return DisplayInfo(m.xdpi.toDouble(), m.ydpi.toDouble(), torch, reduceMotion)
    }

    private fun openCore() {
        try {
            val core = Core.get(this)
            SyncScheduler.schedulePeriodic(this)
            val opts = AppOptions(serverUrl = serverUrl?.invoke(this), language = FlowLanguage.VI, display = displayInfo())
            val f = core.flows(opts)
            flows = f
            apply(f.start())
            pendingLink?.let { send(UiEvent.OpenUrl(it)) }
        } catch (e: QuetMaException) {
            // The Keystore did not answer (nothing was touched): say so, never crash.
            showError(e)
        }
    }

    private fun showError(e: QuetMaException) {
        status.text = e.message ?: e.javaClass.simpleName
        status.visibility = View.VISIBLE
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        handle(intent)
        pendingLink?.let { if (flows != null) send(UiEvent.OpenUrl(it)) }
    }

    private fun handle(intent: Intent?) {
        if (intent?.action == Intent.ACTION_VIEW) pendingLink = intent.dataString
    }

    /** Sends [event] to the flows and shows what comes back. */
    fun send(event: UiEvent) {
        val f = flows ?: return
        try {
            apply(f.dispatch(event))
        } catch (e: QuetMaException) {
            showError(e)
        }
    }

    /**
     * A text field changed: the core keeps the value and may change the screen (a button
     * enabled, an error gone); the field being typed in stays the same view, so the keyboard's
     * composing text (Vietnamese Telex/VNI input) and the cursor survive the redraw.
     */
    private fun edit(event: UiEvent) {
        val f = flows ?: return
        val typing = currentFocus as? EditText
        try {
            apply(f.dispatch(event), typing)
        } catch (e: QuetMaException) {
            showError(e)
        }
    }

    /** Draws [u] and performs its effects; [typing] is the field kept across the redraw. */
    fun apply(u: Update, typing: EditText? = null) {
        val before = shown
        shown = u
        Language.set(this, if (u.language == FlowLanguage.EN) Language.EN else Language.VI)
        val sameScreen = before != null && before.route == u.route
        val keepScroll = if (sameScreen) scroll?.scrollY ?: 0 else 0
        title.text = u.title
        setTitle(u.title)
        backButton.visibility = if (u.back != null) View.VISIBLE else View.GONE
        u.back?.let {
            backButton.text = it.label
            backButton.contentDescription = it.accessibility
        }
        content.removeAllViews()
        val screen = Screens.render(ui(), u.screen, viewfinder())
        if (Screens.fullBleed(u.screen)) {
            scroll = null
            content.addView(screen, FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT))
        } else {
            val pad = ui().dp(16)
            scroll = ScrollView(this).apply {
                isFillViewport = true
                addView(FrameLayout(context).apply {
                    setPadding(pad, pad / 2, pad, pad * 2)
                    addView(screen, FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT))
                })
                post { scrollTo(0, keepScroll) }
            }
            content.addView(scroll, FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT))
        }
        if (typing != null && sameScreen) keepField(screen, typing)
        if (!sameScreen) EffectRunner.focus(title)
        perform(u.effects)
    }

    /** Puts [typing] back in place of the new field with its key (the core's error carried over). */
    private fun keepField(tree: View, typing: EditText) {
        val key = typing.tag ?: return
        val fresh = findTagged(tree, key) as? EditText ?: return
        val parent = fresh.parent as? ViewGroup ?: return
        val at = parent.indexOfChild(fresh)
        val lp = fresh.layoutParams
        (typing.parent as? ViewGroup)?.removeView(typing)
        parent.removeViewAt(at)
        typing.id = fresh.id
        typing.error = fresh.error
        parent.addView(typing, at, lp)
        typing.requestFocus()
    }

    private fun findTagged(v: View, tag: Any): View? {
        if (v.tag == tag) return v
        if (v is ViewGroup) for (i in 0 until v.childCount) findTagged(v.getChildAt(i), tag)?.let { return it }
        return null
    }

    /** The camera preview the scanner screens show (a real camera only). */
    private fun viewfinder(): TextureView? {
        if (frameSources != null) return null
        return viewfinder ?: TextureView(this).apply {
            importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO
            surfaceTextureListener = object : TextureView.SurfaceTextureListener {
                override fun onSurfaceTextureAvailable(st: SurfaceTexture, w: Int, h: Int) {
                    (source as? Camera2FrameSource)?.setPreview(Surface(st))
                }
                override fun onSurfaceTextureSizeChanged(st: SurfaceTexture, w: Int, h: Int) {}
                override fun onSurfaceTextureDestroyed(st: SurfaceTexture): Boolean {
                    (source as? Camera2FrameSource)?.setPreview(null)
                    return true
                }
                override fun onSurfaceTextureUpdated(st: SurfaceTexture) {}
            }
        }.also { viewfinder = it }
    }

    /** Performs the core's effects, in order. */
    fun perform(list: List<Effect>) {
        for (e in list) when (e) {
            is Effect.Vibrate -> effects.vibrate(e.pattern.timingsMs.map { it.toLong() }.toLongArray())
            is Effect.PlaySound -> effects.play(
                when (e.cue) {
                    SoundCue.SUCCESS -> Cue.SUCCESS
                    SoundCue.ALREADY_COUNTED -> Cue.ALREADY_COUNTED
                    SoundCue.REJECTED -> Cue.REJECTED
                    SoundCue.FOREIGN -> Cue.HINT
                },
            )
            is Effect.Announce -> effects.announce(e.text)
            Effect.RequestCameraPermission ->
                if (checkSelfPermission(Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
                    main.post { send(UiEvent.CameraPermission(true)) }
                } else {
                    requestPermissions(arrayOf(Manifest.permission.CAMERA), REQUEST_CAMERA)
                }
            Effect.OpenCamera -> startCamera()
            Effect.CloseCamera -> stopCamera()
            is Effect.SetTorch -> source?.setTorch(e.on)
            is Effect.KeepScreenOn -> effects.keepScreenOn(e.on)
            is Effect.SetBrightness -> effects.brightness(e.level == vn.quetma.flows.Brightness.MAX)
            is Effect.ShareFile -> {
                val file = File(EffectRunner.exportDir(this), File(e.fileName).name)
                file.writeBytes(e.bytes)
                effects.share(file, e.mime, e.title)
            }
            is Effect.ScheduleReminder -> ReminderScheduler(this).schedule(Reminder(e.id, e.atMs, e.title, e.body, e.actionLabel))
            is Effect.CancelReminder -> ReminderScheduler(this).cancel(e.id)
            is Effect.Notify -> Notices.alert(this, e.id, e.title, e.body)
            is Effect.RunTask -> {
                val f = flows ?: continue
                tasksRunning.incrementAndGet()
                tasks.execute {
                    try {
                        val u = try { runBlocking { f.runTask(e.task) } } catch (x: QuetMaException) { main.post { showError(x) }; null }
                        if (u != null) main.post { apply(u) }
                    } finally {
                        tasksRunning.decrementAndGet()
                    }
                }
            }
            Effect.OpenSystemSettings -> startActivity(
                Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", packageName, null)),
            )
            Effect.PickImage -> startActivityForResult(
                Intent(Intent.ACTION_GET_CONTENT).setType("image/*").addCategory(Intent.CATEGORY_OPENABLE),
                REQUEST_IMAGE,
            )
            Effect.CloseApp -> finish()
        }
    }

    private fun startCamera() {
        val f = flows ?: return
        if (!cameraOn.compareAndSet(false, true)) return
        val s = frameSources?.invoke(this) ?: run {
            val t = HandlerThread("quetma-camera").apply { start() }
            cameraThread = t
            Camera2FrameSource(this, Handler(t.looper), { display?.rotation?.let { it * 90 } ?: 0 })
        }
        source = s
        val sink = FrameSink { luma, w, h, stride, rotation ->
            // on the camera's thread; the buffer is lent for this call only
            if (!cameraOn.get()) return@FrameSink
            val u = try { f.frame(luma, w.toUInt(), h.toUInt(), stride.toUInt(), rotation) } catch (e: QuetMaException) { null }
            if (u != null) main.post { apply(u) }
        }
        val onState: (CameraState) -> Unit = { st ->
            if (st is CameraState.Failed && st.permission) main.post { send(UiEvent.CameraPermission(false)) }
        }
        if (s is Camera2FrameSource) {
            viewfinder?.surfaceTexture?.let { s.setPreview(Surface(it)) }
            s.start(sink, onState)
        } else {
            worker.execute { s.start(sink, onState) }
        }
    }

    private fun stopCamera() {
        cameraOn.set(false)
        source?.stop()
        source = null
        cameraThread?.quitSafely()
        cameraThread = null
    }

    @Deprecated("framework API (no androidx)")
    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        if (requestCode == REQUEST_CAMERA) {
            send(UiEvent.CameraPermission(grantResults.firstOrNull() == PackageManager.PERMISSION_GRANTED))
        }
    }

    @Deprecated("framework API (no androidx)")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        if (requestCode != REQUEST_IMAGE || resultCode != RESULT_OK) return
        val uri = data?.data ?: return
        val bytes = try {
            contentResolver.openInputStream(uri)?.use { it.readBytes() }
        } catch (e: java.io.IOException) {
            null
        } catch (e: SecurityException) {
            null
        } ?: return
        send(UiEvent.ImagePicked(bytes))
    }

    @Deprecated("framework API (no androidx)")
    override fun onBackPressed() {
        if (flows == null) return super.onBackPressed()
        send(UiEvent.Back)
    }

    override fun onResume() {
        super.onResume()
        if (shown != null) send(UiEvent.Foreground)
    }

    override fun onPause() {
        super.onPause()
        stopCamera()
    }

    override fun onDestroy() {
        stopCamera()
        worker.shutdown()
        tasks.shutdown()
        effects.release()
        flows?.close()
        flows = null
        super.onDestroy()
    }

    /** Waits until the frames and tasks handed to the worker so far are done (tests). */
    fun awaitWorker(seconds: Long = 20) {
        val done = java.util.concurrent.CountDownLatch(1)
        worker.execute { done.countDown() }
        done.await(seconds, TimeUnit.SECONDS)
    }

    /** Waits until no network task runs (tests); false when [ms] passed first. */
    fun awaitTasks(ms: Long = 20_000): Boolean {
        val end = System.currentTimeMillis() + ms
        while (tasksRunning.get() > 0) {
            if (System.currentTimeMillis() > end) return false
            Thread.sleep(10)
        }
        return true
    }

    companion object {
        private const val REQUEST_CAMERA = 1
        private const val REQUEST_IMAGE = 2

        /** Replaces the camera (tests feed frames through their own [FrameSource]). */
        @Volatile var frameSources: ((MainActivity) -> FrameSource)? = null

        /** The deployment's server for the flows (tests: none, or a loopback one). */
        @Volatile var serverUrl: ((MainActivity) -> String?)? = { SyncConfig.serverUrl(it).ifEmpty { null } }
    }
}
