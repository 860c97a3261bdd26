package vn.quetma.core.test

import java.io.File
import java.nio.ByteBuffer
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import javax.imageio.ImageIO
import vn.quetma.core.AppConfig
import vn.quetma.core.AppEvent
import vn.quetma.core.Clock
import vn.quetma.core.EventListener
import vn.quetma.core.KeyVault
import vn.quetma.core.QuetMaApp
import vn.quetma.core.QuetMaException

/** An 8-bit luma image, packed (row stride = width). */
class Luma(val width: Int, val height: Int, val pixels: ByteArray) {
    /** A direct buffer with rows of [rowStride] bytes; padding bytes hold [pad]. */
    fun direct(rowStride: Int = width, pad: Byte = 0x55): ByteBuffer {
        val size = rowStride * (height - 1) + width
        val buf = ByteBuffer.allocateDirect(size)
        for (y in 0 until height) {
            buf.position(y * rowStride)
            buf.put(pixels, y * width, width)
            if (y < height - 1) repeat(rowStride - width) { buf.put(pad) }
        }
        buf.position(0)
        return buf
    }

    /** The pixels with rows of [rowStride] bytes, in a heap array. */
    fun padded(rowStride: Int): ByteArray {
        val out = ByteArray(rowStride * (height - 1) + width) { 0x55 }
        for (y in 0 until height) System.arraycopy(pixels, y * width, out, y * rowStride, width)
        return out
    }
}

/** The images and keys `binding-fixtures` wrote (system property `quetma.fixtures`). */
object Fixtures {
    val dir: File = File(
        System.getProperty("quetma.fixtures") ?: error("system property quetma.fixtures is not set"),
    )

    val publicKeysJson: String by lazy { File(dir, "public-keys.json").readText() }
    val posterText: String by lazy { File(dir, "venue-poster.txt").readText().trim() }

    /** A PNG decoded to luma with javax.imageio (as an app would decode a picked image). */
    fun png(name: String): Luma {
        val img = ImageIO.read(File(dir, "$name.png")) ?: error("cannot read $name.png")
        val raster = img.raster
        val px = ByteArray(img.width * img.height)
        val sample = IntArray(raster.numBands)
        for (y in 0 until img.height) for (x in 0 until img.width) {
            raster.getPixel(x, y, sample)
            px[y * img.width + x] = sample[0].toByte()
        }
        return Luma(img.width, img.height, px)
    }

    /** A raw `.luma` fixture (`NAME-WxH.luma`). */
    fun raw(name: String, width: Int, height: Int): Luma =
        Luma(width, height, File(dir, "$name-${width}x$height.luma").readBytes())
}

/** The shell's key vault, as a test fake: keys in memory, with switches to misbehave. */
class MemoryVault : KeyVault {
    val keys = ConcurrentHashMap<String, ByteArray>()
    val loads = AtomicInteger()
    val stores = AtomicInteger()

    @Volatile var failWith: Exception? = null

    override fun loadKey(alias: String): ByteArray? {
        loads.incrementAndGet()
        failWith?.let { throw it }
        return keys[alias]?.copyOf()
    }

    override fun storeKey(alias: String, key: ByteArray) {
        stores.incrementAndGet()
        failWith?.let { throw it }
        keys[alias] = key.copyOf()
    }
}

/** A clock the test moves. */
class TestClock(start: Long = System.currentTimeMillis()) : Clock {
    private val now = AtomicLong(start)
    override fun nowMs(): Long = now.get()
    fun advanceMinutes(minutes: Long) { now.addAndGet(minutes * 60_000) }
}

/** Keeps every event. */
class RecordingListener : EventListener {
    val events = CopyOnWriteArrayList<AppEvent>()
    override fun onEvent(event: AppEvent) { events.add(event) }
}

fun tempDir(prefix: String): Path = Files.createTempDirectory("quetma-kt-$prefix")

fun openApp(
    dir: Path,
    vault: KeyVault = MemoryVault(),
    clock: Clock? = TestClock(),
    listener: EventListener? = null,
    keysJson: String = Fixtures.publicKeysJson,
): QuetMaApp = QuetMaApp.open(
    AppConfig(dataDir = dir.toString(), publicKeysJson = keysJson, purgeTimer = false),
    vault,
    clock,
    listener,
)

/** Runs [block] and returns the [QuetMaException] it must throw. */
inline fun <reified E : QuetMaException> expectError(block: () -> Unit): E {
    try {
        block()
    } catch (e: QuetMaException) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got ${e::class.simpleName}: ${e.message}", e)
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}
