package vn.quetma.bench

import java.io.File
import java.nio.ByteBuffer
import vn.quetma.core.FrameScanner
import vn.quetma.core.QuetMaException
import vn.quetma.core.Rotation
import vn.quetma.core.libraryVersion
import vn.quetma.core.rotationFromDegrees

/**
 * Per-call overhead of the bindings (JNA) and the hand-off of a 1280×720 luma frame from Kotlin:
 * a direct ByteBuffer borrowed by Rust (zero-copy) against a ByteArray copied across.
 *
 * Run with `QUETMA_BENCH=1 scripts/kotlin-test`.
 */
fun main() {
    val dir = File(System.getProperty("quetma.fixtures") ?: error("quetma.fixtures not set"))
    val keys = File(dir, "public-keys.json").readText()
    val w = 1280
    val h = 720
    val pixels = File(dir, "venue-poster-${w}x$h.luma").readBytes()
    val direct = ByteBuffer.allocateDirect(pixels.size).put(pixels).also { it.position(0) }

    fun bench(name: String, iterations: Int, body: () -> Unit) {
        repeat(maxOf(iterations / 10, 20)) { body() } // warm-up (JIT, caches)
        val times = LongArray(iterations)
        for (i in 0 until iterations) {
            val t0 = System.nanoTime()
            body()
            times[i] = System.nanoTime() - t0
        }
        times.sort()
        val median = times[iterations / 2] / 1000.0
        val p90 = times[iterations * 9 / 10] / 1000.0
        val mean = times.average() / 1000.0
        println("bench: %-52s median %9.1f µs  p90 %9.1f µs  mean %9.1f µs  (n=%d)".format(name, median, p90, mean, iterations))
    }

    println("bench: quetma-ffi ${libraryVersion()}, JVM ${System.getProperty("java.version")}, ${Runtime.getRuntime().availableProcessors()} cores")
    bench("call: rotationFromDegrees (enum via RustBuffer)", 20_000) { rotationFromDegrees(90) }
    bench("call: libraryVersion (string via RustBuffer)", 20_000) { libraryVersion() }

    FrameScanner(keys, false).use { scanner ->
        val wu = w.toUInt()
        val hu = h.toUInt()
        // Hand-off only: a frame Rust refuses at once (height 0 after the bytes crossed).
        bench("hand-off 1280x720: direct ByteBuffer (zero-copy)", 2_000) {
            try { scanner.scan(direct, wu, 0u, wu, Rotation.DEG0) } catch (_: QuetMaException.InvalidInput) {}
        }
        bench("hand-off 1280x720: ByteArray (copied)", 2_000) {
            try { scanner.scanCopied(pixels, wu, 0u, wu, Rotation.DEG0) } catch (_: QuetMaException.InvalidInput) {}
        }
        // Whole scan of a frame holding a venue poster.
        check(scanner.scan(direct, wu, hu, wu, Rotation.DEG0).size == 1) { "poster not found" }
        bench("scan 1280x720 poster: direct ByteBuffer", 200) { scanner.scan(direct, wu, hu, wu, Rotation.DEG0) }
        bench("scan 1280x720 poster: ByteArray copied", 200) { scanner.scanCopied(pixels, wu, hu, wu, Rotation.DEG0) }
    }
}
