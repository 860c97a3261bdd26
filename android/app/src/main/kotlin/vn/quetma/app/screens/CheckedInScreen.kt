package vn.quetma.app.screens

import android.view.Gravity
import android.view.View
import vn.quetma.flows.CheckedInView
import vn.quetma.flows.Level

/** Checked in: the thank-you, where, who, when; cancel (a wrong venue) or done. */
object CheckedInScreen {
    fun render(ui: Ui, v: CheckedInView): View {
        val (bg, fg) = ui.levelColours(Level.SUCCESS)
        val card = ui.card(
            ui.heading(v.headline, 24f).apply { setTextColor(fg); gravity = Gravity.CENTER },
            ui.text(v.venueName, 20f, bold = true, colour = fg).apply { gravity = Gravity.CENTER },
            ui.text(v.who, 17f, colour = fg).apply { gravity = Gravity.CENTER },
            ui.text(v.times, 17f, colour = fg).apply { gravity = Gravity.CENTER },
            bg = bg,
        )
        if (v.animate) {
            card.scaleX = 0.9f
            card.scaleY = 0.9f
            card.animate().scaleX(1f).scaleY(1f).setDuration(250).start()
        }
        return ui.column(16, card, ui.wide(v.done).apply { minHeight = ui.dp(56) }, ui.wide(v.cancel))
    }
}
