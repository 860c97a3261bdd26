package vn.quetma.core.test

import java.nio.ByteBuffer
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import vn.quetma.core.AppEvent
import vn.quetma.core.FrameScanner
import vn.quetma.core.ProfileInput
import vn.quetma.core.QuetMaException
import vn.quetma.core.Relation
import vn.quetma.core.Rotation
import vn.quetma.core.ScannedCode
import vn.quetma.core.StoreResetReason
import vn.quetma.core.libraryVersion
import vn.quetma.core.rotationFromDegrees

/** Errors crossing the boundary, platform failures, and the frame hand-off. */
class BoundaryTest {
    @Test
    fun `a bad key bundle is a crypto error that names no key`() {
        val e = expectError<QuetMaException.Crypto> { openApp(tempDir("badkeys"), keysJson = "{not json") }
        assertTrue(e.reason.contains("JSON"))
        expectError<QuetMaException.Crypto> { FrameScanner("""{"signing": []}""", false) }
    }

    @Test
    fun `not found, invalid input and a check-in with a forged poster`() {
        openApp(tempDir("errors")).use { app ->
            assertEquals("profile", expectError<QuetMaException.NotFound> { app.profile("NOPE") }.what)
            expectError<QuetMaException.NotFound> { app.checkOut("NOPE") }
            val me = app.addProfile(ProfileInput(relation = Relation.OWNER, fullName = "Nguyễn Văn An", phone = "0912345678"))
            val twice = expectError<QuetMaException.InvalidInput> {
                app.addProfile(ProfileInput(relation = Relation.OWNER, fullName = "Trần Văn Bình"))
            }
            assertFalse(twice.reason.contains("Bình"), "no personal data in messages")
            expectError<QuetMaException.InvalidInput> { app.checkIn(Fixtures.posterText, emptyList(), null) }
            // One character of the signed payload changed.
            val text = Fixtures.posterText
            val i = text.length - 10
            val forged = text.substring(0, i) + (if (text[i] == 'A') 'B' else 'A') + text.substring(i + 1)
            val bad = expectError<QuetMaException.InvalidInput> { app.checkIn(forged, listOf(me.id), null) }
            assertFalse(bad.reason.contains(text.substring(20, 40)), "no QR text in messages")
            assertTrue(app.openVisits().isEmpty())
        }
    }

    @Test
    fun `a vault that fails is a platform error and touches nothing`() {
        val vault = MemoryVault().apply { failWith = QuetMaException.Platform("keystore locked") }
        val e = expectError<QuetMaException.Platform> { openApp(tempDir("vaultfail"), vault) }
        assertEquals("keystore locked", e.reason)
    }

    @Test
    fun `an unexpected exception in the vault crosses as a platform error`() {
        val vault = MemoryVault().apply { failWith = IllegalStateException("001099012345") }
        val e = expectError<QuetMaException.Platform> { openApp(tempDir("vaultboom"), vault) }
        assertFalse(e.reason.contains("001099012345"))
    }

    @Test
    fun `a lost key starts a fresh store and says so`() {
        val dir = tempDir("reset")
        val vault = MemoryVault()
        openApp(dir, vault).use { it.addProfile(ProfileInput(relation = Relation.OWNER, fullName = "Nguyễn Văn An", phone = "0912345678")) }
        vault.keys.clear()
        val listener = RecordingListener()
        openApp(dir, vault, listener = listener).use { app ->
            assertEquals(StoreResetReason.KEY_LOST, app.storeReset()?.reason)
            assertTrue(app.profiles().isEmpty())
            val event = listener.events.single() as AppEvent.StoreReset
            assertEquals(StoreResetReason.KEY_LOST, event.info.reason)
            assertTrue(event.info.message.vi.isNotBlank())
        }
    }

    @Test
    fun `frames with padded rows go across without a copy`() {
        val poster = Fixtures.raw("venue-poster", 640, 480)
        FrameScanner(Fixtures.publicKeysJson, false).use { scanner ->
            for (stride in listOf(640, 704, 1000)) {
                val buf = poster.direct(rowStride = stride)
                val r = scanner.scan(buf, 640u, 480u, stride.toUInt(), Rotation.DEG0).single()
                assertTrue(r.code is ScannedCode.Venue, "stride $stride")
                // Rust read the buffer in place: the Kotlin side still owns it, untouched.
                assertEquals(0, buf.position())
            }
            // The same pixels from a heap array (copied across).
            val copied = scanner.scanCopied(poster.padded(704), 640u, 480u, 704u, Rotation.DEG0)
            assertTrue(copied.single().code is ScannedCode.Venue)
        }
    }

    @Test
    fun `rotation maps the corners to upright coordinates`() {
        val poster = Fixtures.raw("venue-poster", 640, 480)
        FrameScanner(Fixtures.publicKeysJson, false).use { scanner ->
            val upright = scanner.scan(poster.direct(), 640u, 480u, 640u, Rotation.DEG0).single().bounds
            val turned = scanner.scan(poster.direct(), 640u, 480u, 640u, rotationFromDegrees(90)).single().bounds
            assertTrue(upright.all { it.x in 0 until 640 && it.y in 0 until 480 })
            assertTrue(turned.all { it.x in 0 until 480 && it.y in 0 until 640 }, "upright frame is 480 wide")
            expectError<QuetMaException.InvalidInput> { rotationFromDegrees(45) }
        }
    }

    @Test
    fun `bad frames are typed errors, not crashes`() {
        FrameScanner(Fixtures.publicKeysJson, false).use { scanner ->
            val small = ByteBuffer.allocateDirect(100)
            expectError<QuetMaException.InvalidInput> { scanner.scan(small, 20u, 10u, 20u, Rotation.DEG0) }
            expectError<QuetMaException.InvalidInput> { scanner.scan(small, 10u, 10u, 5u, Rotation.DEG0) }
            expectError<QuetMaException.InvalidInput> { scanner.scan(small, 0u, 10u, 10u, Rotation.DEG0) }
            // A heap buffer cannot be borrowed: the bindings refuse it before crossing.
            assertThrows(IllegalArgumentException::class.java) {
                scanner.scan(ByteBuffer.allocate(100), 10u, 10u, 10u, Rotation.DEG0)
            }
            // Noise decodes to nothing.
            val noise = ByteBuffer.allocateDirect(320 * 240)
            val rnd = java.util.Random(7)
            repeat(320 * 240) { noise.put(rnd.nextInt(256).toByte()) }
            noise.position(0)
            assertTrue(scanner.scan(noise, 320u, 240u, 320u, Rotation.DEG0).isEmpty())
        }
    }

    @Test
    fun `continuous mode reports a code once until reset`() {
        val poster = Fixtures.raw("venue-poster", 640, 480)
        FrameScanner(Fixtures.publicKeysJson, true).use { scanner ->
            val buf = poster.direct()
            assertEquals(1, scanner.scan(buf, 640u, 480u, 640u, Rotation.DEG0).size)
            assertEquals(0, scanner.scan(buf, 640u, 480u, 640u, Rotation.DEG0).size)
            scanner.reset()
            assertEquals(1, scanner.scan(buf, 640u, 480u, 640u, Rotation.DEG0).size)
        }
        assertTrue(libraryVersion().isNotBlank())
    }
}
