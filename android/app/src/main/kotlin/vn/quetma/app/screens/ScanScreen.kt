package vn.quetma.app.screens

import android.view.Gravity
import android.view.View
import android.view.ViewGroup
import android.widget.FrameLayout
import android.widget.LinearLayout
import vn.quetma.flows.Level
import vn.quetma.flows.PermissionView
import vn.quetma.flows.ScanView

/**
 * Scanning a poster: the viewfinder (the camera's preview, [viewfinder]) with the core's
 * guidance over it, the torch, "open an image", or the permission panel when the camera is refused.
 */
object ScanScreen {
    fun render(ui: Ui, v: ScanView, viewfinder: View?): View {
        val panel = ui.column(
            10,
            ui.text(v.hint, 18f, bold = true).apply {
                tag = HINT_TAG
                accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
            },
            ui.row(*listOfNotNull(v.torch?.let { ui.button(it) }, ui.button(v.openImage)).toTypedArray()),
        ).apply { setPadding(ui.dp(16), ui.dp(12), ui.dp(16), ui.dp(16)) }
        val top = v.permission?.let { permission(ui, it) } ?: finder(ui, viewfinder)
        return LinearLayout(ui.context).apply {
            orientation = LinearLayout.VERTICAL
            addView(top, LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, 0, 1f))
            addView(panel, ui.matchWidth())
        }
    }

    /** The camera preview in a black frame (when there is no preview, just the frame). */
    fun finder(ui: Ui, viewfinder: View?): View = FrameLayout(ui.context).apply {
        setBackgroundColor(ui.color("q_viewfinder"))
        importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO
        viewfinder?.let {
            (it.parent as? ViewGroup)?.removeView(it)
            addView(it, FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT, Gravity.CENTER))
        }
    }

    /** The camera was refused: why, and the system settings. */
    fun permission(ui: Ui, p: PermissionView): View = ui.column(
        16,
        ui.message(p.text, Level.WARNING),
        ui.wide(p.openSettings),
    ).apply {
        setPadding(ui.dp(16), ui.dp(24), ui.dp(16), ui.dp(16))
        gravity = Gravity.CENTER_VERTICAL
    }

    /** The tag of the guidance line (tests). */
    const val HINT_TAG = "hint"
}
