package vn.quetma.app.screens

import android.view.View
import android.widget.ProgressBar
import vn.quetma.flows.EnrolView
import vn.quetma.flows.Level

/** Business mode, step 1: enrol this phone with the venue's code (scanned or typed). */
object EnrolScreen {
    fun render(ui: Ui, v: EnrolView): View = ui.column(
        16,
        ui.text(v.text, 17f),
        v.error?.let { ui.message(it, Level.DANGER) },
        ui.wide(v.scan),
        ui.field(v.code),
        if (v.busy) ProgressBar(ui.context).apply { isIndeterminate = true } else null,
        ui.wide(v.enrol),
        v.enrolled?.let { ui.wide(it) },
    )
}
