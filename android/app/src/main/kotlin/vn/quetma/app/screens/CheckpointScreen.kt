package vn.quetma.app.screens

import android.view.View
import vn.quetma.flows.CheckpointView

/** Business mode, step 2: the venue, checkpoint and direction (a form), or leave business mode. */
object CheckpointScreen {
    fun render(ui: Ui, v: CheckpointView): View = ui.column(
        16,
        ui.heading(v.venueName, 22f),
        ui.form(v.form),
        ui.wide(v.leave),
    )
}
