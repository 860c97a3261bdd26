#if canImport(SwiftUI)
import QuetMaCore
import QuetMaKit
import SwiftUI

/// What the launch left: the core's screens once it is open, else why it is not.
struct RootView: View {
    let launch: Launch.State
    let model: AppModel?
    let camera: CameraSession

    var body: some View {
        if let model {
            AppScreen(model: model, camera: camera)
        } else {
            switch launch {
            case .ready:
                ProgressView()
            case .waitingForUnlock:
                // Shown before the core (and its texts) can open: both languages.
                Text("Mở khoá iPhone để tiếp tục.\nUnlock your iPhone to continue.")
                    .multilineTextAlignment(.center)
                    .font(.body)
                    .padding()
            case let .failed(error):
                Text(verbatim: "\(error)")
                    .font(.body)
                    .padding()
            }
        }
    }
}
#endif
