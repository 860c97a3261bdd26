package vn.quetma.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import java.io.File
import java.io.InputStream
import java.io.OutputStream
import java.nio.ByteBuffer
import java.security.Key
import java.security.KeyStoreSpi
import java.security.Provider
import java.security.SecureRandom
import java.security.Security
import java.security.cert.Certificate
import java.security.spec.AlgorithmParameterSpec
import java.util.Collections
import java.util.Date
import java.util.concurrent.ConcurrentHashMap
import javax.crypto.KeyGeneratorSpi
import javax.crypto.SecretKey
import javax.crypto.spec.SecretKeySpec
import javax.imageio.ImageIO
import vn.quetma.core.AppConfig
import vn.quetma.core.ProfileInput
import vn.quetma.core.Relation

/** The images and keys `binding-fixtures` wrote (system property `quetma.fixtures`). */
object Fixtures {
    val dir = File(System.getProperty("quetma.fixtures") ?: error("system property quetma.fixtures is not set"))

    val publicKeysJson: String by lazy { File(dir, "public-keys.json").readText() }

    /** A fixture PNG as the camera's luma plane would hold it (direct buffer, row stride = width). */
    fun png(name: String): LumaFrame {
        val img = ImageIO.read(File(dir, "$name.png")) ?: error("cannot read $name.png")
        val buf = ByteBuffer.allocateDirect(img.width * img.height)
        val sample = IntArray(img.raster.numBands)
        for (y in 0 until img.height) for (x in 0 until img.width) {
            img.raster.getPixel(x, y, sample)
            buf.put(sample[0].toByte())
        }
        buf.flip()
        return LumaFrame(buf, img.width, img.height, img.width)
    }

    /** A raw `.luma` fixture (`NAME-WxH.luma`) with its rows padded to [rowStride] bytes. */
    fun raw(name: String, width: Int, height: Int, rowStride: Int = width): LumaFrame {
        val px = File(dir, "$name-${width}x$height.luma").readBytes()
        val buf = ByteBuffer.allocateDirect(rowStride * (height - 1) + width)
        for (y in 0 until height) {
            buf.position(y * rowStride)
            buf.put(px, y * width, width)
        }
        buf.position(0)
        return LumaFrame(buf, width, height, rowStride)
    }

    /** A frame of one grey level (a covered lens, a dark room). */
    fun flat(width: Int, height: Int, level: Int): LumaFrame {
        val buf = ByteBuffer.allocateDirect(width * height)
        repeat(width * height) { buf.put(level.toByte()) }
        buf.flip()
        return LumaFrame(buf, width, height, width)
    }
}

/**
 * A test-only JCA provider registered as "AndroidKeyStore" (Robolectric has none), so the real
 * [KeystoreVault] code runs unchanged: an in-memory key store plus an AES key generator that
 * takes a [KeyGenParameterSpec]. [keys] can be emptied (a lost key) or altered (a corrupt one).
 */
object FakeAndroidKeyStore {
    val keys = ConcurrentHashMap<String, Key>()

    @Volatile var specs = mutableListOf<KeyGenParameterSpec>()

    fun install() {
        // Each Robolectric sandbox has its own class loader (and KeyGenParameterSpec class):
        // register this one's provider, replacing another sandbox's.
        Security.removeProvider("AndroidKeyStore")
        Security.addProvider(P())
        keys.clear()
        specs.clear()
    }

    class P : Provider("AndroidKeyStore", "1.0", "test stand-in for the Android Keystore") {
        init {
            put("KeyStore.AndroidKeyStore", KS::class.java.name)
            put("KeyGenerator.AES", AesGen::class.java.name)
        }
    }

    class KS : KeyStoreSpi() {
        override fun engineGetKey(alias: String, password: CharArray?): Key? = keys[alias]
        override fun engineGetCertificateChain(alias: String): Array<Certificate>? = null
        override fun engineGetCertificate(alias: String): Certificate? = null
        override fun engineGetCreationDate(alias: String): Date? = if (keys.containsKey(alias)) Date() else null
        override fun engineSetKeyEntry(alias: String, key: Key, password: CharArray?, chain: Array<out Certificate>?) { keys[alias] = key }
        override fun engineSetKeyEntry(alias: String, key: ByteArray, chain: Array<out Certificate>?) = throw UnsupportedOperationException()
        override fun engineSetCertificateEntry(alias: String, cert: Certificate) = throw UnsupportedOperationException()
        override fun engineDeleteEntry(alias: String) { keys.remove(alias) }
        override fun engineAliases() = Collections.enumeration(keys.keys)
        override fun engineContainsAlias(alias: String) = keys.containsKey(alias)
        override fun engineSize() = keys.size
        override fun engineIsKeyEntry(alias: String) = keys.containsKey(alias)
        override fun engineIsCertificateEntry(alias: String) = false
        override fun engineGetCertificateAlias(cert: Certificate): String? = null
        override fun engineStore(stream: OutputStream?, password: CharArray?) {}
        override fun engineLoad(stream: InputStream?, password: CharArray?) {}
    }

    class AesGen : KeyGeneratorSpi() {
        private var spec: KeyGenParameterSpec? = null
        private val rnd = SecureRandom()
        override fun engineInit(random: SecureRandom?) = throw UnsupportedOperationException("needs KeyGenParameterSpec")
        override fun engineInit(params: AlgorithmParameterSpec?, random: SecureRandom?) {
            spec = params as? KeyGenParameterSpec ?: throw java.security.InvalidAlgorithmParameterException("needs KeyGenParameterSpec")
        }
        override fun engineInit(keysize: Int, random: SecureRandom?) = throw UnsupportedOperationException()
        override fun engineGenerateKey(): SecretKey {
            val s = spec ?: throw IllegalStateException("not initialised")
            specs.add(s)
            val k = SecretKeySpec(ByteArray(s.keySize / 8).also { rnd.nextBytes(it) }, "AES")
            keys[s.keystoreAlias] = k
            return k
        }
    }
}

/** Points [Core] at a fresh data folder of [context] with the fixture keys and the Keystore vault. */
fun useTestCore(context: Context, name: String = "store"): File {
    FakeAndroidKeyStore.install()
    Core.close()
    // the screens run offline unless a test gives a (loopback) server
    MainActivity.serverUrl = { null }
    val base = File(context.noBackupFilesDir, name)
    Core.factory = {
        Core.Opening(
            AppConfig(
                dataDir = File(base, "db").path,
                publicKeysJson = Fixtures.publicKeysJson,
                retentionDays = null,
                utcOffsetMinutes = null,
                purgeTimer = false,
            ),
            KeystoreVault(File(base, "vault")),
        )
    }
    return base
}

/** The owner profile of the citizen journeys. */
fun owner() = ProfileInput(
    relation = Relation.OWNER,
    fullName = "Nguyễn Văn An",
    idNumber = "001099012345",
    phone = "0912345678",
    birthYear = 1999u,
)
