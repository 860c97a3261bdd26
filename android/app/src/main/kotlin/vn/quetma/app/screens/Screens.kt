package vn.quetma.app.screens

import android.view.View
import vn.quetma.flows.Screen

/** Picks the renderer of [screen]; [viewfinder] is the camera preview the scanners show. */
object Screens {
    fun render(ui: Ui, screen: Screen, viewfinder: View?): View = when (screen) {
        is Screen.Home -> HomeScreen.render(ui, screen.v1)
        is Screen.Scan -> ScanScreen.render(ui, screen.v1, viewfinder)
        is Screen.Confirm -> ConfirmScreen.render(ui, screen.v1)
        is Screen.CheckedIn -> CheckedInScreen.render(ui, screen.v1)
        is Screen.History -> HistoryScreen.render(ui, screen.v1)
        is Screen.Declaration -> DeclarationScreen.render(ui, screen.v1)
        is Screen.PersonalQr -> PersonalQrScreen.render(ui, screen.v1)
        is Screen.Profiles -> ProfilesScreen.render(ui, screen.v1)
        is Screen.Alerts -> AlertsScreen.render(ui, screen.v1)
        is Screen.Settings -> SettingsScreen.render(ui, screen.v1)
        is Screen.Enrol -> EnrolScreen.render(ui, screen.v1)
        is Screen.Checkpoint -> CheckpointScreen.render(ui, screen.v1)
        is Screen.BusinessScan -> BusinessScanScreen.render(ui, screen.v1, viewfinder)
        is Screen.ManualEntry -> ui.form(screen.v1)
        is Screen.ShareCode -> ShareCodeScreen.render(ui, screen.v1)
        is Screen.SharePreview -> SharePreviewScreen.render(ui, screen.v1)
        is Screen.ShareDone -> ShareDoneScreen.render(ui, screen.v1)
    }

    /** Whether [screen] fills the window itself (a camera screen) instead of scrolling. */
    fun fullBleed(screen: Screen): Boolean = when (screen) {
        is Screen.Scan -> screen.v1.permission == null
        is Screen.BusinessScan -> screen.v1.permission == null
        else -> false
    }
}
