package vn.quetma.app.screens

import android.view.View
import vn.quetma.flows.DeclarationView
import vn.quetma.flows.Level

/** The health declaration: whose, the consent first, then the form; the last one sent. */
object DeclarationScreen {
    fun render(ui: Ui, v: DeclarationView): View = ui.column(
        16,
        v.profiles.takeIf { it.size > 1 }?.let { ui.choices(it) },
        v.empty?.let { ui.text(it, 17f, muted = true) },
        v.last?.let { ui.message(it, Level.SUCCESS) },
        v.consent?.let { c -> ui.card(ui.text(c.text, 16f), ui.wide(c.agree)) },
        v.form?.let { ui.form(it) },
    )
}
