// The Gradle build for users (Android Studio, a release pipeline). Nothing on the project's CI
// runs it: Google's Maven repository (the Android Gradle plugin) is not reachable there. CI
// compiles and tests the same sources with android/pom.xml and scripts/build-apk instead.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "quetma-android"
include(":app")
