package vn.quetma.app.screens

import android.view.View
import android.widget.ProgressBar
import vn.quetma.flows.Level
import vn.quetma.flows.ShareCodeView
import vn.quetma.flows.ShareDoneView
import vn.quetma.flows.SharePreviewView
import vn.quetma.flows.ShareVisitView

/** "Share my history", step 1: the health worker's case code, typed or scanned. */
object ShareCodeScreen {
    fun render(ui: Ui, v: ShareCodeView): View = ui.column(
        16,
        ui.text(v.intro, 17f),
        // the field shows the same error beside itself; the banner is read first by TalkBack
        v.error?.let { ui.message(it, Level.DANGER) },
        ui.field(v.code),
        ui.wide(v.next).apply { minHeight = ui.dp(56) },
        ui.wide(v.scan),
    )
}

/**
 * "Share my history", step 2: what the health worker asks, the consent, whose history, the
 * window's visits by day with a check box each (ticked = sent), the summary, send (a spinner
 * while it runs) and a failed send's banner with its action.
 */
object SharePreviewScreen {
    fun render(ui: Ui, v: SharePreviewView): View = ui.column(
        16,
        ui.text(v.intro, 17f),
        ui.card(ui.text(v.consent, 15f)),
        v.profiles.takeIf { it.isNotEmpty() }?.let { ui.choices(it) },
        v.error?.let { ui.banner(it) },
        v.empty?.let { ui.text(it, 17f, muted = true) },
        *v.days.map { d ->
            ui.column(8, ui.heading(d.title, 18f), *d.visits.map { visit(ui, it) }.toTypedArray())
        }.toTypedArray(),
        ui.text(v.summary, 17f, bold = true).apply {
            tag = SUMMARY_TAG
            accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        },
        if (v.busy) ProgressBar(ui.context).apply { isIndeterminate = true; tag = BUSY_TAG } else null,
        ui.wide(v.send).apply { minHeight = ui.dp(56) },
    )

    /**
     * One visit: its check box (the venue; the whole row's width, so a tap anywhere on it
     * toggles; TalkBack reads the core's sentence with "will be sent / not sent"), address, times.
     */
    private fun visit(ui: Ui, r: ShareVisitView): View = ui.card(
        ui.check(r.venue, r.selected) { ui.send(r.toggle) }.apply {
            contentDescription = r.accessibility
            tag = r.visitId
            layoutParams = ui.matchWidth()
        },
        ui.text(r.address, 15f, muted = true).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO },
        ui.text(r.times, 15f).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO },
        bg = ui.color(if (r.selected) "q_surface" else "q_background"),
    )

    /** Tags of the summary line and the spinner (tests). */
    const val SUMMARY_TAG = "share-summary"
    const val BUSY_TAG = "share-busy"
}

/** "Share my history", done: how many visits went to the health worker, back home. */
object ShareDoneScreen {
    fun render(ui: Ui, v: ShareDoneView): View = ui.column(
        16,
        ui.card(
            ui.heading(v.headline, 22f).apply { setTextColor(ui.levelColours(Level.SUCCESS).second) },
            ui.text(v.text, 16f, colour = ui.levelColours(Level.SUCCESS).second),
            bg = ui.levelColours(Level.SUCCESS).first,
        ).apply { accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE },
        ui.wide(v.done).apply { minHeight = ui.dp(56) },
    )
}
