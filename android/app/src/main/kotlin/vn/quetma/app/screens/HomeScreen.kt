package vn.quetma.app.screens

import android.view.View
import vn.quetma.flows.HomeView

/** Home: greeting, notices, where the person is checked in now, scan, personal QR, the menu, sync. */
object HomeScreen {
    fun render(ui: Ui, v: HomeView): View = ui.column(
        16,
        ui.heading(v.greeting, 22f),
        *v.banners.map { ui.banner(it) }.toTypedArray(),
        v.setup?.let { ui.wide(it) },
        *v.current.map { c ->
            ui.card(ui.text(c.venue, 18f, bold = true), ui.text(c.detail, 15f, muted = true), ui.button(c.checkOut)).apply {
                contentDescription = null
            }
        }.toTypedArray(),
        ui.wide(v.scan).apply { textSize = 20f; minHeight = ui.dp(64) },
        ui.wide(v.personalQr),
        ui.column(8, *v.menu.map { ui.wide(it) }.toTypedArray()),
        ui.sync(v.sync),
    )
}
