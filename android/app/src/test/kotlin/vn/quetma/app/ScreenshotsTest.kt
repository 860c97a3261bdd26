package vn.quetma.app

import android.graphics.Bitmap
import android.graphics.Color
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config
import vn.quetma.core.ProfileInput
import vn.quetma.core.Relation
import vn.quetma.flows.Route
import vn.quetma.flows.Screen
import vn.quetma.flows.UiEvent

/**
 * Every screen of the app drawn at phone size (411 × 891 dp at 420 dpi: 1079 × 2339 px) with
 * Robolectric's native graphics, in Vietnamese and English, plus some in the dark theme and at
 * font scale 1.3, into android/target/screens/ for a person to look at. Each picture is checked
 * to hold more than one colour (something was drawn) and every control on it has a label.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], qualifiers = "w411dp-h891dp-420dpi")
class ScreenshotsTest {
    private val ctx = Phone.app()
    private var phone: Phone? = null
    private var server: HttpServer? = null
    private val shots = mutableListOf<String>()

    @After
    fun tearDown() {
        phone?.close()
        server?.stop(0)
        Core.close()
        RuntimeEnvironment.setFontScale(1f)
    }

    private fun snap(p: Phone, name: String) {
        p.assertLabelled()
        val bmp = p.snap(name)
        assertTrue("$name drew something", colours(bmp) > 2)
        shots += name
    }

    private fun colours(b: Bitmap): Int {
        val seen = HashSet<Int>()
        for (y in 0 until b.height step 16) for (x in 0 until b.width step 16) seen += b.getPixel(x, y)
        return seen.size
    }

    private fun menu(p: Phone, route: Route) {
        val home = (p.screen as Screen.Home).v1
        val b = (home.menu + home.personalQr + home.scan).firstOrNull { it.event == UiEvent.Navigate(route) }
        if (b != null) p.tap(b.label) else p.system(UiEvent.Navigate(route))
        assertEquals(route, p.shown.route)
    }

    private fun back(p: Phone) {
        p.tap(p.shown.back!!.label)
    }

    private fun citizen(prefix: String): Phone {
        Core.get(ctx).addProfile(owner())
        Core.get(ctx).addProfile(ProfileInput(relation = Relation.CHILD, fullName = "Nguyễn Thị Bông", birthYear = 2016u))
        val p = Phone(ctx).launch().also { phone = it }
        if (prefix == "en") {
            menu(p, Route.SETTINGS)
            val en = (p.screen as Screen.Settings).v1.languages.first { !it.selected }
            p.tap(en.label)
            back(p)
        }
        return p
    }

    private fun tour(prefix: String) {
        useTestCore(ctx, "shots-$prefix")
        val p = citizen(prefix)
        snap(p, "$prefix-01-home")
        menu(p, Route.SCAN)
        repeat(8) { p.feed(Fixtures.flat(640, 480, 10)); Thread.sleep(100) }
        snap(p, "$prefix-02-scan")
        p.system(UiEvent.CameraPermission(false))
        snap(p, "$prefix-03-scan-camera-refused")
        p.system(UiEvent.CameraPermission(true))
        p.feed(Fixtures.raw("venue-poster", 1280, 720))
        assertEquals(Route.CONFIRM, p.shown.route)
        snap(p, "$prefix-04-confirm")
        p.tap((p.screen as Screen.Confirm).v1.confirm.label)
        snap(p, "$prefix-05-checked-in")
        p.tap((p.screen as Screen.CheckedIn).v1.done.label)
        snap(p, "$prefix-06-home-checked-in")
        menu(p, Route.HISTORY)
        snap(p, "$prefix-07-history")
        back(p)
        menu(p, Route.DECLARATION)
        snap(p, "$prefix-08-declaration-consent")
        p.tap((p.screen as Screen.Declaration).v1.consent!!.agree.label)
        snap(p, "$prefix-09-declaration-form")
        back(p)
        menu(p, Route.PERSONAL_QR)
        snap(p, "$prefix-10-personal-qr")
        back(p)
        menu(p, Route.PROFILES)
        snap(p, "$prefix-11-profiles")
        p.tap((p.screen as Screen.Profiles).v1.add.label)
        snap(p, "$prefix-12-profile-form")
        back(p)
        if (p.shown.route != Route.HOME) back(p)
        menu(p, Route.ALERTS)
        snap(p, "$prefix-13-alerts")
        back(p)
        menu(p, Route.SETTINGS)
        snap(p, "$prefix-14-settings")
        p.tap((p.screen as Screen.Settings).v1.reset.label)
        snap(p, "$prefix-15-settings-erase")
        p.close()
        phone = null

        // share my history and business mode, against a loopback server that takes a case
        // share and enrols
        val s = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
            createContext("/api/v1/case-share") { ex ->
                ex.requestBody.readBytes()
                val body = """{"case_id":"C-000042","visits":1}""".toByteArray()
                ex.responseHeaders.add("Content-Type", "application/json")
                ex.sendResponseHeaders(200, body.size.toLong())
                ex.responseBody.use { it.write(body) }
            }
            createContext("/api/v1/enrol") { ex ->
                val body = """{"venue_id":"HD-VQ-000123","venue_name":"Nhà thuốc Minh Châu","checkpoint":"Cổng chính","scanner_token":"${"T".repeat(43)}"}""".toByteArray()
                ex.responseHeaders.add("Content-Type", "application/json")
                ex.sendResponseHeaders(200, body.size.toLong())
                ex.responseBody.use { it.write(body) }
            }
            start()
        }
        server = s
        val url = "http://127.0.0.1:${s.address.port}"
        val c = Phone(ctx, url).launch().also { phone = it }
        menu(c, Route.SHARE_CODE)
        snap(c, "$prefix-16-share-code")
        c.system(UiEvent.OpenUrl("$url/K/14ABCDEFGHJKMN"))
        assertEquals(Route.SHARE_PREVIEW, c.shown.route)
        snap(c, "$prefix-17-share-preview")
        c.tap((c.screen as Screen.SharePreview).v1.send.label)
        assertEquals(Route.SHARE_DONE, c.shown.route)
        snap(c, "$prefix-18-share-done")
        c.close()
        phone = null

        val b = Phone(ctx, url).launch().also { phone = it }
        b.system(UiEvent.Navigate(Route.BUSINESS_ENROL))
        snap(b, "$prefix-19-enrol")
        b.type((b.screen as Screen.Enrol).v1.code.key, "abcdefghijklmnopqrst")
        b.tap((b.screen as Screen.Enrol).v1.enrol.label)
        snap(b, "$prefix-20-checkpoint")
        b.tap((b.screen as Screen.Checkpoint).v1.form.submit.label)
        b.feed(Fixtures.png("cccd"))
        snap(b, "$prefix-21-business-scan-phone")
        b.type((b.screen as Screen.BusinessScan).v1.phonePrompt!!.field.key, "0912 345 678")
        b.tap((b.screen as Screen.BusinessScan).v1.phonePrompt!!.save.label)
        snap(b, "$prefix-22-business-scan")
        b.tap((b.screen as Screen.BusinessScan).v1.manual.label)
        snap(b, "$prefix-23-manual-entry")
    }

    @Test
    fun `every screen in Vietnamese`() = tour("vi")

    @Test
    fun `every screen in English`() = tour("en")

    @Test
    @Config(qualifiers = "w411dp-h891dp-night-420dpi")
    fun `the dark theme`() {
        useTestCore(ctx, "shots-dark")
        val p = citizen("vi")
        snap(p, "dark-home")
        menu(p, Route.DECLARATION)
        p.tap((p.screen as Screen.Declaration).v1.consent!!.agree.label)
        snap(p, "dark-declaration-form")
        back(p)
        menu(p, Route.PERSONAL_QR)
        val bmp = p.snap("dark-personal-qr")
        // the code keeps its white quiet zone on a dark screen
        assertTrue(colours(bmp) > 2)
        assertEquals(Color.WHITE, bmp.getPixel(bmp.width / 2, (p.views().first { it.tag == vn.quetma.app.screens.PersonalQrScreen.QR_TAG }.let { v -> IntArray(2).also { v.getLocationInWindow(it) }[1] + 2 })))
    }

    @Test
    fun `large text (font scale 1_3)`() {
        RuntimeEnvironment.setFontScale(1.3f)
        useTestCore(ctx, "shots-large")
        val p = citizen("vi")
        snap(p, "large-home")
        menu(p, Route.SCAN)
        p.feed(Fixtures.raw("venue-poster", 1280, 720))
        snap(p, "large-confirm")
        back(p)
        if (p.shown.route != Route.HOME) back(p)
        menu(p, Route.SETTINGS)
        snap(p, "large-settings")
    }
}
