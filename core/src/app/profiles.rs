//! Profiles: the phone's owner and the dependents they check in and declare for.

use super::form::{self, FieldKind, FormView, Values};
use super::history::DialogView;
use super::i18n::Arg;
use super::view::{ButtonStyle, ButtonView, ChoiceView};
use super::{App, Effect, UiEvent};
use crate::citizen::{NewProfile, Relation};
use crate::payload::IdKind;

/// The profiles screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ProfilesView {
    /// The profiles, the owner first.
    pub profiles: Vec<ProfileRowView>,
    /// Add someone.
    pub add: ButtonView,
    /// The editor, when open.
    pub form: Option<FormView>,
    /// The removal confirmation, when asked.
    pub confirm_remove: Option<DialogView>,
}

/// One profile.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileRowView {
    /// The profile.
    pub profile_id: String,
    /// Full name.
    pub name: String,
    /// Relation, birth year.
    pub detail: String,
    /// Edit, remove (not the owner).
    pub actions: Vec<ButtonView>,
}

#[derive(Debug, Default)]
pub(crate) struct ProfilesState {
    /// The editor: the profile edited (`None`: a new one) and the values typed.
    pub(crate) form: Option<(Option<String>, Values, Option<String>)>,
    pub(crate) remove: Option<String>,
    pub(crate) confirm_remove: bool,
}

const RELATIONS: [(Relation, &str); 6] = [
    (Relation::Owner, "owner"),
    (Relation::Child, "child"),
    (Relation::Parent, "parent"),
    (Relation::Grandparent, "grandparent"),
    (Relation::Spouse, "spouse"),
    (Relation::Other, "other"),
];

impl App {
    pub(crate) fn profiles_view(&self) -> ProfilesView {
        let profiles = self.store.profiles().unwrap_or_default();
        let has_owner = profiles.iter().any(|p| p.relation == Relation::Owner);
        let rows = profiles
            .iter()
            .map(|p| {
                let mut actions = vec![
                    ButtonView::new(
                        self.t("edit"),
                        UiEvent::EditProfile {
                            profile_id: p.id.clone(),
                        },
                        ButtonStyle::Secondary,
                    )
                    .described(self.tw("edit-profile-a11y", &[("name", Arg::Str(&p.full_name))])),
                ];
                if p.relation != Relation::Owner {
                    actions.push(
                        ButtonView::new(
                            self.t("remove"),
                            UiEvent::RemoveProfile {
                                profile_id: p.id.clone(),
                            },
                            ButtonStyle::Danger,
                        )
                        .described(
                            self.tw("remove-profile-a11y", &[("name", Arg::Str(&p.full_name))]),
                        ),
                    );
                }
                let detail = match p.birth_year {
                    Some(y) => format!("{} · {y}", self.relation_label(p.relation)),
                    None => self.relation_label(p.relation),
                };
                ProfileRowView {
                    profile_id: p.id.clone(),
                    name: p.full_name.clone(),
                    detail,
                    actions,
                }
            })
            .collect();
        let form = self.profiles.form.as_ref().map(|(editing, values, error)| {
            let editing_owner = editing
                .as_ref()
                .and_then(|id| profiles.iter().find(|p| &p.id == id))
                .is_some_and(|p| p.relation == Relation::Owner);
            let mut fields = Vec::new();
            if editing.is_none() {
                let chosen = values.get("relation").cloned().unwrap_or_default();
                let mut rel = form::field(
                    "relation",
                    self.t("profile-relation"),
                    FieldKind::Choice,
                    values,
                    true,
                );
                rel.choices = RELATIONS
                    .iter()
                    // The first profile is the phone's owner; everyone after is a dependent.
                    .filter(|(r, _)| (*r == Relation::Owner) != has_owner)
                    .map(|(r, key)| ChoiceView {
                        label: self.relation_label(*r),
                        selected: chosen == *key,
                        event: UiEvent::FieldChanged {
                            key: "relation".into(),
                            value: (*key).into(),
                        },
                    })
                    .collect();
                fields.push(rel);
            }
            fields.push(form::field(
                "full_name",
                self.t("profile-name"),
                FieldKind::Text,
                values,
                true,
            ));
            fields.push(form::field(
                "birth_year",
                self.t("profile-birth-year"),
                FieldKind::Number,
                values,
                false,
            ));
            fields.push(form::field(
                "id_number",
                self.t("profile-id"),
                FieldKind::Text,
                values,
                false,
            ));
            let mut phone = form::field(
                "phone",
                self.t("profile-phone"),
                FieldKind::Phone,
                values,
                false,
            );
            if !editing_owner && has_owner {
                phone.help = Some(self.t("profile-phone-guardian"));
            }
            fields.push(phone);
            FormView {
                title: self.t(if editing.is_some() {
                    "profile-edit"
                } else {
                    "profile-add"
                }),
                intro: Some(self.t("profile-privacy")),
                fields,
                submit: ButtonView::new(self.t("save"), UiEvent::Submit, ButtonStyle::Primary),
                secondary: vec![ButtonView::new(
                    self.t("cancel"),
                    UiEvent::Back,
                    ButtonStyle::Plain,
                )],
                error: error.clone(),
            }
        });
        ProfilesView {
            profiles: rows,
            add: ButtonView::new(
                self.t("profile-add"),
                UiEvent::AddProfile,
                ButtonStyle::Primary,
            ),
            form,
            confirm_remove: self.profiles.confirm_remove.then(|| DialogView {
                text: self.t("remove-profile-question"),
                confirm: ButtonView::new(
                    self.t("remove"),
                    UiEvent::ConfirmRemoveProfile,
                    ButtonStyle::Danger,
                ),
                cancel: ButtonView::new(
                    self.t("cancel"),
                    UiEvent::CancelDialog,
                    ButtonStyle::Plain,
                ),
            }),
        }
    }

