#if canImport(SwiftUI)
import QuetMaFlows
import QuetMaKit
import SwiftUI

// The citizen's screens: one view per core Screen, layout and bindings only.

struct HomeScreen: View {
    let view: HomeView
    let model: AppModel

    var body: some View {
        List {
            Section {
                Text(view.greeting).font(.title2).accessibilityAddTraits(.isHeader)
                ForEach(Array(view.banners.enumerated()), id: \.offset) { _, banner in
                    BannerRow(banner: banner, model: model)
                }
            }
            if !view.current.isEmpty {
                Section {
                    ForEach(view.current, id: \.visitId) { visit in
                        VStack(alignment: .leading, spacing: 6) {
                            Text(visit.venue).font(.headline)
                            Text(visit.detail).font(.subheadline).foregroundStyle(.secondary)
                            CoreButton(button: visit.checkOut, model: model)
                        }
                    }
                }
            }
            Section {
                CoreButton(button: view.scan, model: model)
                CoreButton(button: view.personalQr, model: model)
                if let setup = view.setup { CoreButton(button: setup, model: model) }
            }
            Section { CoreButtons(buttons: view.menu, model: model) }
            Section { SyncRow(sync: view.sync, model: model) }
        }
    }
}

struct ScanScreen: View {
    let view: ScanView
    let model: AppModel
    let camera: CameraSession

    var body: some View {
        VStack(spacing: 16) {
            if let permission = view.permission {
                Spacer()
                Text(permission.text).font(.body).multilineTextAlignment(.center)
                CoreButton(button: permission.openSettings, model: model)
                Spacer()
            } else {
                CameraPreview(session: camera.session)
                    .accessibilityLabel(view.hint)
                    .overlay(alignment: .bottom) {
                        Text(view.hint)
                            .font(.headline)
                            .padding()
                            .background(.regularMaterial, in: RoundedRectangle(cornerRadius: 12))
                            .padding()
                    }
            }
            HStack {
                if let torch = view.torch {
                    CoreButton(button: torch, model: model)
                        .accessibilityAddTraits(view.torchOn ? .isSelected : [])
                }
                CoreButton(button: view.openImage, model: model)
            }
            .padding(.horizontal)
        }
        .accessibilityAction(.escape) { model.back() }
    }
}

struct ConfirmScreen: View {
    let view: ConfirmView
    let model: AppModel

    var body: some View {
        Form {
            Section {
                Text(view.venueName).font(.title2).accessibilityAddTraits(.isHeader)
                Text(view.venueAddress)
                Text(view.category).foregroundStyle(.secondary)
                if let warning = view.warning { Label(warning, systemImage: "exclamationmark.triangle").foregroundStyle(.orange) }
            }
            Section {
                ForEach(view.people, id: \.profileId) { person in
                    Toggle(person.label, isOn: Binding(get: { person.checked }, set: { _ in model.send(person.toggle) }))
                }
            }
            Section(view.stayLabel) {
                ChoiceGroup(choices: view.stay, model: model)
                Text(view.leaveAt).foregroundStyle(.secondary)
            }
            Section {
                CoreButton(button: view.confirm, model: model)
                CoreButton(button: view.cancel, model: model)
            }
        }
    }
}

struct CheckedInScreen: View {
    let view: CheckedInView
    let model: AppModel

    var body: some View {
        VStack(spacing: 16) {
            Spacer()
            Image(systemName: "checkmark.circle.fill")
                .font(.largeTitle)
                .foregroundStyle(.green)
                .symbolEffect(.pulse, isActive: view.animate)
                .accessibilityHidden(true)
            Text(view.headline).font(.title).multilineTextAlignment(.center)
            Text(view.venueName).font(.title3)
            Text(view.who)
            Text(view.times).foregroundStyle(.secondary)
            Spacer()
            CoreButton(button: view.done, model: model)
            CoreButton(button: view.cancel, model: model)
        }
        .padding()
        .accessibilityElement(children: .contain)
    }
}

struct HistoryScreen: View {
    let view: HistoryView
    let model: AppModel

    var body: some View {
        List {
            if let empty = view.empty { Text(empty).foregroundStyle(.secondary) }
            ForEach(Array(view.days.enumerated()), id: \.offset) { _, day in
                Section(day.title) {
                    ForEach(day.visits, id: \.visitId) { row in
                        VStack(alignment: .leading, spacing: 4) {
                            Text(row.venue).font(.headline)
                            Text(row.person)
                            Text(row.times).foregroundStyle(.secondary)
                            Text(row.status).font(.footnote)
                            HStack { CoreButtons(buttons: row.actions, model: model) }
                        }
                        .accessibilityElement(children: .contain)
                        .accessibilityLabel(row.accessibility)
                    }
                }
            }
            Section { Text(view.retention).font(.footnote).foregroundStyle(.secondary) }
        }
        .sheet(isPresented: Binding(get: { view.editing != nil }, set: { _ in })) {
            // Closed by the core (its cancel button or a saved time), not by a swipe.
            if let editing = view.editing { EditVisitSheet(view: editing, model: model).interactiveDismissDisabled() }
        }
        .coreDialog(view.confirmDelete, model)
    }
}

/// The times editor: the pickers hold the picked times; Save sends them to the core
/// (`SaveVisitTimes`), which checks them and closes the editor or shows its error.
struct EditVisitSheet: View {
    let view: EditVisitView
    let model: AppModel
    @State private var start: Date
    @State private var end: Date?

