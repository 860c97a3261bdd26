package vn.quetma.app

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Log
import java.io.File
import java.io.IOException
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.security.ProviderException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import vn.quetma.core.KeyVault
import vn.quetma.core.QuetMaException

/**
 * The core's [KeyVault] on Android: the 32-byte store key the core hands over is encrypted
 * (AES-256-GCM) with a key that never leaves the Android Keystore, and the wrapped blob is kept
 * in app-private storage ([dir]).
 *
 * The Keystore key needs no user authentication: background work (reminders, sync) must open
 * the store while the phone is locked.
 *
 * A Keystore that lost or corrupted its key (a known OEM failure; the DE app crash-looped on it)
 * is answered with "no key" (`null`): the core then runs its reset path (a fresh store, the old
 * one set aside, `StoreReset` told to the user). Only a Keystore that does not answer at all is
 * an error, so nothing is reset on a transient failure.
 */
class KeystoreVault(
    private val dir: File,
    private val provider: String = "AndroidKeyStore",
) : KeyVault {
    /** What the last [loadKey] found unusable, for logs and tests (null when it went well). */
    @Volatile var lastProblem: String? = null
        private set

    override fun loadKey(alias: String): ByteArray? {
        lastProblem = null
        val blob = blobFile(alias)
        val bytes = try {
            if (!blob.exists()) return null
            blob.readBytes()
        } catch (e: IOException) {
            throw QuetMaException.Platform("cannot read the wrapped key: ${e.message}")
        }
        val keyStore = openKeyStore()
        val wrappingKey = try {
            keyStore.getKey(wrapAlias(alias), null) as? SecretKey
        } catch (e: GeneralSecurityException) {
            return lost("the Keystore cannot give the wrapping key back (${e.javaClass.simpleName})")
        } catch (e: ProviderException) {
            return lost("the Keystore failed on the wrapping key (${e.javaClass.simpleName})")
        } ?: return lost("the Keystore has no wrapping key any more")
        val parsed = Wrapped.parse(bytes) ?: return lost("the wrapped key is damaged")
        return try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, wrappingKey, GCMParameterSpec(TAG_BITS, parsed.iv))
            cipher.doFinal(parsed.ciphertext)
        } catch (e: GeneralSecurityException) {
            // AEADBadTagException (another or a corrupted key), KeyPermanentlyInvalidatedException…
            lost("the wrapped key does not decrypt (${e.javaClass.simpleName})")
        } catch (e: ProviderException) {
            lost("the Keystore failed to decrypt (${e.javaClass.simpleName})")
        }
    }

    override fun storeKey(alias: String, key: ByteArray) {
        val keyStore = openKeyStore()
        try {
            // A fresh wrapping key each time a store key is stored: a stale or broken one goes.
            if (keyStore.containsAlias(wrapAlias(alias))) keyStore.deleteEntry(wrapAlias(alias))
            val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, provider)
            generator.init(
                KeyGenParameterSpec.Builder(
                    wrapAlias(alias),
                    KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
                )
                    .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                    .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                    .setKeySize(256)
                    .setUserAuthenticationRequired(false)
                    .build(),
            )
            val wrappingKey = generator.generateKey()
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.ENCRYPT_MODE, wrappingKey) // the Keystore picks the IV
            val wrapped = Wrapped(cipher.iv, cipher.doFinal(key)).encode()
            writeAtomically(blobFile(alias), wrapped)
        } catch (e: GeneralSecurityException) {
            throw QuetMaException.Platform("the Keystore cannot wrap the key: ${e.javaClass.simpleName}")
        } catch (e: ProviderException) {
            throw QuetMaException.Platform("the Keystore cannot wrap the key: ${e.javaClass.simpleName}")
        } catch (e: IOException) {
            throw QuetMaException.Platform("cannot write the wrapped key: ${e.message}")
        }
    }

    private fun openKeyStore(): KeyStore = try {
        KeyStore.getInstance(provider).apply { load(null) }
    } catch (e: GeneralSecurityException) {
        throw QuetMaException.Platform("the Android Keystore is not available: ${e.javaClass.simpleName}")
    } catch (e: IOException) {
        throw QuetMaException.Platform("the Android Keystore is not available: ${e.message}")
    }

    private fun lost(why: String): ByteArray? {
        lastProblem = why
        Log.w(TAG, "store key unusable: $why; the core starts a fresh store")
        return null
    }

    private fun blobFile(alias: String) = File(dir, "${safe(alias)}.wrapped")

    private fun writeAtomically(target: File, bytes: ByteArray) {
        dir.mkdirs()
        val tmp = File(dir, "${target.name}.tmp")
        tmp.outputStream().use { out ->
            out.write(bytes)
            out.fd.sync()
        }
        if (!tmp.renameTo(target)) throw IOException("cannot move ${tmp.name} into place")
    }

    /** Version byte, IV length, IV, ciphertext with its tag. */
    private class Wrapped(val iv: ByteArray, val ciphertext: ByteArray) {
        fun encode(): ByteArray = byteArrayOf(VERSION, iv.size.toByte()) + iv + ciphertext

        companion object {
            fun parse(b: ByteArray): Wrapped? {
                if (b.size < 2 || b[0] != VERSION) return null
                val ivLen = b[1].toInt() and 0xff
                if (ivLen !in 12..16 || b.size < 2 + ivLen + TAG_BITS / 8) return null
                return Wrapped(b.copyOfRange(2, 2 + ivLen), b.copyOfRange(2 + ivLen, b.size))
            }
        }
    }

    companion object {
        private const val TAG = "QuetMaVault"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val TAG_BITS = 128
        private const val VERSION: Byte = 1

        /** The Keystore alias of the key wrapping the core's key [alias]. */
        fun wrapAlias(alias: String) = "vn.quetma.vault.${safe(alias)}"

        private fun safe(alias: String) =
            alias.map { if (it.isLetterOrDigit() || it in "._-") it else '_' }.joinToString("")
    }
}