    pub(crate) fn profiles_event(&mut self, e: UiEvent) -> Vec<Effect> {
        match e {
            UiEvent::AddProfile => {
                let mut values = Values::new();
                let has_owner = self
                    .store
                    .profiles()
                    .unwrap_or_default()
                    .iter()
                    .any(|p| p.relation == Relation::Owner);
                values.insert(
                    "relation".into(),
                    if has_owner { "child" } else { "owner" }.into(),
                );
                if has_owner
                    && let Some(owner) =
                        self.store.profiles().unwrap_or_default().into_iter().next()
                    && let Some(phone) = owner.phone
                {
                    // A dependent without a phone is reached through the owner's number.
                    values.insert("phone".into(), phone);
                }
                self.profiles.form = Some((None, values, None));
                let mut fx = Vec::new();
                if self.route() != super::Route::Profiles {
                    fx.extend(self.navigate(super::Route::Profiles));
                }
                fx
            }
            UiEvent::EditProfile { profile_id } => {
                if let Ok(p) = self.store.profile(&profile_id) {
                    let mut v = Values::new();
                    v.insert("full_name".into(), p.full_name);
                    if let Some(y) = p.birth_year {
                        v.insert("birth_year".into(), y.to_string());
                    }
                    if let Some(i) = p.id_number {
                        v.insert("id_number".into(), i);
                    }
                    if let Some(ph) = p.phone {
                        v.insert("phone".into(), ph);
                    }
                    self.profiles.form = Some((Some(profile_id), v, None));
                }
                Vec::new()
            }
            UiEvent::RemoveProfile { profile_id } => {
                self.profiles.remove = Some(profile_id);
                self.profiles.confirm_remove = true;
                Vec::new()
            }
            UiEvent::ConfirmRemoveProfile => {
                self.profiles.confirm_remove = false;
                let Some(id) = self.profiles.remove.take() else {
                    return Vec::new();
                };
                match self.store.remove_profile(&id) {
                    Ok(()) => vec![Effect::Announce {
                        text: self.t("profile-removed"),
                    }],
                    Err(_) => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn submit_profile(&mut self) -> Vec<Effect> {
        let Some((editing, values, _)) = self.profiles.form.take() else {
            return Vec::new();
        };
        let relation = match (editing.as_ref(), form::value(&values, "relation")) {
            (Some(id), _) => self
                .store
                .profile(id)
                .map(|p| p.relation)
                .unwrap_or(Relation::Other),
            (None, Some(key)) => RELATIONS
                .iter()
                .find(|(_, k)| *k == key)
                .map(|(r, _)| *r)
                .unwrap_or(Relation::Other),
            (None, None) => Relation::Other,
        };
        let birth_year = match form::value(&values, "birth_year") {
            None => None,
            Some(y) => match y.parse::<u16>() {
                Ok(y) => Some(y),
                Err(_) => {
                    let e = Some(self.t("profile-invalid-year"));
                    self.profiles.form = Some((editing, values, e));
                    return vec![Effect::Announce {
                        text: self.t("profile-invalid-year"),
                    }];
                }
            },
        };
        let id_number = form::value(&values, "id_number").map(str::to_owned);
        let new = NewProfile {
            relation,
            full_name: form::value(&values, "full_name").unwrap_or("").to_owned(),
            id_kind: id_number.as_deref().map(|n| {
                if n.len() == 12 && n.chars().all(|c| c.is_ascii_digit()) {
                    IdKind::Cccd
                } else {
                    IdKind::Other
                }
            }),
            id_number,
            phone: form::value(&values, "phone").map(str::to_owned),
            birth_year,
        };
        let result = match &editing {
            Some(id) => self.store.update_profile(id, &new),
            None => self.store.add_profile(&new),
        };
        match result {
            Ok(p) => {
                self.declare.filled_for = None;
                vec![Effect::Announce {
                    text: self.tw("profile-saved", &[("name", Arg::Str(&p.full_name))]),
                }]
            }
            Err(e) => {
                tracing::info!(error = %e, "profile refused");
                let text = self.t("profile-invalid");
                self.profiles.form = Some((editing, values, Some(text.clone())));
                vec![Effect::Announce { text }]
            }
        }
    }
}
