// Builds the Rust core for the four Android ABIs with cargo-ndk (16 KB page alignment for
// Android 15+), regenerates the Kotlin bindings with the Android flavour of uniffi.toml, and
// packs both with the idiomatic Kotlin layer into an AAR.
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.2.21"
}

android {
    namespace = "app.panelnotes"
    compileSdk = 35
    ndkVersion = "27.2.12479018"
    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].jniLibs.srcDir(layout.buildDirectory.dir("rustJniLibs"))
    sourceSets["main"].kotlin.srcDir(layout.buildDirectory.dir("generated/uniffi"))
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    implementation("net.java.dev.jna:jna:5.18.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
}

val repoRoot = rootProject.projectDir.parentFile

val cargoNdk by tasks.registering(Exec::class) {
    description = "Builds libpanelnotes_ffi.so for every ABI (mobile profile)."
    workingDir = repoRoot
    environment("RUSTFLAGS", "-C link-arg=-Wl,-z,max-page-size=16384")
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64", "-t", "x86",
        "-o", layout.buildDirectory.dir("rustJniLibs").get().asFile.absolutePath,
        "rustc", "--profile", "mobile", "-p", "panelnotes-ffi", "--crate-type", "cdylib",
    )
}

val uniffiBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin bindings (Android flavour) from a host build."
    workingDir = repoRoot
    commandLine(
        "bash", "-c",
        "cargo build --release -p panelnotes-ffi -p uniffi-bindgen && " +
            "target/release/uniffi-bindgen generate --no-format --language kotlin " +
            "--out-dir '${layout.buildDirectory.dir("generated/uniffi").get().asFile.absolutePath}' " +
            "target/release/libpanelnotes_ffi.so",
    )
}

tasks.named("preBuild") {
    dependsOn(cargoNdk, uniffiBindings)
}
