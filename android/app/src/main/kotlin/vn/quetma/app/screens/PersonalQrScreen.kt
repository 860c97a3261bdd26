package vn.quetma.app.screens

import android.view.Gravity
import android.view.View
import android.widget.FrameLayout
import android.view.ViewGroup
import vn.quetma.app.PersonalQrView
import vn.quetma.flows.PersonalQrView as PersonalQrModel

/**
 * The personal QR at its true size (the core gives the pixels for this screen's density; the
 * brightness is the core's `SetBrightness` effect), its caption, whose, and the printable card.
 */
object PersonalQrScreen {
    fun render(ui: Ui, v: PersonalQrModel): View = ui.column(
        16,
        v.profiles.takeIf { it.size > 1 }?.let { ui.choices(it) },
        v.code?.let { c ->
            val qr = PersonalQrView(ui.context).apply {
                show(c.modules, c.modulesPerSide.toInt(), c.widthPx, c.heightPx, c.accessibility)
                tag = QR_TAG
            }
            // white around the code whatever the theme: a scanner wants a light quiet zone
            val holder = FrameLayout(ui.context).apply {
                setBackgroundColor(0xFFFFFFFF.toInt())
                addView(qr, FrameLayout.LayoutParams(ViewGroup.LayoutParams.WRAP_CONTENT, ViewGroup.LayoutParams.WRAP_CONTENT, Gravity.CENTER))
            }
            ui.column(
                8,
                holder,
                ui.heading(c.caption, 22f).apply { gravity = Gravity.CENTER },
                c.declaration?.let { ui.text(it, 16f).apply { gravity = Gravity.CENTER } },
            )
        },
        ui.text(v.note, 16f, muted = true).apply { gravity = Gravity.CENTER },
        v.printCard?.let { ui.wide(it) },
    )

    /** The tag of the QR view (tests). */
    const val QR_TAG = "personal-qr"
}
