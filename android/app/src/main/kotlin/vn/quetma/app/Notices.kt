package vn.quetma.app

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import vn.quetma.core.Label

/** Notification channels and the notifications the shell posts (texts come from the core). */
object Notices {
    /** Check-out reminders (high importance: they must be seen at the right time). */
    const val CHANNEL_REMINDERS = "reminders"

    /** Notices about the data on the phone and exposure alerts. */
    const val CHANNEL_NOTICES = "notices"

    /** The notification id of the store-reset notice. */
    const val ID_STORE_RESET = 1

    /** Creates (or renames, after a language change) the channels. */
    fun createChannels(context: Context) {
        val nm = context.getSystemService(NotificationManager::class.java) ?: return
        nm.createNotificationChannel(
            NotificationChannel(CHANNEL_REMINDERS, Res.string(context, "channel_reminders"), NotificationManager.IMPORTANCE_HIGH)
                .apply { description = Res.string(context, "channel_reminders_desc") },
        )
        nm.createNotificationChannel(
            NotificationChannel(CHANNEL_NOTICES, Res.string(context, "channel_notices"), NotificationManager.IMPORTANCE_DEFAULT)
                .apply { description = Res.string(context, "channel_notices_desc") },
        )
    }

    /** Tells the user the core started a fresh store, with the core's message. */
    fun storeReset(context: Context, message: Label) {
        val text = Language.current(context).pick(message)
        val open = PendingIntent.getActivity(
            context, 0,
            Intent(context, MainActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK),
            PendingIntent.FLAG_IMMUTABLE,
        )
        val n = Notification.Builder(context, CHANNEL_NOTICES)
            .setSmallIcon(android.R.drawable.stat_sys_warning)
            .setContentTitle(Res.string(context, "app_name"))
            .setContentText(text)
            .setStyle(Notification.BigTextStyle().bigText(text))
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        notify(context, ID_STORE_RESET, n)
    }

    /** Shows an alert the core found (an exposure, by a background sync); [id] replaces an older one. */
    fun alert(context: Context, id: String, title: String, body: String) {
        val open = PendingIntent.getActivity(
            context, 1,
            Intent(context, MainActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK),
            PendingIntent.FLAG_IMMUTABLE,
        )
        val n = Notification.Builder(context, CHANNEL_NOTICES)
            .setSmallIcon(android.R.drawable.stat_sys_warning)
            .setContentTitle(title)
            .setContentText(body)
            .setStyle(Notification.BigTextStyle().bigText(body))
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        notify(context, ALERT_BASE + (id.hashCode() and 0xffff), n)
    }

    private const val ALERT_BASE = 0x10000

    /** Posts [n] unless notifications are off (then there is nothing to do: never a crash). */
    fun notify(context: Context, id: Int, n: Notification) {
        val nm = context.getSystemService(NotificationManager::class.java) ?: return
        try {
            nm.notify(id, n)
        } catch (e: SecurityException) {
            // POST_NOTIFICATIONS denied on Android 13+: the screens show the same text.
        }
    }
}

/** Resources looked up by name (the JVM build generates no R class). */
object Res {
    /** The string resource [name] in the current configuration. */
    fun string(context: Context, name: String): String {
        val id = context.resources.getIdentifier(name, "string", context.packageName)
        return if (id != 0) context.getString(id) else name
    }
}

/** The language the user chose (Vietnamese first; English on request). */
enum class Language {
    VI, EN;

    /** The text of [label] in this language. */
    fun pick(label: Label): String = if (this == EN) label.en else label.vi

    companion object {
        private const val PREFS = "quetma.shell"
        private const val KEY = "language"

        /** The saved choice; Vietnamese until the user picks English. */
        fun current(context: Context): Language =
            if (context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).getString(KEY, "vi") == "en") EN else VI

        /** Saves the user's choice. */
        fun set(context: Context, language: Language) {
            context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).edit()
                .putString(KEY, if (language == EN) "en" else "vi").apply()
        }
    }
}
