package vn.quetma.app

import android.app.NotificationManager
import android.content.Context
import java.io.File
import javax.crypto.spec.SecretKeySpec
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import vn.quetma.core.QuetMaException
import vn.quetma.core.StoreResetReason

/** The Keystore vault, with the real core opening its store through it. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class KeystoreVaultTest {
    private val ctx: Context = RuntimeEnvironment.getApplication()
    private lateinit var base: File
    private val vaultDir get() = File(base, "vault")

    @Before
    fun setUp() {
        base = useTestCore(ctx, "vault-test")
    }

    @After
    fun tearDown() = Core.close()

    private fun wrapAlias() = FakeAndroidKeyStore.keys.keys.single()

    @Test
    fun `the store key is wrapped by a Keystore AES-GCM key that needs no user authentication`() {
        val vault = KeystoreVault(vaultDir)
        val key = ByteArray(32) { (it * 7 + 1).toByte() }
        vault.storeKey("store", key)
        assertArrayEquals(key, vault.loadKey("store"))
        assertNull(vault.lastProblem)

        val spec = FakeAndroidKeyStore.specs.single()
        assertEquals(KeystoreVault.wrapAlias("store"), spec.keystoreAlias)
        assertEquals(256, spec.keySize)
        assertEquals(listOf("GCM"), spec.blockModes.toList())
        assertFalse("background work must open the store", spec.isUserAuthenticationRequired)

        val blob = File(vaultDir, "store.wrapped").readBytes()
        assertEquals(2 + 12 + 32 + 16, blob.size) // version, IV length, IV, key, tag
        assertFalse("the key is not in the file", String(blob, Charsets.ISO_8859_1).contains(String(key, Charsets.ISO_8859_1)))
        assertNull("an unknown alias has no key", vault.loadKey("other"))
    }

    @Test
    fun `the real core keeps its data across opens through the vault`() {
        val id = Core.get(ctx).addProfile(owner()).id
        Core.close()
        val app = Core.get(ctx)
        assertNull(app.storeReset())
        assertEquals(listOf(id), app.profiles().map { it.id })
    }

    private fun assertResetTold(reason: StoreResetReason) {
        val app = Core.get(ctx) // must not throw
        assertEquals(reason, app.storeReset()?.reason)
        assertTrue("a fresh store", app.profiles().isEmpty())
        val nm = shadowOf(ctx.getSystemService(NotificationManager::class.java))
        val notice = nm.allNotifications.single()
        val text = notice.extras.getCharSequence("android.text").toString()
        assertEquals(app.storeReset()!!.message.vi, text)
        assertTrue(text.isNotBlank())
        // and the fresh store works and is kept
        val id = app.addProfile(owner()).id
        Core.close()
        assertEquals(listOf(id), Core.get(ctx).profiles().map { it.id })
    }

    @Test
    fun `a Keystore that lost the key leads to the core's reset, told to the user, not a crash`() {
        Core.get(ctx).addProfile(owner())
        Core.close()
        FakeAndroidKeyStore.keys.clear() // the OEM Keystore failure
        assertResetTold(StoreResetReason.KEY_LOST)
    }

    @Test
    fun `a Keystore key that changed (corrupt) leads to the reset too`() {
        Core.get(ctx).addProfile(owner())
        Core.close()
        FakeAndroidKeyStore.keys[wrapAlias()] = SecretKeySpec(ByteArray(32) { 9 }, "AES")
        assertResetTold(StoreResetReason.KEY_LOST)
    }

    @Test
    fun `a damaged wrapped-key file leads to the reset`() {
        Core.get(ctx).addProfile(owner())
        Core.close()
        val f = vaultDir.listFiles()!!.single { it.name.endsWith(".wrapped") }
        val b = f.readBytes()
        b[b.size - 5] = (b[b.size - 5].toInt() xor 0x40).toByte()
        f.writeBytes(b)
        assertResetTold(StoreResetReason.KEY_LOST)
        val truncated = KeystoreVault(File(base, "other"))
        File(base, "other").mkdirs()
        File(base, "other/store.wrapped").writeBytes(byteArrayOf(1))
        assertNull(truncated.loadKey("store"))
        assertNotNull(truncated.lastProblem)
    }

    @Test
    fun `a Keystore that does not answer is an error that resets nothing`() {
        val id = Core.get(ctx).addProfile(owner()).id
        Core.close()
        val opening = Core.factory
        Core.factory = { c -> opening(c).let { Core.Opening(it.config, KeystoreVault(vaultDir, provider = "NoSuchKeyStore")) } }
        try {
            Core.get(ctx)
            fail("opened without a Keystore")
        } catch (e: QuetMaException.Platform) {
            assertTrue(e.message ?: "", (e.message ?: "").contains("Keystore"))
        }
        Core.factory = opening
        val app = Core.get(ctx)
        assertNull("nothing was reset", app.storeReset())
        assertEquals(listOf(id), app.profiles().map { it.id })
    }
}
