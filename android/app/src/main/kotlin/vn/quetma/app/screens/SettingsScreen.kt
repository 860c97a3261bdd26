package vn.quetma.app.screens

import android.view.View
import vn.quetma.flows.SettingsView

/** Settings: language, export through the share sheet, erase everything, privacy, version. */
object SettingsScreen {
    fun render(ui: Ui, v: SettingsView): View = ui.column(
        18,
        v.confirmReset?.let { ui.dialog(it) },
        ui.choices(v.languages),
        ui.column(8, ui.text(v.exportNote, 15f, muted = true), ui.row(*v.export.map { ui.button(it) }.toTypedArray())),
        ui.wide(v.reset),
        ui.text(v.privacy, 15f, muted = true),
        ui.text(v.version, 13f, muted = true),
    )
}
