#if canImport(SwiftUI)
import QuetMaFlows
import QuetMaKit
import SwiftUI

// "Share my history with the health worker" (Chia sẻ lịch sử cho cán bộ y tế). Layout and
// bindings only: the window, the grouping by day, what is ticked, the wording and the send
// are the core's.

/// Step 1: the health worker's case code, typed or scanned.
struct ShareCodeScreen: View {
    let view: ShareCodeView
    let model: AppModel

    var body: some View {
        Form {
            Section {
                Text(view.intro)
                FieldRow(field: view.code, model: model)
                CoreButton(button: view.next, model: model)
                CoreButton(button: view.scan, model: model)
            }
        }
    }
}

/// Step 2: what is asked, the consent, whose history, the visits by day with a check box each,
/// the summary, send (a spinner while it runs) and a failed send's banner with its action.
struct SharePreviewScreen: View {
    let view: SharePreviewView
    let model: AppModel

    var body: some View {
        List {
            Section {
                Text(view.intro)
                Text(view.consent).font(.callout)
            }
            if !view.profiles.isEmpty {
                Section { ChoiceGroup(choices: view.profiles, model: model) }
            }
            if let error = view.error {
                Section { BannerRow(banner: error, model: model) }
            }
            if let empty = view.empty {
                Section { Text(empty).foregroundStyle(.secondary) }
            }
            ForEach(Array(view.days.enumerated()), id: \.offset) { _, day in
                Section(day.title) {
                    ForEach(day.visits, id: \.visitId) { visit in ShareVisitRow(visit: visit, model: model) }
                }
            }
            Section {
                Text(view.summary).font(.headline)
                if view.busy { ProgressView() }
                CoreButton(button: view.send, model: model)
            }
        }
    }
}

/// One visit: a check box (ticked = sent); a tap anywhere on the row sends the core's toggle.
struct ShareVisitRow: View {
    let visit: ShareVisitView
    let model: AppModel

    var body: some View {
        Button { model.send(visit.toggle) } label: {
            HStack(alignment: .top, spacing: 12) {
                Image(systemName: visit.selected ? "checkmark.square.fill" : "square")
                    .font(.title2)
                    .foregroundStyle(visit.selected ? Color.accentColor : Color.secondary)
                VStack(alignment: .leading, spacing: 2) {
                    Text(visit.venue).font(.headline).foregroundStyle(.primary)
                    Text(visit.address).font(.subheadline).foregroundStyle(.secondary)
                    Text(visit.times).font(.subheadline).foregroundStyle(.primary)
                }
            }
        }
        .accessibilityElement(children: .ignore)
        .accessibilityLabel(visit.accessibility)
        .accessibilityAddTraits(visit.selected ? [.isButton, .isSelected] : .isButton)
    }
}

/// Done: how many visits went to the health worker.
struct ShareDoneScreen: View {
    let view: ShareDoneView
    let model: AppModel

    var body: some View {
        VStack(spacing: 16) {
            Spacer()
            Image(systemName: "checkmark.circle.fill")
                .font(.largeTitle)
                .foregroundStyle(.green)
                .accessibilityHidden(true)
            Text(view.headline).font(.title2).multilineTextAlignment(.center).accessibilityAddTraits(.isHeader)
            Text(view.text).multilineTextAlignment(.center)
            Spacer()
            CoreButton(button: view.done, model: model)
        }
        .padding()
    }
}
#endif
