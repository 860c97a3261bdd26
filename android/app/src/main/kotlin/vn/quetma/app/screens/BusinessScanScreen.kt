package vn.quetma.app.screens

import android.view.View
import android.view.ViewGroup
import android.widget.LinearLayout
import vn.quetma.flows.BusinessScanView
import vn.quetma.flows.Level
import vn.quetma.flows.OutcomeKind
import vn.quetma.flows.PhonePromptView

/**
 * Business mode, scanning: the viewfinder, the last visitor's outcome, the counts, the hint,
 * manual entry, torch, stop; the sync line.
 */
object BusinessScanScreen {
    fun render(ui: Ui, v: BusinessScanView, viewfinder: View?): View {
        val outcome = v.last?.let { o ->
            val level = when (o.kind) {
                OutcomeKind.ACCEPTED -> Level.SUCCESS
                OutcomeKind.ALREADY_COUNTED -> Level.INFO
                OutcomeKind.REJECTED -> Level.DANGER
            }
            val (bg, fg) = ui.levelColours(level)
            ui.card(ui.heading(o.title, 20f).apply { setTextColor(fg) }, ui.text(o.detail, 16f, colour = fg), bg = bg).apply {
                tag = OUTCOME_TAG
                accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
            }
        }
        val panel = ui.column(
            10,
            ui.text("${v.venueName} · ${v.checkpoint}", 16f, bold = true),
            outcome,
            v.phonePrompt?.let { phonePrompt(ui, it) },
            ui.text(v.counts.text, 18f, bold = true).apply { tag = COUNTS_TAG },
            ui.text(v.hint, 16f, muted = true),
            ui.row(*listOfNotNull(ui.button(v.manual), v.torch?.let { ui.button(it) }, ui.button(v.stop)).toTypedArray()),
            ui.sync(v.sync),
        ).apply { setPadding(ui.dp(16), ui.dp(12), ui.dp(16), ui.dp(16)) }
        val top = v.permission?.let { ScanScreen.permission(ui, it) } ?: ScanScreen.finder(ui, viewfinder)
        return LinearLayout(ui.context).apply {
            orientation = LinearLayout.VERTICAL
            addView(top, LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, 0, 1f))
            addView(panel, ui.matchWidth())
        }
    }

    /**
     * The optional phone number after a card without one: the core's question, the phone
     * field, save and skip; the camera keeps running (the next visitor's code closes it).
     */
    private fun phonePrompt(ui: Ui, p: PhonePromptView): View = ui.card(
        ui.text(p.text, 16f),
        ui.field(p.field),
        ui.row(ui.button(p.save), ui.button(p.skip)),
        bg = ui.levelColours(Level.INFO).first,
    ).apply { tag = PHONE_TAG }

    /** Tags of the outcome card and the counts line (tests). */
    const val OUTCOME_TAG = "outcome"
    const val COUNTS_TAG = "counts"
    const val PHONE_TAG = "visitor-phone"
}
