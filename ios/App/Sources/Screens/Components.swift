#if canImport(SwiftUI)
import QuetMaFlows
import QuetMaKit
import SwiftUI

// Pieces every screen uses. Layout and bindings only: texts, accessibility labels, enabled
// states and events are the core's (QuetMaFlows view models); taps go to the AppModel.

/// One of the core's buttons.
struct CoreButton: View {
    let button: ButtonView
    let model: AppModel

    var body: some View {
        Button(role: button.style == .danger ? .destructive : nil) {
            model.tap(button)
        } label: {
            Text(button.label).frame(maxWidth: button.style == .plain ? nil : .infinity)
        }
        .modifier(CoreButtonStyle(style: button.style))
        .disabled(!button.enabled)
        .accessibilityLabel(button.accessibility)
    }
}

private struct CoreButtonStyle: ViewModifier {
    let style: QuetMaFlows.ButtonStyle

    func body(content: Content) -> some View {
        switch style {
        case .primary: content.buttonStyle(.borderedProminent).controlSize(.large)
        case .secondary, .danger: content.buttonStyle(.bordered).controlSize(.large)
        case .plain: content.buttonStyle(.borderless)
        }
    }
}

/// The core's buttons, stacked.
struct CoreButtons: View {
    let buttons: [ButtonView]
    let model: AppModel

    var body: some View {
        ForEach(Array(buttons.enumerated()), id: \.offset) { _, button in
            CoreButton(button: button, model: model)
        }
    }
}

/// A message strip.
struct BannerRow: View {
    let banner: Banner
    let model: AppModel

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Label(banner.text, systemImage: banner.level.symbol)
                .foregroundStyle(banner.level.tint)
            if let action = banner.action { CoreButton(button: action, model: model) }
        }
        .accessibilityElement(children: .combine)
    }
}

extension Level {
    /// System colours only (dark mode safe).
    var tint: Color {
        switch self {
        case .info: .primary
        case .success: .green
        case .warning: .orange
        case .danger: .red
        }
    }

    var symbol: String {
        switch self {
        case .info: "info.circle"
        case .success: "checkmark.circle"
        case .warning: "exclamationmark.triangle"
        case .danger: "exclamationmark.octagon"
        }
    }
}

/// The sync line.
struct SyncRow: View {
    let sync: SyncView
    let model: AppModel

    var body: some View {
        HStack {
            if sync.running { ProgressView() }
            VStack(alignment: .leading) {
                Text(sync.text).font(.footnote)
                if let error = sync.error { Text(error).font(.footnote).foregroundStyle(.red) }
            }
            Spacer()
            if let now = sync.syncNow { CoreButton(button: now, model: model) }
        }
    }
}

/// A group of choices (radio buttons).
struct ChoiceGroup: View {
    let choices: [ChoiceView]
    let model: AppModel

    var body: some View {
        ForEach(Array(choices.enumerated()), id: \.offset) { _, choice in
            Button { model.send(choice.event) } label: {
                HStack {
                    Text(choice.label)
                    Spacer()
                    if choice.selected { Image(systemName: "checkmark") }
                }
            }
            .accessibilityAddTraits(choice.selected ? .isSelected : [])
        }
    }
}

/// The core's form: one row per field, its error beside it.
struct FormSection: View {
    let form: FormView
    let model: AppModel

    var body: some View {
        Section {
            if let intro = form.intro { Text(intro) }
            ForEach(form.fields, id: \.key) { field in FieldRow(field: field, model: model) }
            if let error = form.error { Text(error).foregroundStyle(.red) }
            CoreButton(button: form.submit, model: model)
            CoreButtons(buttons: form.secondary, model: model)
        } header: {
            Text(form.title)
        }
    }
}

/// One field: its input bound to the core's value, changes sent as `FieldChanged`.
struct FieldRow: View {
    let field: FieldView
    let model: AppModel

    private var text: Binding<String> {
        Binding(get: { field.value }, set: { model.fieldChanged(key: field.key, value: $0) })
    }

    private var on: Binding<Bool> {
        Binding(get: { field.value == "true" }, set: { model.fieldChanged(key: field.key, value: $0 ? "true" : "false") })
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            switch field.kind {
            case .heading:
                Text(field.label).font(.headline).accessibilityAddTraits(.isHeader)
            case .toggle:
                Toggle(field.label, isOn: on)
            case .choice:
                Text(field.label).font(.subheadline)
                ChoiceGroup(choices: field.choices, model: model)
            case .text, .name, .number, .phone, .email:
                TextField(field.label, text: text, prompt: field.help.map { Text($0) })
                    .keyboardType(field.kind.keyboard)
                    .textInputAutocapitalization(field.kind == .name ? .characters : .sentences)
                    .accessibilityLabel(field.label)
            }
            if let error = field.error {
                Text(error).font(.footnote).foregroundStyle(.red)
            }
        }
    }
}

extension FieldKind {
    var keyboard: UIKeyboardType {
        switch self {
        case .number: .numberPad
        case .phone: .phonePad
        case .email: .emailAddress
        default: .default
        }
    }
}

/// A yes/no question of the core's, as an alert.
struct DialogModifier: ViewModifier {
    let dialog: DialogView?
    let model: AppModel

    func body(content: Content) -> some View {
        content.alert(
            dialog?.text ?? "",
            // Shown while the core has a dialog; its buttons send the core's events.
            isPresented: Binding(get: { dialog != nil }, set: { _ in })
        ) {
            if let d = dialog {
                Button(d.confirm.label, role: d.confirm.style == .danger ? .destructive : nil) { model.tap(d.confirm) }
                Button(d.cancel.label, role: .cancel) { model.tap(d.cancel) }
            }
        }
    }
}

extension View {
    func coreDialog(_ dialog: DialogView?, _ model: AppModel) -> some View {
        modifier(DialogModifier(dialog: dialog, model: model))
    }
}
#endif
