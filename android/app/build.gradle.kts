// The app module. Framework APIs only: no androidx, no Google Play Services (see ../README.md).
//
// The Rust core (bindings/quetma-ffi) is built for each ABI with cargo-ndk before the APK is
// packed (`./gradlew :app:assembleRelease` runs `cargoNdk` first); needs the NDK r28+ (16 KB
// pages by default), `cargo install cargo-ndk` and
// `rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`.
// The Kotlin bindings come from `scripts/gen-bindings` (bindings/generated/kotlin).
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

val repoRoot = rootDir.parentFile
val jniOut = layout.buildDirectory.dir("rustJniLibs")

android {
    namespace = "vn.quetma.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "vn.quetma.app"
        minSdk = 26
        targetSdk = 34
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }
    sourceSets["main"].apply {
        manifest.srcFile("src/main/AndroidManifest.xml")
        java.srcDirs("src/main/kotlin", "../core-jvm/src/main/kotlin", "${repoRoot}/bindings/generated/kotlin")
        jniLibs.srcDir(jniOut)
    }
    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "../proguard-rules-jna.pro")
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    packaging { jniLibs.useLegacyPackaging = true } // extractNativeLibs, as the manifest says
    // The Robolectric suite runs from android/pom.xml (scripts/android-test) on CI.
}

kotlin { jvmToolchain(17) }

dependencies {
    implementation("net.java.dev.jna:jna:5.19.1@aar") // carries libjnidispatch.so per ABI
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.10.2") // uniffi async (sync)
}

// libquetma_ffi.so for every ABI, release, into build/rustJniLibs/<abi>/.
val cargoNdk by tasks.registering(Exec::class) {
    workingDir = repoRoot
    commandLine(
        "cargo", "ndk", "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "-o", jniOut.get().asFile.path, "build", "-p", "quetma-ffi", "--release",
    )
}
tasks.named("preBuild") { dependsOn(cargoNdk) }
