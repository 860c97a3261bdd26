package vn.quetma.core.test

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import vn.quetma.flows.AppOptions
import vn.quetma.flows.DisplayInfo
import vn.quetma.flows.Effect
import vn.quetma.flows.Language
import vn.quetma.flows.Route
import vn.quetma.flows.Screen
import vn.quetma.flows.SoundCue
import vn.quetma.flows.UiEvent
import vn.quetma.flows.Update
import vn.quetma.core.AppFlows
import vn.quetma.core.ProfileInput
import vn.quetma.core.QuetMaApp
import vn.quetma.core.Relation
import vn.quetma.core.Rotation
import vn.quetma.shell.LumaBuffers

/**
 * A whole citizen journey through the screen flows, as the Android shell drives them: a camera
 * frame of the poster → confirm with a dependent → thank you → cancel. The shell's whole job
 * is visible here: send events and frames, render `Update.screen`, perform `Update.effects`.
 */
class FlowsJourneyTest {
    private lateinit var app: QuetMaApp
    private lateinit var flows: AppFlows
    private val clock = TestClock()

    @BeforeEach
    fun open() {
        app = openApp(tempDir("flows"), MemoryVault(), clock, RecordingListener())
        flows = app.flows(AppOptions(serverUrl = null, language = Language.VI, display = DisplayInfo(420.0, 420.0, true, false)))
    }

    @AfterEach
    fun close() {
        flows.close()
        app.close()
    }

    private fun sounds(u: Update) = u.effects.filterIsInstance<Effect.PlaySound>().map { it.cue }

    @Test
    fun `poster frame, confirm with a child, thank you, cancel`() {
        app.addProfile(ProfileInput(relation = Relation.OWNER, fullName = "Nguyễn Văn An", phone = "0912345678", birthYear = 1990u))
        val child = app.addProfile(ProfileInput(relation = Relation.CHILD, fullName = "Nguyễn Thị Bông", birthYear = 2016u))

        val home = flows.start()
        assertEquals(Route.HOME, home.route)
        val scan = flows.dispatch(UiEvent.Navigate(Route.SCAN))
        assertTrue(Effect.RequestCameraPermission in scan.effects)
        assertEquals(listOf<Effect>(Effect.OpenCamera), flows.dispatch(UiEvent.CameraPermission(true)).effects)

        // A 1280 × 720 camera frame of the poster, as a direct buffer (zero-copy).
        val frame = Fixtures.raw("venue-poster", 1280, 720)
        val buf = LumaBuffers().wrap(frame.pixels, frame.width, frame.height)
        val confirm = flows.frame(buf, 1280u, 720u, 1280u, Rotation.DEG0)
        assertNotNull(confirm)
        confirm!!
        assertEquals(Route.CONFIRM, confirm.route)
        assertEquals(listOf(SoundCue.SUCCESS), sounds(confirm))
        val view = (confirm.screen as Screen.Confirm).v1
        assertEquals("Nhà thuốc Minh Châu", view.venueName)
        assertEquals(listOf(true, false), view.people.map { it.checked })

        // The shell sends the event the checkbox carries; core decides what it means.
        flows.dispatch(view.people[1].toggle)
        val ticked = (flows.current().screen as Screen.Confirm).v1
        assertEquals("Khai báo vào cho 2 người", ticked.confirm.label)

        val thanks = flows.dispatch(ticked.confirm.event)
        assertEquals(Route.CHECKED_IN, thanks.route)
        val t = (thanks.screen as Screen.CheckedIn).v1
        assertEquals("Nguyễn Văn An, Nguyễn Thị Bông", t.who)
        assertEquals(2, thanks.effects.filterIsInstance<Effect.ScheduleReminder>().size)
        assertEquals(2, app.openVisits().size)

        val back = flows.dispatch(t.cancel.event)
        assertEquals(Route.HOME, back.route)
        assertEquals(0, app.openVisits().size)
        val h = (back.screen as Screen.Home).v1
        assertEquals("Đã huỷ khai báo vào Nhà thuốc Minh Châu", h.banners.first().text)
        assertTrue(child.id.isNotEmpty())

        // English at run time.
        flows.dispatch(UiEvent.Navigate(Route.SETTINGS))
        val en = flows.dispatch(UiEvent.SetLanguage(Language.EN))
        assertEquals("Settings", en.title)
    }
}
