package vn.quetma.app

import android.Manifest
import android.app.NotificationManager
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config

/** What the manifest declares, as the system reads it, and the Activity receiving App Links. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class ManifestTest {
    private val ctx: Context = RuntimeEnvironment.getApplication()

    @Before
    fun setUp() {
        useTestCore(ctx, "manifest")
    }

    @After
    fun tearDown() = Core.close()

    private fun view(url: String) = Intent(Intent.ACTION_VIEW, Uri.parse(url))
        .addCategory(Intent.CATEGORY_BROWSABLE).setPackage(ctx.packageName)

    private fun handlers(url: String) =
        ctx.packageManager.queryIntentActivities(view(url), PackageManager.MATCH_DEFAULT_ONLY).map { it.activityInfo.name }

    @Test
    fun `poster, enrolment and case code links open the app, other links on the host do not`() {
        assertEquals(listOf(MainActivity::class.java.name), handlers("https://qr.quetma.vn/V/7KQ2M9XH4T"))
        assertEquals(listOf(MainActivity::class.java.name), handlers("https://qr.quetma.vn/E/ABCD1234"))
        assertEquals(listOf(MainActivity::class.java.name), handlers("https://qr.quetma.vn/K/7KQ2M9"))
        assertEquals(emptyList<String>(), handlers("https://qr.quetma.vn/k7KQ2M9"))
        assertEquals(emptyList<String>(), handlers("https://qr.quetma.vn/portal"))
        assertEquals(emptyList<String>(), handlers("http://qr.quetma.vn/V/7KQ2M9XH4T"))
        assertEquals(emptyList<String>(), handlers("https://example.com/V/7KQ2M9XH4T"))
    }

    @Test
    fun `the activity keeps the link it was opened with, and a later one`() {
        val c = Robolectric.buildActivity(MainActivity::class.java, view("https://qr.quetma.vn/V/7KQ2M9XH4T")).setup()
        assertEquals("https://qr.quetma.vn/V/7KQ2M9XH4T", c.get().pendingLink)
        c.newIntent(view("https://qr.quetma.vn/E/ABCD1234"))
        assertEquals("https://qr.quetma.vn/E/ABCD1234", c.get().pendingLink)
        c.destroy()
    }

    @Test
    fun `the permissions the platform duties need are requested`() {
        @Suppress("DEPRECATION")
        val info = ctx.packageManager.getPackageInfo(ctx.packageName, PackageManager.GET_PERMISSIONS)
        val wanted = listOf(
            Manifest.permission.CAMERA, Manifest.permission.VIBRATE, Manifest.permission.POST_NOTIFICATIONS,
            Manifest.permission.RECEIVE_BOOT_COMPLETED, Manifest.permission.SCHEDULE_EXACT_ALARM,
            Manifest.permission.INTERNET, Manifest.permission.ACCESS_NETWORK_STATE,
        )
        assertTrue(info.requestedPermissions!!.toList().containsAll(wanted))
    }

    @Test
    @Config(qualifiers = "vi")
    fun `the channels exist at start, named in Vietnamese on a Vietnamese phone`() {
        val nm = ctx.getSystemService(NotificationManager::class.java)
        assertEquals("Nhắc trả phòng", nm.getNotificationChannel(Notices.CHANNEL_REMINDERS).name)
        assertEquals(NotificationManager.IMPORTANCE_HIGH, nm.getNotificationChannel(Notices.CHANNEL_REMINDERS).importance)
        assertEquals("Thông báo quan trọng", nm.getNotificationChannel(Notices.CHANNEL_NOTICES).name)
    }

    @Test
    @Config(qualifiers = "fr")
    fun `and in Vietnamese, the default, on a phone in a language the app lacks`() {
        val nm = ctx.getSystemService(NotificationManager::class.java)
        assertEquals("Nhắc trả phòng", nm.getNotificationChannel(Notices.CHANNEL_REMINDERS).name)
    }

    @Test
    @Config(qualifiers = "en")
    fun `and in English on an English phone`() {
        val nm = ctx.getSystemService(NotificationManager::class.java)
        assertEquals("Check-out reminders", nm.getNotificationChannel(Notices.CHANNEL_REMINDERS).name)
    }

    @Test
    fun `a store reset is shown in the activity too`() {
        Core.get(ctx).addProfile(owner())
        Core.close()
        FakeAndroidKeyStore.keys.clear()
        val c = Robolectric.buildActivity(MainActivity::class.java).setup()
        assertNotNull(Core.get(ctx).storeReset())
        // the home screen says so first, in the core's words
        val home = (c.get().shown!!.screen as vn.quetma.flows.Screen.Home).v1
        val said = home.banners.first().text
        assertTrue(said.isNotBlank())
        val texts = mutableListOf<String>()
        fun walk(v: android.view.View) {
            if (v is android.widget.TextView) texts += v.text.toString()
            if (v is android.view.ViewGroup) for (i in 0 until v.childCount) walk(v.getChildAt(i))
        }
        walk(c.get().window.decorView)
        assertTrue("$said in $texts", said in texts)
        c.destroy()
    }
}
