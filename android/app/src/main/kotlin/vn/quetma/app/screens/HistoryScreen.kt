package vn.quetma.app.screens

import android.view.View
import vn.quetma.flows.HistoryView
import vn.quetma.flows.Level

/** The history by day: each visit with its times and actions; the edit panel; delete asked first. */
object HistoryScreen {
    fun render(ui: Ui, v: HistoryView): View = ui.column(
        16,
        v.confirmDelete?.let { ui.dialog(it) },
        v.editing?.let { e ->
            ui.card(
                ui.heading(e.venue, 18f),
                ui.text(e.startLabel),
                ui.text(e.endLabel),
                e.error?.let { ui.message(it, Level.DANGER) },
                ui.button(e.cancel),
            )
        },
        v.empty?.let { ui.text(it, 17f, muted = true) },
        *v.days.map { d ->
            ui.column(
                8,
                ui.heading(d.title, 18f),
                *d.visits.map { r ->
                    ui.card(
                        ui.text(r.venue, 17f, bold = true),
                        ui.text(r.person, 15f),
                        ui.text(r.times, 15f),
                        ui.text(r.status, 15f, muted = true),
                        ui.row(*r.actions.map { ui.button(it) }.toTypedArray()),
                    ).apply {
                        // the row's summary for a screen reader, then its buttons
                        contentDescription = r.accessibility
                        isFocusable = true
                    }
                }.toTypedArray(),
            )
        }.toTypedArray(),
        ui.text(v.retention, 14f, muted = true),
    )
}
