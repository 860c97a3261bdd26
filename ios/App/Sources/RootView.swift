#if canImport(SwiftUI)
import QuetMaCore
import QuetMaKit
import SwiftUI

/// What the launch left: the app's screens once the core is open, else why it is not.
struct RootView: View {
    let launch: Launch.State

    var body: some View {
        switch launch {
        case .ready:
            // The screens render the core's flows (phase 2 of issue 14).
            ProgressView()
        case .waitingForUnlock:
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
#endif
