package vn.quetma.app.screens

import android.app.TimePickerDialog
import android.text.format.DateFormat
import android.view.View
import android.widget.Button
import java.util.Calendar
import vn.quetma.flows.ButtonStyle
import vn.quetma.flows.ButtonView
import vn.quetma.flows.EditVisitView
import vn.quetma.flows.HistoryView
import vn.quetma.flows.Level
import vn.quetma.flows.UiEvent

/** The history by day: each visit with its times and actions; the edit panel; delete asked first. */
object HistoryScreen {
    fun render(ui: Ui, v: HistoryView): View = ui.column(
        16,
        v.confirmDelete?.let { ui.dialog(it) },
        v.editing?.let { editor(ui, it) },
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

    /**
     * The times editor: a time picker for in and out (same day as picked), Save sends both to
     * the core, which checks them (out after in, not in the future) and closes the editor or
     * shows its error. The picked times are only presentation state until Save.
     */
    private fun editor(ui: Ui, e: EditVisitView): View {
        var start = e.startMs
        var end = e.endMs
        val save = ButtonView(e.saveLabel, e.saveLabel, UiEvent.SaveVisitTimes(start, end), ButtonStyle.PRIMARY, true)
        fun label(title: String, ms: Long) = "$title ${DateFormat.getTimeFormat(ui.context).format(ms)}"
        fun picker(title: String, ms: () -> Long, set: (Long) -> Unit): Button {
            val b = ui.button(ButtonView(label(title, ms()), label(title, ms()), save.event, ButtonStyle.SECONDARY, true))
            b.setOnClickListener {
                val c = Calendar.getInstance().apply { timeInMillis = ms() }
                TimePickerDialog(ui.context, { _, h, m ->
                    c.set(Calendar.HOUR_OF_DAY, h)
                    c.set(Calendar.MINUTE, m)
                    set(c.timeInMillis)
                    b.text = label(title, c.timeInMillis)
                    b.contentDescription = b.text
                }, c.get(Calendar.HOUR_OF_DAY), c.get(Calendar.MINUTE), DateFormat.is24HourFormat(ui.context)).show()
            }
            return b
        }
        return ui.card(
            ui.heading(e.venue, 18f),
            picker(e.startLabel, { start }) { start = it },
            end?.let { picker(e.endLabel, { end ?: it }) { end = it } },
            e.error?.let { ui.message(it, Level.DANGER) },
            ui.row(
                ui.button(save).apply { setOnClickListener { ui.send(UiEvent.SaveVisitTimes(start, end)) } },
                ui.button(e.cancel),
            ),
        )
    }
}
