#if canImport(SwiftUI)
import QuetMaFlows
import QuetMaKit
import SwiftUI

// Business mode: the venue's scanner phone. Layout and bindings only.

struct EnrolScreen: View {
    let view: EnrolView
    let model: AppModel

    var body: some View {
        Form {
            Section {
                Text(view.text)
                FieldRow(field: view.code, model: model)
                CoreButton(button: view.scan, model: model)
                CoreButton(button: view.enrol, model: model)
                if view.busy { ProgressView() }
                if let error = view.error { Text(error).foregroundStyle(.red) }
                if let enrolled = view.enrolled { CoreButton(button: enrolled, model: model) }
            }
        }
    }
}

struct CheckpointScreen: View {
    let view: CheckpointView
    let model: AppModel

    var body: some View {
        Form {
            Section { Text(view.venueName).font(.title2).accessibilityAddTraits(.isHeader) }
            FormSection(form: view.form, model: model)
            Section { CoreButton(button: view.leave, model: model) }
        }
    }
}

struct BusinessScanScreen: View {
    let view: BusinessScanView
    let model: AppModel
    let camera: CameraSession

    var body: some View {
        VStack(spacing: 12) {
            Text(view.venueName).font(.headline)
            Text(view.checkpoint).font(.subheadline).foregroundStyle(.secondary)
            if let permission = view.permission {
                Text(permission.text).multilineTextAlignment(.center)
                CoreButton(button: permission.openSettings, model: model)
            } else {
                CameraPreview(session: camera.session).accessibilityLabel(view.hint)
            }
            if let last = view.last {
                VStack {
                    Label(last.title, systemImage: last.kind.symbol).font(.title2).foregroundStyle(last.kind.tint)
                    Text(last.detail)
                }
                .accessibilityElement(children: .combine)
            }
            if let prompt = view.phonePrompt { PhonePromptPanel(prompt: prompt, model: model) }
            Text(view.hint).font(.footnote)
            Text(view.counts.text).font(.headline)
            HStack {
                if let torch = view.torch { CoreButton(button: torch, model: model) }
                CoreButton(button: view.manual, model: model)
            }
            CoreButton(button: view.stop, model: model)
            SyncRow(sync: view.sync, model: model)
        }
        .padding()
    }
}

/// The optional phone number after a card without one (the camera keeps running; the next
/// visitor's code closes it).
struct PhonePromptPanel: View {
    let prompt: PhonePromptView
    let model: AppModel

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(prompt.text)
            FieldRow(field: prompt.field, model: model)
                .textFieldStyle(.roundedBorder)
                .onSubmit { model.tap(prompt.save) }
            HStack {
                CoreButton(button: prompt.save, model: model)
                CoreButton(button: prompt.skip, model: model)
            }
        }
        .padding(12)
        .background(.thinMaterial, in: RoundedRectangle(cornerRadius: 12))
    }
}

extension OutcomeKind {
    var tint: Color {
        switch self {
        case .accepted: .green
        case .alreadyCounted: .orange
        case .rejected: .red
        }
    }

    var symbol: String {
        switch self {
        case .accepted: "checkmark.circle.fill"
        case .alreadyCounted: "arrow.uturn.backward.circle.fill"
        case .rejected: "xmark.octagon.fill"
        }
    }
}

struct ManualEntryScreen: View {
    let form: FormView
    let model: AppModel

    var body: some View {
        Form { FormSection(form: form, model: model) }
    }
}
#endif
