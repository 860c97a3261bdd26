package vn.quetma.app

import android.app.Activity
import android.content.Intent
import android.net.Uri
import android.os.Vibrator
import android.provider.Settings
import android.widget.CheckBox
import android.view.accessibility.AccessibilityEvent
import android.view.accessibility.AccessibilityManager
import com.sun.net.httpserver.HttpServer
import java.io.ByteArrayInputStream
import java.io.File
import java.net.InetSocketAddress
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowToneGenerator
import vn.quetma.app.screens.BusinessScanScreen
import vn.quetma.app.screens.ScanScreen
import vn.quetma.core.ProfileInput
import vn.quetma.core.Relation
import vn.quetma.flows.HintKind
import vn.quetma.flows.OutcomeKind
import vn.quetma.flows.Route
import vn.quetma.flows.Screen
import vn.quetma.flows.UiEvent

/**
 * Whole journeys through the app as a person makes them: the real [MainActivity] over the real
 * core, frames through the camera seam, taps on the controls the screens show; asserting on
 * the views, the vibrator, the tones and what TalkBack is told.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class JourneysTest {
    private val ctx = Phone.app()
    private lateinit var phone: Phone
    private val vibrator get() = shadowOf(ctx.getSystemService(Vibrator::class.java))

    @Before
    fun setUp() {
        // TalkBack on, so the app's announcements are sent and can be read back
        shadowOf(ctx.getSystemService(AccessibilityManager::class.java)).setEnabled(true)
    }

    @After
    fun tearDown() {
        if (::phone.isInitialized) phone.close()
        Core.close()
    }

    private fun announced(): List<String> =
        shadowOf(ctx.getSystemService(AccessibilityManager::class.java)).sentAccessibilityEvents
            .filter { it.eventType == AccessibilityEvent.TYPE_ANNOUNCEMENT }
            .map { it.text.joinToString("") }

    private fun tones(): List<Int> = ShadowToneGenerator.getPlayedTones().map { it.type() }

    private fun child() = ProfileInput(relation = Relation.CHILD, fullName = "Nguyễn Thị Bông", birthYear = 2016u)

    @Test
    fun `poster frame, confirm with a child, thank you, cancel, a dark frame asks for the torch`() {
        useTestCore(ctx, "j-citizen")
        Core.get(ctx).addProfile(owner())
        Core.get(ctx).addProfile(child())
        phone = Phone(ctx).launch()
        assertEquals(Route.HOME, phone.shown.route)
        phone.assertLabelled()
        val home = (phone.screen as Screen.Home).v1
        phone.tap(home.scan.label)
        assertEquals(Route.SCAN, phone.shown.route)
        assertTrue("the camera is open", phone.camera.running)
        phone.assertLabelled()

        // A dark room, at 10 frames a second: the core asks for the torch.
        val dark = Fixtures.flat(640, 480, 10)
        repeat(10) { phone.feed(dark); Thread.sleep(100) }
        val scan = (phone.screen as Screen.Scan).v1
        assertEquals(HintKind.TOO_DARK, scan.hintKind)
        assertEquals(scan.hint, (phone.views().first { it.tag == ScanScreen.HINT_TAG } as android.widget.TextView).text.toString())
        assertTrue(scan.hint in announced())
        phone.tap(scan.torch!!.label)
        assertTrue("the torch is on", phone.camera.torch)

        // The poster in view: the confirm screen, a beep and a buzz.
        val before = vibrator.milliseconds
        val tonesBefore = tones().size
        phone.feed(Fixtures.raw("venue-poster", 1280, 720))
        assertEquals(listOf(Cue.SUCCESS.tone), tones().drop(tonesBefore))
        assertEquals(Route.CONFIRM, phone.shown.route)
        assertFalse("the camera closed", phone.camera.running)
        assertTrue(vibrator.isVibrating || vibrator.milliseconds != before)
        val confirm = (phone.screen as Screen.Confirm).v1
        assertTrue("Nhà thuốc Minh Châu" in phone.texts())
        phone.assertLabelled()
        phone.tap(confirm.people[1].label)
        val ticked = (phone.screen as Screen.Confirm).v1
        assertEquals(listOf(true, true), ticked.people.map { it.checked })
        phone.tap(ticked.confirm.label)

        assertEquals(Route.CHECKED_IN, phone.shown.route)
        val thanks = (phone.screen as Screen.CheckedIn).v1
        assertTrue(thanks.who in phone.texts())
        assertEquals(2, Core.get(ctx).openVisits().size)
        assertEquals("two reminders armed", 2, ReminderScheduler(ctx).all().size)
        phone.assertLabelled()
        phone.tap(thanks.cancel.label)
        assertEquals(Route.HOME, phone.shown.route)
        assertEquals(0, Core.get(ctx).openVisits().size)
        assertEquals(0, ReminderScheduler(ctx).all().size)
        val banner = (phone.screen as Screen.Home).v1.banners.first().text
        assertTrue(banner in phone.texts())
    }

    @Test
    fun `check in from a picked screenshot, then check out from home, history by day`() {
        useTestCore(ctx, "j-checkout")
        Core.get(ctx).addProfile(owner())
        phone = Phone(ctx).launch()
        phone.tap((phone.screen as Screen.Home).v1.scan.label)
        val scan = (phone.screen as Screen.Scan).v1
        phone.tap(scan.openImage.label)
        val pick = shadowOf(phone.activity).nextStartedActivityForResult
        assertEquals(Intent.ACTION_GET_CONTENT, pick.intent.action)
        val uri = Uri.parse("content://test.images/poster.png")
        shadowOf(ctx.contentResolver).registerInputStream(uri, ByteArrayInputStream(File(Fixtures.dir, "venue-poster.png").readBytes()))
        shadowOf(phone.activity).receiveResult(pick.intent, Activity.RESULT_OK, Intent().setData(uri))
        phone.idle()
        assertEquals(Route.CONFIRM, phone.shown.route)
        phone.tap((phone.screen as Screen.Confirm).v1.confirm.label)
        phone.tap((phone.screen as Screen.CheckedIn).v1.done.label)
        val home = (phone.screen as Screen.Home).v1
        assertEquals(1, home.current.size)
        assertTrue(home.current[0].venue in phone.texts())
        phone.tap(home.current[0].checkOut.label)
        assertTrue((phone.screen as Screen.Home).v1.current.isEmpty())
        assertEquals(0, Core.get(ctx).openVisits().size)

        phone.tap((phone.screen as Screen.Home).v1.menu.first { it.event == UiEvent.Navigate(Route.HISTORY) }.label)
        val history = (phone.screen as Screen.History).v1
        assertEquals(1, history.days.size)
        assertTrue(history.days[0].title in phone.texts())
        assertTrue(phone.views().any { it.contentDescription == history.days[0].visits[0].accessibility })
        phone.assertLabelled()

        // edit the times: an in-time after the out-time is refused by the core, beside the editor
        val visit = history.days[0].visits[0]
        phone.tap(visit.actions.first { it.event is UiEvent.EditVisit }.label)
        val editor = (phone.screen as Screen.History).v1.editing ?: error("no editor")
        assertTrue(editor.saveLabel in phone.texts())
        phone.views().first { it is android.widget.Button && (it.text?.startsWith(editor.startLabel) == true) }.performClick()
        val picker = org.robolectric.shadows.ShadowDialog.getLatestDialog() as android.app.TimePickerDialog
        picker.updateTime(23, 59)
        picker.getButton(android.content.DialogInterface.BUTTON_POSITIVE).performClick()
        phone.idle()
        phone.tap(editor.saveLabel)
        val refused = (phone.screen as Screen.History).v1.editing ?: error("editor closed on a bad time")
        assertTrue(refused.error != null && refused.error in phone.texts())
        assertEquals(visit.visitId, refused.visitId)
        // cancel keeps the stored times
        phone.tap(refused.cancel.label)
        assertEquals(null, (phone.screen as Screen.History).v1.editing)
        assertEquals(visit.times, (phone.screen as Screen.History).v1.days[0].visits[0].times)
    }

    @Test
    fun `settings - export through the share sheet, English at run time`() {
        useTestCore(ctx, "j-settings")
        Core.get(ctx).addProfile(owner())
        phone = Phone(ctx).launch()
        phone.tap((phone.screen as Screen.Home).v1.menu.first { it.event == UiEvent.Navigate(Route.SETTINGS) }.label)
        val settings = (phone.screen as Screen.Settings).v1
        phone.assertLabelled()
        phone.tap(settings.export.first().label)
        val chooser = shadowOf(phone.activity).nextStartedActivity
        assertEquals(Intent.ACTION_CHOOSER, chooser.action)
        @Suppress("DEPRECATION")
        val send = chooser.getParcelableExtra<Intent>(Intent.EXTRA_INTENT)!!
        @Suppress("DEPRECATION")
        val uri = send.getParcelableExtra<Uri>(Intent.EXTRA_STREAM)!!
        assertTrue(ctx.contentResolver.openInputStream(uri)!!.use { it.readBytes() }.isNotEmpty())
        phone.tap(settings.languages.first { !it.selected }.label)
        assertEquals(vn.quetma.flows.Language.EN, phone.shown.language)
        assertTrue(phone.shown.title in phone.texts())
    }

    @Test
    fun `camera refused - the panel and the system settings`() {
        useTestCore(ctx, "j-denied")
        phone = Phone(ctx).launch()
        shadowOf(ctx).denyPermissions(android.Manifest.permission.CAMERA)
        phone.tap((phone.screen as Screen.Home).v1.scan.label)
        // the system asked; the person said no
        phone.system(UiEvent.CameraPermission(false))
        val p = (phone.screen as Screen.Scan).v1.permission
        assertNotNull(p)
        assertTrue(p!!.text in phone.texts())
        phone.tap(p.openSettings.label)
        assertEquals(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, shadowOf(phone.activity).nextStartedActivity.action)
    }

    @Test
    fun `a declaration - consent, field errors beside the fields, then saved`() {
        useTestCore(ctx, "j-declare")
        Core.get(ctx).addProfile(owner())
        phone = Phone(ctx).launch()
        phone.tap((phone.screen as Screen.Home).v1.menu.first { it.event == UiEvent.Navigate(Route.DECLARATION) }.label)
        val d = (phone.screen as Screen.Declaration).v1
        assertTrue(d.consent!!.text in phone.texts())
        phone.tap(d.consent!!.agree.label)
        val form = (phone.screen as Screen.Declaration).v1.form!!
        phone.assertLabelled()
        // the sex (a choice) and a submit with the address missing
        val sex = form.fields.first { it.key == "sex" }
        phone.tap(sex.choices.first().label)
        phone.tap(form.submit.label)
        val failed = (phone.screen as Screen.Declaration).v1.form!!
        val bad = failed.fields.filter { it.error != null }.map { it.key }
        assertEquals(listOf("province", "commune", "street"), bad)
        assertTrue(failed.error!! in phone.texts())
        phone.type("province", "Hà Nội").type("commune", "Phường Hà Đông").type("street", "Số 1 Phố Mẫu")
        phone.tap(failed.submit.label)
        assertEquals(Route.HOME, phone.shown.route)
        assertEquals(1, Core.get(ctx).declarations(Core.get(ctx).profiles()[0].id).size)
        assertTrue(announced().any { it.contains("Nguyễn Văn An") })
    }

    /** A loopback server that enrols any code for the fixture venue. */
    private fun enrolServer(): HttpServer = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/api/v1/enrol") { ex ->
            val body = """{"venue_id":"HD-VQ-000123","venue_name":"Nhà thuốc Minh Châu","checkpoint":"Cổng chính","scanner_token":"${"T".repeat(43)}"}""".toByteArray()
            ex.responseHeaders.add("Content-Type", "application/json")
            ex.sendResponseHeaders(200, body.size.toLong())
            ex.responseBody.use { it.write(body) }
        }
        createContext("/") { ex -> ex.sendResponseHeaders(404, -1); ex.close() }
        start()
    }

    /** A loopback server that takes a case share and answers how many visits it recorded. */
    private fun shareServer(bodies: MutableList<String>): HttpServer = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/api/v1/case-share") { ex ->
            val req = ex.requestBody.readBytes().toString(Charsets.UTF_8)
            synchronized(bodies) { bodies += req }
            val n = Regex("\"venue_id\"").findAll(req).count()
            val body = """{"case_id":"C-000042","visits":$n}""".toByteArray()
            ex.responseHeaders.add("Content-Type", "application/json")
            ex.sendResponseHeaders(200, body.size.toLong())
            ex.responseBody.use { it.write(body) }
        }
        createContext("/") { ex -> ex.sendResponseHeaders(404, -1); ex.close() }
        start()
    }

    @Test
    fun `share my history - a case code link, the visits by day, untick one, send, done`() {
        val bodies = mutableListOf<String>()
        val server = shareServer(bodies)
        try {
            useTestCore(ctx, "j-share")
            Core.get(ctx).addProfile(owner())
            val base = "http://127.0.0.1:${server.address.port}"
            phone = Phone(ctx, base).launch()
            // two visits to the poster's venue, each checked in and out
            repeat(2) {
                phone.tap((phone.screen as Screen.Home).v1.scan.label)
                phone.feed(Fixtures.raw("venue-poster", 1280, 720))
                assertEquals(Route.CONFIRM, phone.shown.route)
                phone.tap((phone.screen as Screen.Confirm).v1.confirm.label)
                phone.tap((phone.screen as Screen.CheckedIn).v1.done.label)
                phone.tap((phone.screen as Screen.Home).v1.current[0].checkOut.label)
            }

            // a code of another deployment (the App Link host while this phone uses the loopback
            // server): the code screen says so
            phone.controller.newIntent(Intent(Intent.ACTION_VIEW, Uri.parse("https://qr.quetma.vn/K/14ABCDEFGHJKMN")))
            phone.idle()
            assertEquals(Route.SHARE_CODE, phone.shown.route)
            val code = (phone.screen as Screen.ShareCode).v1
            assertTrue(code.error != null && code.error in phone.texts())
            phone.assertLabelled()

            // the health worker's link for this deployment: the preview, every visit ticked
            phone.controller.newIntent(Intent(Intent.ACTION_VIEW, Uri.parse("$base/K/14ABCDEFGHJKMN")))
            phone.idle()
            assertEquals(Route.SHARE_PREVIEW, phone.shown.route)
            var p = (phone.screen as Screen.SharePreview).v1
            val visits = p.days.flatMap { it.visits }
            assertEquals(2, visits.size)
            assertTrue(visits.all { it.selected })
            assertTrue(p.days[0].title in phone.texts())
            assertTrue(p.consent in phone.texts())
            assertTrue(p.summary in phone.texts())
            assertTrue(visits.all { v -> phone.views().any { it.contentDescription == v.accessibility && it is CheckBox && it.isChecked } })
            phone.assertLabelled()

            // untick the older one by its check box (both visits were made within the same
            // minute, so their sentences can be the same: the box is found by its visit id)
            val dropped = visits[1]
            val box = phone.views().first { it.tag == dropped.visitId } as CheckBox
            assertEquals(dropped.accessibility, box.contentDescription)
            assertTrue(box.isClickable && box.isEnabled)
            box.performClick()
            phone.idle()
            p = (phone.screen as Screen.SharePreview).v1
            assertFalse(p.days.flatMap { it.visits }.first { it.visitId == dropped.visitId }.selected)
            assertFalse((phone.views().first { it.tag == dropped.visitId } as CheckBox).isChecked)
            assertTrue(p.summary in phone.texts())
            assertTrue(p.send.enabled)

            // send against the loopback server: the chosen visit only, then the done screen
            phone.tap(p.send.label)
            assertEquals(Route.SHARE_DONE, phone.shown.route)
            val done = (phone.screen as Screen.ShareDone).v1
            assertTrue(done.headline in phone.texts())
            assertTrue(done.text in phone.texts())
            assertTrue(done.headline.contains("1"))
            assertEquals(1, bodies.size)
            assertEquals(1, Regex("\"venue_id\"").findAll(bodies[0]).count())
            assertTrue(bodies[0].contains("14ABCDEFGHJKMN"))
            phone.assertLabelled()
            phone.tap(done.done.label)
            assertEquals(Route.HOME, phone.shown.route)
        } finally {
            server.stop(0)
        }
    }

    @Test
    fun `business mode - enrol, checkpoint, a CCCD counted once with sound and buzz, manual entry, counts`() {
        val server = enrolServer()
        try {
            useTestCore(ctx, "j-business")
            phone = Phone(ctx, "http://127.0.0.1:${server.address.port}").launch()
            phone.system(UiEvent.Navigate(Route.BUSINESS_ENROL))
            val enrol = (phone.screen as Screen.Enrol).v1
            phone.assertLabelled()
            phone.type(enrol.code.key, "abcdefghijklmnopqrst")
            phone.tap((phone.screen as Screen.Enrol).v1.enrol.label)
            // the enrolment ran on the worker against the loopback server
            assertEquals(Route.BUSINESS_CHECKPOINT, phone.shown.route)
            val cp = (phone.screen as Screen.Checkpoint).v1
            assertTrue(cp.venueName in phone.texts())
            phone.assertLabelled()
            phone.tap(cp.form.submit.label)
            assertEquals(Route.BUSINESS_SCAN, phone.shown.route)
            assertTrue(phone.camera.running)

            val cccd = Fixtures.png("cccd")
            val t0 = tones().size
            phone.feed(cccd)
            assertEquals(listOf(Cue.SUCCESS.tone), tones().drop(t0))
            var b = (phone.screen as Screen.BusinessScan).v1
            assertEquals(OutcomeKind.ACCEPTED, b.last!!.kind)
            assertEquals(1uL, b.counts.entries)
            assertTrue(vibrator.isVibrating)
            assertTrue(b.counts.text in phone.texts())
            assertTrue(phone.views().any { it.tag == BusinessScanScreen.OUTCOME_TAG })
            // a CCCD has no phone number: the core asks for one, under the outcome, camera running
            val prompt = b.phonePrompt ?: error("no phone prompt after a card without a phone")
            assertTrue(prompt.text in phone.texts())
            assertTrue(phone.views().any { it.tag == BusinessScanScreen.PHONE_TAG })
            assertTrue(phone.camera.running)
            phone.assertLabelled()
            phone.type(prompt.field.key, "12")
            phone.tap((phone.screen as Screen.BusinessScan).v1.phonePrompt!!.save.label)
            val refused = (phone.screen as Screen.BusinessScan).v1.phonePrompt ?: error("a bad number closed the prompt")
            assertTrue(refused.field.error != null && refused.field.error in phone.texts())
            phone.type(prompt.field.key, "0912 345 678")
            phone.tap((phone.screen as Screen.BusinessScan).v1.phonePrompt!!.save.label)
            b = (phone.screen as Screen.BusinessScan).v1
            assertEquals(null, b.phonePrompt)
            assertFalse(phone.views().any { it.tag == BusinessScanScreen.PHONE_TAG })
            assertEquals("the phone joins the same entry", 1uL, b.counts.entries)
            assertTrue(b.counts.text in phone.texts())
            assertTrue(b.last!!.detail in phone.texts())
            assertTrue(announced().any { it.isNotBlank() && b.last!!.detail.endsWith(it) })
            // the same card again at once: still one entry
            val t1 = tones().size
            Thread.sleep(200)
            phone.feed(cccd)
            b = (phone.screen as Screen.BusinessScan).v1
            assertEquals(1uL, b.counts.entries)
            if (tones().size > t1) assertEquals(listOf(Cue.ALREADY_COUNTED.tone), tones().drop(t1))

            phone.tap(b.manual.label)
            assertEquals(Route.MANUAL_ENTRY, phone.shown.route)
            phone.assertLabelled()
            val manual = (phone.screen as Screen.ManualEntry).v1
            phone.type("full_name", "Lê Văn Cường").type("phone", "0987 654 321")
            phone.tap(manual.submit.label)
            assertEquals(Route.BUSINESS_SCAN, phone.shown.route)
            b = (phone.screen as Screen.BusinessScan).v1
            assertEquals(2uL, b.counts.entries)
            assertTrue(b.counts.text in phone.texts())
            phone.tap(b.stop.label)
            assertEquals(Route.BUSINESS_CHECKPOINT, phone.shown.route)
            assertFalse(phone.camera.running)
        } finally {
            server.stop(0)
        }
    }
}
