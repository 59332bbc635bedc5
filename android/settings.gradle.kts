// The Android library of Panel Notes. Needs the Android SDK and NDK and cargo-ndk
// (`cargo install cargo-ndk`), so it builds on a developer's machine, not in this repo's CI;
// CI runs the same Kotlin sources on the JVM (jvm-tests/).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "panelnotes-android"
include(":panelnotes")
