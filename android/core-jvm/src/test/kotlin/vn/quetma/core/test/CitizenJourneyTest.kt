package vn.quetma.core.test

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import vn.quetma.core.AppEvent
import vn.quetma.core.DeclarationForm
import vn.quetma.core.DeclarationStatus
import vn.quetma.core.EndReason
import vn.quetma.core.ProfileInput
import vn.quetma.core.QuetMaApp
import vn.quetma.core.QuetMaException
import vn.quetma.core.Relation
import vn.quetma.core.Rotation
import vn.quetma.core.ScannedCode
import vn.quetma.core.Sex
import vn.quetma.core.Symptom
import vn.quetma.core.VenueCategory
import vn.quetma.core.consentText
import vn.quetma.core.declarationFields
import vn.quetma.core.relationLabel
import vn.quetma.shell.LumaBuffers

/** A citizen's day through the bindings: scan a poster, check the family in, history, QR. */
class CitizenJourneyTest {
    private lateinit var app: QuetMaApp
    private val vault = MemoryVault()
    private val clock = TestClock()
    private val listener = RecordingListener()

    @BeforeEach
    fun open() {
        app = openApp(tempDir("citizen"), vault, clock, listener)
    }

    @AfterEach
    fun close() = app.close()

    private fun owner() = app.addProfile(
        ProfileInput(
            relation = Relation.OWNER,
            fullName = "Nguyễn Văn An",
            idNumber = "001099012345",
            phone = "0912345678",
            birthYear = 1999u,
        ),
    )

    @Test
    fun `the store key is made by Rust and kept by the Kotlin vault`() {
        assertEquals(1, vault.keys.size)
        assertEquals(32, vault.keys.values.single().size)
        assertNull(app.storeReset())
    }

    @Test
    fun `scan the poster PNG, check the family in, see history, check out`() {
        val me = owner()
        val child = app.addProfile(ProfileInput(relation = Relation.CHILD, fullName = "Nguyễn Minh Khôi", birthYear = 2016u))
        assertEquals(listOf(me.id, child.id), app.profiles().map { it.id })

        // The poster photo, decoded by javax.imageio, handed over as a direct buffer.
        val poster = Fixtures.png("venue-poster")
        app.frameScanner(false).use { scanner ->
            val results = scanner.scan(LumaBuffers().wrap(poster.pixels, poster.width, poster.height), poster.width.toUInt(), poster.height.toUInt(), poster.width.toUInt(), Rotation.DEG0)
            val code = results.single().code as ScannedCode.Venue
            assertEquals("HD-VQ-000123", code.venue.venueId)
            assertEquals("Nhà thuốc Minh Châu", code.venue.name)
            assertEquals(VenueCategory.HEALTHCARE, code.venue.category)
            assertEquals(4, results.single().bounds.size)

            listener.events.clear()
            val visits = app.checkIn(code.posterText, listOf(me.id, child.id), null)
            assertEquals(2, visits.size)
            assertTrue(visits.all { it.isOpen && it.venueName == "Nhà thuốc Minh Châu" })
            assertTrue(listener.events.contains(AppEvent.HistoryChanged))
            assertTrue(listener.events.any { it is AppEvent.OutboxChanged && it.counts.pending == 2uL })

            // Scanning the same poster again is not a second visit.
            assertEquals(visits.map { it.id }.toSet(), app.checkIn(code.posterText, listOf(me.id, child.id), null).map { it.id }.toSet())

            val day = app.history(null).single()
            assertEquals(2, day.visits.size)
            assertTrue(Regex("""\d{4}-\d{2}-\d{2}""").matches(day.date))

            clock.advanceMinutes(10)
            val out = app.checkOut(visits.first().id)
            assertFalse(out.isOpen)
            assertEquals(EndReason.MANUAL, out.endReason)
            assertEquals(clock.nowMs(), out.endedAt)

            // The pharmacy's default stay is 30 minutes: the child's visit ends by itself.
            clock.advanceMinutes(30)
            assertEquals(1u, app.settle())
            val ended = app.visit(visits.last().id)
            assertEquals(EndReason.DEFAULT_STAY, ended.endReason)
            assertTrue(app.openVisits().isEmpty())
        }
        val csv = app.exportHistoryCsv(me.id)
        assertEquals(2, csv.trim().lines().size)
        assertTrue(app.exportHistoryJson(null).contains("HD-VQ-000123"))
    }

    @Test
    fun `show a personal QR that a scanner reads back`() {
        val me = owner()
        val qr = app.personalQr(me.id, 420.0)
        assertEquals("N. V. An", qr.hint.shortName)
        assertEquals(qr.widthPx.toInt() * qr.widthPx.toInt(), qr.luma.size)
        assertTrue(qr.symbolMm in 47.5..52.5, "symbol ${qr.symbolMm} mm")
        assertNull(qr.declaration)

        val w = qr.widthPx
        val results = app.frameScanner(false).use { it.scanCopied(qr.luma, w, w, w, Rotation.DEG0) }
        val personal = results.single().code as ScannedCode.Personal
        assertEquals("N. V. An", personal.hint.shortName)
        assertEquals(1999.toUShort(), personal.hint.birthYear)

        val pdf = app.personalCardPdf(me.id)
        assertEquals("%PDF", String(pdf.copyOfRange(0, 4)))
    }

    @Test
    fun `a health declaration needs its own consent and shows on the personal QR`() {
        val me = owner()
        val form = DeclarationForm(
            fullName = "nguyễn văn an",
            birthYear = 1999u,
            sex = Sex.MALE,
            nationality = "vn",
            province = "Hà Nội",
            commune = "Phường Hà Đông",
            street = "Số 12 Phố Lê Trọng Tấn",
            phone = "0912345678",
            symptoms = listOf(Symptom.COUGH),
        )
        expectError<QuetMaException.ConsentRequired> { app.declare(me.id, me.id, form) }
        assertTrue(consentText().consent.vi.isNotBlank())
        assertTrue(declarationFields().any { it.required })
        assertEquals("Bản thân", relationLabel(Relation.OWNER).vi)

        app.grantHealthConsent(me.id)
        val d = app.declare(me.id, me.id, form)
        assertEquals("NGUYỄN VĂN AN", d.form.fullName)
        assertEquals("VN", d.form.nationality)
        assertEquals(DeclarationStatus.SYMPTOMS, d.status)
        assertEquals(1, app.declarations(me.id).size)

        val brief = app.personalQr(me.id, 326.0).declaration ?: error("the personal QR carries no declaration")
        assertEquals(DeclarationStatus.SYMPTOMS, brief.status)

        assertEquals(1u, app.withdrawHealthConsent(me.id))
        assertTrue(app.declarations(me.id).isEmpty())
    }

    @Test
    fun `the outbox hands out what the sync client will send`() {
        val me = owner()
        app.checkIn(Fixtures.posterText, listOf(me.id), 45u)
        val items = app.outboxPending(10u)
        assertEquals(1, items.size)
        assertFalse(items.single().body.contains("Nguyễn"), "the contact record goes sealed")
        app.outboxMarkFailed(listOf(items.single().id), "offline", clock.nowMs() + 60_000)
        assertEquals(1uL, app.outboxCounts().failing)
        assertTrue(app.outboxPending(10u).isEmpty())
        clock.advanceMinutes(2)
        val again = app.outboxPending(10u).single()
        app.outboxMarkSent(listOf(vn.quetma.core.SentItem(again.id, again.body)))
        assertEquals(0uL, app.outboxCounts().pending)
        assertEquals(1uL, app.outboxCounts().sent)
    }
}
