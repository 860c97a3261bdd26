package vn.quetma.app.screens

import android.view.View
import vn.quetma.flows.AlertView
import vn.quetma.flows.AlertsView

/** Exposure alerts: the list, or one opened with its guidance. */
object AlertsScreen {
    fun render(ui: Ui, v: AlertsView): View = ui.column(
        16,
        v.open?.let { alert(ui, it, open = true) },
        v.empty?.let { ui.text(it, 17f, muted = true) },
        *v.alerts.filter { it.id != v.open?.id }.map { alert(ui, it, open = false) }.toTypedArray(),
    )

    private fun alert(ui: Ui, a: AlertView, open: Boolean): View {
        val (bg, fg) = ui.levelColours(a.level)
        return ui.card(
            ui.heading(a.title, 18f).apply { setTextColor(fg) },
            ui.text(a.detail, 16f, colour = fg),
            *(if (open) a.guidance.map { ui.text("• $it", 16f, colour = fg) } else emptyList()).toTypedArray(),
            if (open) null else ui.button(a.open),
            bg = bg,
        )
    }
}
