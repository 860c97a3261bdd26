package vn.quetma.app

import android.app.AlarmManager
import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.os.Build
import android.util.Log
import org.json.JSONException
import org.json.JSONObject
import vn.quetma.core.QuetMaException

/**
 * A check-out reminder as the core asks for it: when, and the texts (already translated).
 * [id] is the visit's id; the notification's action checks that visit out.
 */
data class Reminder(
    val id: String,
    val atMs: Long,
    val title: String,
    val body: String,
    val actionLabel: String,
) {
    internal fun toJson(): String = JSONObject()
        .put("id", id).put("at", atMs).put("title", title).put("body", body).put("action", actionLabel)
        .toString()

    internal companion object {
        fun fromJson(s: String): Reminder? = try {
            val o = JSONObject(s)
            Reminder(o.getString("id"), o.getLong("at"), o.getString("title"), o.getString("body"), o.getString("action"))
        } catch (e: JSONException) {
            null
        }
    }
}

/**
 * Arms [Reminder]s with `AlarmManager` and keeps them in app-private preferences, so that
 * [BootReceiver] can arm them again after a reboot (alarms do not survive one). An exact alarm
 * when the user allows them (Android 12+), an inexact one that still fires in Doze otherwise.
 */
class ReminderScheduler(private val context: Context) {
    private val alarms = context.getSystemService(AlarmManager::class.java)
    private val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    /** Arms (or re-arms) [r], replacing a reminder with the same id. */
    fun schedule(r: Reminder) {
        prefs.edit().putString(r.id, r.toJson()).apply()
        arm(r)
    }

    /** Disarms and forgets the reminder [id] and removes its notification. */
    fun cancel(id: String) {
        prefs.edit().remove(id).apply()
        alarms.cancel(alarmIntent(id))
        context.getSystemService(NotificationManager::class.java)?.cancel(TAG, id.hashCode())
    }

    /** The reminder [id], if it is still wanted. */
    fun get(id: String): Reminder? = prefs.getString(id, null)?.let { Reminder.fromJson(it) }

    /** Every reminder still wanted. */
    fun all(): List<Reminder> = prefs.all.values.mapNotNull { (it as? String)?.let(Reminder::fromJson) }

    /** Arms every kept reminder again (after a reboot: one already due fires at once). */
    fun restoreAll(): Int {
        val list = all()
        list.forEach(::arm)
        return list.size
    }

    private fun arm(r: Reminder) {
        val pi = alarmIntent(r.id)
        val exact = Build.VERSION.SDK_INT < Build.VERSION_CODES.S || alarms.canScheduleExactAlarms()
        if (exact) {
            alarms.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, r.atMs, pi)
        } else {
            alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, r.atMs, pi)
        }
    }

    private fun alarmIntent(id: String): PendingIntent = PendingIntent.getBroadcast(
        context, id.hashCode(),
        Intent(context, ReminderReceiver::class.java).setAction(ReminderReceiver.ACTION_REMIND)
            .putExtra(ReminderReceiver.EXTRA_ID, id),
        PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
    )

    /** The notification for [r], with its check-out action. */
    fun notification(r: Reminder): Notification {
        val checkOut = PendingIntent.getBroadcast(
            context, r.id.hashCode(),
            Intent(context, ReminderReceiver::class.java).setAction(ReminderReceiver.ACTION_CHECK_OUT)
                .putExtra(ReminderReceiver.EXTRA_ID, r.id),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val open = PendingIntent.getActivity(
            context, r.id.hashCode(),
            Intent(context, MainActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK),
            PendingIntent.FLAG_IMMUTABLE,
        )
        return Notification.Builder(context, Notices.CHANNEL_REMINDERS)
            .setSmallIcon(android.R.drawable.ic_popup_reminder)
            .setContentTitle(r.title)
            .setContentText(r.body)
            .setStyle(Notification.BigTextStyle().bigText(r.body))
            .setCategory(Notification.CATEGORY_REMINDER)
            .setContentIntent(open)
            .setOngoing(true)
            .addAction(Notification.Action.Builder(null, r.actionLabel, checkOut).build())
            .build()
    }

    internal companion object {
        const val PREFS = "quetma.reminders"
        const val TAG = "reminder"
    }
}

/** Shows a due reminder; performs its check-out action through the core. */
class ReminderReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val id = intent.getStringExtra(EXTRA_ID) ?: return
        val scheduler = ReminderScheduler(context)
        when (intent.action) {
            ACTION_REMIND -> {
                val r = scheduler.get(id) ?: return // cancelled meanwhile
                val nm = context.getSystemService(NotificationManager::class.java) ?: return
                try {
                    nm.notify(ReminderScheduler.TAG, id.hashCode(), scheduler.notification(r))
                } catch (e: SecurityException) {
                    // notifications denied: the app's screens still show the open visit
                }
            }
            ACTION_CHECK_OUT -> {
                try {
                    Core.get(context).checkOut(id)
                } catch (e: QuetMaException) {
                    // already checked out or gone: nothing is left to remind about
                    Log.i("QuetMaReminder", "check-out from the notification: ${e.javaClass.simpleName}")
                }
                scheduler.cancel(id)
            }
        }
    }

    companion object {
        /** The alarm went off. */
        const val ACTION_REMIND = "vn.quetma.app.REMIND"

        /** The notification's check-out action. */
        const val ACTION_CHECK_OUT = "vn.quetma.app.CHECK_OUT"

        /** The visit id. */
        const val EXTRA_ID = "id"
    }
}

/** Re-arms the kept reminders after a reboot, an app update or a clock or time-zone change. */
class BootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        when (intent.action) {
            Intent.ACTION_BOOT_COMPLETED, Intent.ACTION_MY_PACKAGE_REPLACED,
            Intent.ACTION_TIME_CHANGED, Intent.ACTION_TIMEZONE_CHANGED,
            -> ReminderScheduler(context).restoreAll()
        }
    }
}
