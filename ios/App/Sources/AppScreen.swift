#if canImport(SwiftUI)
import QuetMaFlows
import QuetMaKit
import SwiftUI

/// The core's current screen, with its title and back button. The core owns navigation: this
/// view shows whichever screen the model holds (no navigation state of its own).
struct AppScreen: View {
    let model: AppModel
    let camera: CameraSession

    var body: some View {
        NavigationStack {
            content
                .navigationTitle(model.update.title)
                .navigationBarTitleDisplayMode(.inline)
                .navigationBarBackButtonHidden(true)
                .toolbar {
                    if let back = model.update.back {
                        ToolbarItem(placement: .topBarLeading) {
                            Button { model.tap(back) } label: {
                                Label(back.label, systemImage: "chevron.backward")
                            }
                            .accessibilityLabel(back.accessibility)
                        }
                    }
                }
        }
        .environment(\.locale, Locale(identifier: model.update.language == .vi ? "vi" : "en"))
    }

    @ViewBuilder private var content: some View {
        switch model.screen {
        case let .home(v): HomeScreen(view: v, model: model)
        case let .scan(v): ScanScreen(view: v, model: model, camera: camera)
        case let .confirm(v): ConfirmScreen(view: v, model: model)
        case let .checkedIn(v): CheckedInScreen(view: v, model: model)
        case let .history(v): HistoryScreen(view: v, model: model)
        case let .declaration(v): DeclarationScreen(view: v, model: model)
        case let .personalQr(v): PersonalQrScreen(view: v, model: model)
        case let .profiles(v): ProfilesScreen(view: v, model: model)
        case let .alerts(v): AlertsScreen(view: v, model: model)
        case let .settings(v): SettingsScreen(view: v, model: model)
        case let .enrol(v): EnrolScreen(view: v, model: model)
        case let .checkpoint(v): CheckpointScreen(view: v, model: model)
        case let .businessScan(v): BusinessScanScreen(view: v, model: model, camera: camera)
        case let .manualEntry(v): ManualEntryScreen(form: v, model: model)
        case let .shareCode(v): ShareCodeScreen(view: v, model: model)
        case let .sharePreview(v): SharePreviewScreen(view: v, model: model)
        case let .shareDone(v): ShareDoneScreen(view: v, model: model)
        }
    }
}
#endif
