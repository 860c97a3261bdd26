package vn.quetma.app.screens

import android.view.View
import vn.quetma.flows.ConfirmView
import vn.quetma.flows.Level

/** Confirming a check-in: the venue, who comes along, the expected stay, confirm or cancel. */
object ConfirmScreen {
    fun render(ui: Ui, v: ConfirmView): View = ui.column(
        16,
        ui.card(
            ui.heading(v.venueName, 22f),
            ui.text(v.venueAddress, 16f),
            ui.text(v.category, 15f, muted = true),
        ),
        v.warning?.let { ui.message(it, Level.WARNING) },
        ui.column(4, *v.people.map { p -> ui.check(p.label, p.checked) { ui.send(p.toggle) } }.toTypedArray()),
        ui.choices(v.stay, v.stayLabel),
        ui.text(v.leaveAt, 15f, muted = true),
        ui.wide(v.confirm).apply { minHeight = ui.dp(56) },
        ui.wide(v.cancel),
    )
}