    init(view: EditVisitView, model: AppModel) {
        self.view = view
        self.model = model
        _start = State(initialValue: Date(timeIntervalSince1970: Double(view.startMs) / 1000))
        _end = State(initialValue: view.endMs.map { Date(timeIntervalSince1970: Double($0) / 1000) })
    }

    private func ms(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }

    var body: some View {
        Form {
            Text(view.venue).font(.headline)
            DatePicker(view.startLabel, selection: $start)
            if let picked = end {
                DatePicker(view.endLabel, selection: Binding(get: { picked }, set: { end = $0 }))
            }
            if let error = view.error { Text(error).foregroundStyle(.red) }
            Button(view.saveLabel) {
                model.send(.saveVisitTimes(startMs: ms(start), endMs: end.map(ms)))
            }
            .buttonStyle(.borderedProminent)
            CoreButton(button: view.cancel, model: model)
        }
    }
}

struct DeclarationScreen: View {
    let view: DeclarationView
    let model: AppModel

    var body: some View {
        Form {
            if !view.profiles.isEmpty { Section { ChoiceGroup(choices: view.profiles, model: model) } }
            if let empty = view.empty { Text(empty) }
            if let consent = view.consent {
                Section {
                    Text(consent.text)
                    CoreButton(button: consent.agree, model: model)
                }
            }
            if let form = view.form { FormSection(form: form, model: model) }
            if let last = view.last { Section { Text(last).foregroundStyle(.secondary) } }
        }
    }
}

struct PersonalQrScreen: View {
    let view: PersonalQrView
    let model: AppModel

    var body: some View {
        ScrollView {
            VStack(spacing: 16) {
                ChoiceGroup(choices: view.profiles, model: model)
                if let code = view.code, let side = model.personalQrSidePoints {
                    // The one fixed size: the core's true 5 × 5 cm, in points for this device.
                    QrModules(code: code)
                        .frame(width: side, height: side)
                        .accessibilityElement()
                        .accessibilityLabel(code.accessibility)
                        .accessibilityAddTraits(.isImage)
                    Text(code.caption).font(.title3)
                    if let declaration = code.declaration { Text(declaration) }
                }
                Text(view.note).font(.footnote).foregroundStyle(.secondary).multilineTextAlignment(.center)
                if let card = view.printCard { CoreButton(button: card, model: model) }
            }
            .padding()
        }
    }
}

/// The core's modules (0 dark, 255 light), drawn black on white in any appearance: a scanner
/// reads dark-on-light.
struct QrModules: View {
    let code: QrCodeView

    var body: some View {
        Canvas { context, size in
            let n = Int(code.modulesPerSide)
            guard n > 0 else { return }
            let cell = size.width / CGFloat(n)
            context.fill(Path(CGRect(origin: .zero, size: size)), with: .color(.white))
            var dark = Path()
            for (i, v) in code.modules.enumerated() where v == 0 {
                dark.addRect(CGRect(x: CGFloat(i % n) * cell, y: CGFloat(i / n) * cell, width: cell, height: cell))
            }
            context.fill(dark, with: .color(.black))
        }
    }
}

struct ProfilesScreen: View {
    let view: ProfilesView
    let model: AppModel

    var body: some View {
        Form {
            Section {
                ForEach(view.profiles, id: \.profileId) { row in
                    VStack(alignment: .leading, spacing: 4) {
                        Text(row.name).font(.headline)
                        Text(row.detail).foregroundStyle(.secondary)
                        HStack { CoreButtons(buttons: row.actions, model: model) }
                    }
                }
                CoreButton(button: view.add, model: model)
            }
            if let form = view.form { FormSection(form: form, model: model) }
        }
        .coreDialog(view.confirmRemove, model)
    }
}

struct AlertsScreen: View {
    let view: AlertsView
    let model: AppModel

    var body: some View {
        List {
            if let empty = view.empty { Text(empty).foregroundStyle(.secondary) }
            if let open = view.open {
                Section {
                    Label(open.title, systemImage: open.level.symbol).foregroundStyle(open.level.tint).font(.headline)
                    Text(open.detail)
                    ForEach(Array(open.guidance.enumerated()), id: \.offset) { _, line in Text(line) }
                }
            }
            ForEach(view.alerts, id: \.id) { alert in
                Button { model.tap(alert.open) } label: {
                    VStack(alignment: .leading) {
                        Label(alert.title, systemImage: alert.level.symbol).foregroundStyle(alert.level.tint)
                        Text(alert.detail).foregroundStyle(.secondary).lineLimit(2)
                    }
                }
                .accessibilityLabel(alert.open.accessibility)
            }
        }
    }
}

struct SettingsScreen: View {
    let view: SettingsView
    let model: AppModel

    var body: some View {
        Form {
            Section { ChoiceGroup(choices: view.languages, model: model) }
            Section {
                CoreButtons(buttons: view.export, model: model)
                Text(view.exportNote).font(.footnote).foregroundStyle(.secondary)
            }
            Section { Text(view.privacy).font(.footnote) }
            Section { CoreButton(button: view.reset, model: model) }
            Section { Text(view.version).font(.footnote).foregroundStyle(.secondary) }
        }
        .coreDialog(view.confirmReset, model)
    }
}
#endif
