package vn.quetma.core.test

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import vn.quetma.core.AppEvent
import vn.quetma.core.ContactSource
import vn.quetma.core.Direction
import vn.quetma.core.ManualEntry
import vn.quetma.core.QuetMaApp
import vn.quetma.core.QuetMaException
import vn.quetma.core.RejectReason
import vn.quetma.core.Rotation
import vn.quetma.core.ScanOutcome
import vn.quetma.core.ScannedCode
import vn.quetma.core.manualEntryMessage

/** A business phone in scanner mode at the door: cards, personal QR codes, manual entry. */
class BusinessJourneyTest {
    private lateinit var app: QuetMaApp
    private val clock = TestClock()
    private val listener = RecordingListener()

    @BeforeEach
    fun open() {
        app = openApp(tempDir("business"), MemoryVault(), clock, listener)
    }

    @AfterEach
    fun close() = app.close()

    private fun session() = app.startScannerSessionFromPoster(Fixtures.posterText, "Cổng chính", Direction.ENTRY)

    private fun recorded(o: ScanOutcome) = (o as? ScanOutcome.Recorded ?: throw AssertionError("not recorded: $o")).entry

    @Test
    fun `bind the phone to the venue by its poster, then resume the same session`() {
        val s = session()
        assertEquals("HD-VQ-000123", s.venueId)
        assertEquals("Nhà thuốc Minh Châu", s.venueName)
        assertEquals(s.id, session().id)
        assertEquals(listOf(s.id), app.scannerSessions().map { it.id })
        app.endScannerSession(s.id)
        assertTrue(app.scannerSessions().isEmpty())
    }

    @Test
    fun `a CCCD frame in scanner mode is recorded by its hint only, once`() {
        val s = session()
        val cccd = Fixtures.png("cccd")
        // The card as a camera would give it: rows padded to a 512-byte stride.
        val frame = cccd.direct(rowStride = 512)
        app.frameScanner(false).use { scanner ->
            val preview = scanner.scan(frame, cccd.width.toUInt(), cccd.height.toUInt(), 512u, Rotation.DEG0)
            val code = preview.single().code as ScannedCode.Cccd
            assertEquals("N. V. An", code.hint.shortName)
            assertEquals(1999.toUShort(), code.hint.birthYear)

            listener.events.clear()
            val first = app.recordFrame(s.id, scanner, frame, cccd.width.toUInt(), cccd.height.toUInt(), 512u, Rotation.DEG0)
            val entry = recorded(first.single())
            assertEquals(ContactSource.CCCD, entry.source)
            assertEquals("N. V. An", entry.hint.shortName)
            assertTrue(listener.events.contains(AppEvent.VisitorLogChanged(s.id)))

            clock.advanceMinutes(2)
            val again = app.recordFrame(s.id, scanner, frame, cccd.width.toUInt(), cccd.height.toUInt(), 512u, Rotation.DEG0).single()
            again as ScanOutcome.Duplicate
            assertEquals(entry.id, again.entry.id)
            assertEquals(120uL, again.secondsAgo)
        }
        // Nothing the card said beyond the hint comes back.
        val log = app.sessionVisitorLog(s.id, 0)
        assertEquals(1, log.size)
        assertFalse(log.toString().contains("001099012345"))
        assertFalse(log.toString().contains("Phố Mẫu"))
    }

    @Test
    fun `personal QR, poster and blank frames at the door`() {
        val s = session()
        app.frameScanner(false).use { scanner ->
            val personal = Fixtures.raw("personal-qr", 480, 480)
            val p = recorded(app.recordFrame(s.id, scanner, personal.direct(), 480u, 480u, 480u, Rotation.DEG90).single())
            assertEquals(ContactSource.PERSONAL_QR, p.source)
            assertEquals("T. T. Bình", p.hint.shortName)

            val poster = Fixtures.raw("venue-poster", 640, 480)
            val rejected = app.recordFrame(s.id, scanner, poster.direct(), 640u, 480u, 640u, Rotation.DEG0).single()
            rejected as ScanOutcome.Rejected
            assertEquals(RejectReason.NOT_A_PERSON, rejected.reason)
            assertTrue(rejected.message.vi.isNotBlank() && rejected.message.en.isNotBlank())

            val blank = Fixtures.raw("blank", 320, 240)
            assertTrue(app.recordFrame(s.id, scanner, blank.direct(), 320u, 240u, 320u, Rotation.DEG0).isEmpty())
        }
        val foreign = app.recordText(s.id, "https://example.com/not-a-quetma-code")
        assertEquals(RejectReason.FOREIGN, (foreign as ScanOutcome.Rejected).reason)
    }

    @Test
    fun `manual entry for a visitor with no phone and no card`() {
        val s = session()
        val e = recorded(app.manualEntry(s.id, ManualEntry(fullName = "Lê Thị Hoa", phone = "0987 654 321", birthYear = 1950u)))
        assertEquals(ContactSource.MANUAL, e.source)
        assertEquals("L. T. Hoa", e.hint.shortName)

        val err = expectError<QuetMaException.InvalidInput> { app.manualEntry(s.id, ManualEntry(fullName = "Lê Thị Hoa")) }
        val msg = manualEntryMessage(err.reason) ?: throw AssertionError("no staff message for ${err.reason}")
        assertTrue(msg.vi.isNotBlank())
        assertNull(manualEntryMessage("something else"))

        expectError<QuetMaException.NotFound> { app.manualEntry("NO-SUCH-SESSION", ManualEntry(fullName = "Lê Thị Hoa", phone = "0987654321")) }
    }

    @Test
    fun `visitor counts and the outbox after a morning at the door`() {
        val s = session()
        val exit = app.startScannerSession("HD-VQ-000123", "Nhà thuốc Minh Châu", "Cổng sau", Direction.EXIT)
        app.recordText(s.id, Fixtures.posterText) // rejected: not a person
        recorded(app.manualEntry(s.id, ManualEntry(fullName = "Lê Thị Hoa", phone = "0987654321")))
        recorded(app.manualEntry(s.id, ManualEntry(fullName = "Phạm Văn Dũng", idNumber = "001088001122")))
        recorded(app.manualEntry(exit.id, ManualEntry(fullName = "Lê Thị Hoa", phone = "0987654321")))
        val counts = app.visitorCountsToday("HD-VQ-000123")
        assertEquals(2uL, counts.entries)
        assertEquals(1uL, counts.exits)
        assertEquals(2uL, counts.uniquePeople)
        assertEquals(3uL, counts.bySource.manual)
        assertEquals(3uL, app.outboxCounts().pending)
        assertEquals(3, app.venueVisitorLog("HD-VQ-000123", 0).size)
    }
}
