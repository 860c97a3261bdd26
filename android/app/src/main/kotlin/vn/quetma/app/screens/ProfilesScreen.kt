package vn.quetma.app.screens

import android.view.View
import vn.quetma.flows.ProfilesView

/** The people on this phone: each with its actions; the editor form; removal asked first. */
object ProfilesScreen {
    fun render(ui: Ui, v: ProfilesView): View = v.form?.let { ui.form(it) } ?: ui.column(
        16,
        v.confirmRemove?.let { ui.dialog(it) },
        *v.profiles.map { p ->
            ui.card(ui.text(p.name, 18f, bold = true), ui.text(p.detail, 15f, muted = true), ui.row(*p.actions.map { ui.button(it) }.toTypedArray()))
        }.toTypedArray(),
        ui.wide(v.add),
    )
}
