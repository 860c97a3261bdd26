//! The health declaration, per profile (the owner may declare for a dependent), behind its own
//! consent (health answers are sensitive data: Law 91/2025), with every failing field marked
//! beside it.

use super::form::{self, FieldKind, FieldView, FormView, Values};
use super::i18n::Arg;
use super::view::{ButtonStyle, ButtonView, ChoiceView};
use super::{App, Effect, Language, UiEvent};
use crate::declaration::{
    CONSENT_TEXT_EN, CONSENT_TEXT_VI, CONTACT_QUESTIONS, ConsentPurpose, DeclarationError,
    DeclarationForm, Field, Sex, Symptom, WARNING_EN, WARNING_VI,
};

/// The declaration screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct DeclarationView {
    /// Whose declaration (the owner and each dependent).
    pub profiles: Vec<ChoiceView>,
    /// The consent to ask first, when the chosen profile has none.
    pub consent: Option<ConsentView>,
    /// The form, once consent is given.
    pub form: Option<FormView>,
    /// "Last declared 02/12/2026: no symptoms".
    pub last: Option<String>,
    /// Set when no profile exists.
    pub empty: Option<String>,
}

/// The consent request.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentView {
    /// The consent text.
    pub text: String,
    /// I agree.
    pub agree: ButtonView,
}

#[derive(Debug, Default)]
pub(crate) struct DeclareState {
    pub(crate) profile_id: Option<String>,
    pub(crate) values: Values,
    pub(crate) errors: Vec<Field>,
    pub(crate) filled_for: Option<String>,
}

fn sex_key(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Other => "other",
    }
}

fn symptom_key(s: Symptom) -> String {
    format!("symptom.{s:?}").to_lowercase()
}

fn field_key(f: Field) -> &'static str {
    match f {
        Field::FullName => "full_name",
        Field::IdNumber => "id_number",
        Field::BirthYear => "birth_year",
        Field::Sex => "sex",
        Field::Nationality => "nationality",
        Field::Province => "province",
        Field::Commune => "commune",
        Field::Street => "street",
        Field::Phone => "phone",
        Field::Email => "email",
        Field::VisitedPlaces => "visited_places",
        Field::Symptoms => "other_symptoms",
        Field::Contacts => "contact.0",
    }
}

impl App {
    fn field_label(&self, f: Field) -> String {
        match self.lang {
            Language::Vi => f.label_vi().to_owned(),
            Language::En => f.label_en().to_owned(),
        }
    }

    /// The chosen profile, or the owner.
    pub(crate) fn chosen_profile(
        &self,
        chosen: Option<&String>,
    ) -> Option<crate::citizen::Profile> {
        let profiles = self.store.profiles().unwrap_or_default();
        chosen
            .and_then(|id| profiles.iter().find(|p| &p.id == id).cloned())
            .or_else(|| profiles.into_iter().next())
    }

    pub(crate) fn profile_choices(&self, chosen: Option<&str>) -> Vec<ChoiceView> {
        self.store
            .profiles()
            .unwrap_or_default()
            .into_iter()
            .map(|p| ChoiceView {
                label: p.full_name.clone(),
                selected: chosen == Some(p.id.as_str()),
                event: UiEvent::SelectProfile { profile_id: p.id },
            })
            .collect()
    }

    /// Prefills the form from the profile (and the last declaration) once per profile.
    fn prefill(&mut self, p: &crate::citizen::Profile) {
        if self.declare.filled_for.as_deref() == Some(p.id.as_str()) {
            return;
        }
        let mut v = Values::new();
        if let Some(last) = self
            .store
            .declarations(&p.id)
            .ok()
            .and_then(|d| d.into_iter().next())
        {
            let f = last.form;
            v.insert("province".into(), f.province);
            v.insert("commune".into(), f.commune);
            v.insert("street".into(), f.street);
            v.insert("nationality".into(), f.nationality);
            v.insert("sex".into(), sex_key(f.sex).into());
            if let Some(e) = f.email {
                v.insert("email".into(), e);
            }
        }
        v.insert("full_name".into(), p.full_name.to_uppercase());
        if let Some(id) = &p.id_number {
            v.insert("id_number".into(), id.clone());
        }
        if let Some(y) = p.birth_year {
            v.insert("birth_year".into(), y.to_string());
        }
        if let Some(ph) = &p.phone {
            v.insert("phone".into(), ph.clone());
        }
        v.entry("nationality".into()).or_insert_with(|| "VN".into());
        self.declare.values = v;
        self.declare.errors.clear();
        self.declare.filled_for = Some(p.id.clone());
    }

    pub(crate) fn declaration_view(&mut self) -> DeclarationView {
        let Some(p) = self.chosen_profile(self.declare.profile_id.as_ref()) else {
            return DeclarationView {
                profiles: Vec::new(),
                consent: None,
                form: None,
                last: None,
                empty: Some(self.t("need-profile")),
            };
        };
        self.prefill(&p);
        let consented = self
            .store
            .current_consent(&p.id, ConsentPurpose::HealthDeclaration)
            .ok()
            .flatten()
            .is_some();
        let last = self
            .store
            .declarations(&p.id)
            .ok()
            .and_then(|d| d.into_iter().next())
            .map(|d| {
                let status = d.form.status();
                let status = match self.lang {
                    Language::Vi => status.label_vi(),
                    Language::En => status.label_en(),
                };
                self.tw(
                    "declaration-last",
                    &[
                        ("date", Arg::Str(&self.date_text(d.declared_at))),
                        ("status", Arg::Str(status)),
                    ],
                )
            });
        let consent = (!consented).then(|| ConsentView {
            text: match self.lang {
                Language::Vi => CONSENT_TEXT_VI.to_owned(),
                Language::En => CONSENT_TEXT_EN.to_owned(),
            },
            agree: ButtonView::new(
                self.t("consent-agree"),
                UiEvent::GrantConsent,
                ButtonStyle::Primary,
            ),
        });
        DeclarationView {
            profiles: self.profile_choices(Some(&p.id)),
            form: consented.then(|| self.declaration_form()),
            consent,
            last,
            empty: None,
        }
    }

    fn declaration_form(&self) -> FormView {
        let v = &self.declare.values;
        let err = |f: Field| {
            self.declare
                .errors
                .contains(&f)
                .then(|| self.t("field-invalid"))
        };
        let mut fields = Vec::new();
        let mut push = |f: Field, kind: FieldKind| {
            let mut fv = form::field(field_key(f), self.field_label(f), kind, v, f.required());
            fv.error = err(f);
            fields.push(fv);
        };
        push(Field::FullName, FieldKind::Name);
        push(Field::IdNumber, FieldKind::Text);
        push(Field::BirthYear, FieldKind::Number);
        let sex = v.get("sex").cloned().unwrap_or_default();
        let mut sex_field = form::field(
            "sex",
            self.field_label(Field::Sex),
            FieldKind::Choice,
            v,
            true,
        );
        sex_field.error = err(Field::Sex);
        sex_field.choices = [Sex::Male, Sex::Female, Sex::Other]
            .into_iter()
            .map(|s| ChoiceView {
                label: self.t(&format!("sex-{}", sex_key(s))),
                selected: sex == sex_key(s),
                event: UiEvent::FieldChanged {
                    key: "sex".into(),
                    value: sex_key(s).into(),
                },
            })
            .collect();
        let mut fields_after = Vec::new();
        let mut push2 = |f: Field, kind: FieldKind| {
            let mut fv = form::field(field_key(f), self.field_label(f), kind, v, f.required());
            fv.error = err(f);
            fields_after.push(fv);
        };
        push2(Field::Nationality, FieldKind::Text);
        push2(Field::Province, FieldKind::Text);
        push2(Field::Commune, FieldKind::Text);
        push2(Field::Street, FieldKind::Text);
        push2(Field::Phone, FieldKind::Phone);
        push2(Field::Email, FieldKind::Email);
        push2(Field::VisitedPlaces, FieldKind::Text);
        fields.push(sex_field);
        fields.extend(fields_after);
        fields.push(FieldView {
            help: None,
            ..form::field(
                "symptoms.heading",
                self.field_label(Field::Symptoms),
                FieldKind::Text,
                v,
                false,
            )
        });
        for s in Symptom::ALL {
            let label = match self.lang {
                Language::Vi => s.label_vi(),
                Language::En => s.label_en(),
            };
            fields.push(form::field(
                &symptom_key(s),
                label.to_owned(),
                FieldKind::Toggle,
                v,
                false,
            ));
        }
        fields.push(form::field(
            "other_symptoms",
            self.t("other-symptoms"),
            FieldKind::Text,
            v,
            false,
        ));
        let mut contacts_heading = form::field(
            "contacts.heading",
            self.field_label(Field::Contacts),
            FieldKind::Text,
            v,
            false,
        );
        contacts_heading.error = err(Field::Contacts);
        fields.push(contacts_heading);
        for (i, (vi, en)) in CONTACT_QUESTIONS.iter().enumerate() {
            let label = match self.lang {
                Language::Vi => *vi,
                Language::En => *en,
            };
            fields.push(form::field(
                &format!("contact.{i}"),
                label.to_owned(),
                FieldKind::Toggle,
                v,
                false,
            ));
        }
        // Headings carry no input: the shells draw a Text field whose key ends in `.heading`
        // as a heading. Mark them by kind instead, so no shell parses keys.
        for f in &mut fields {
            if f.key.ends_with(".heading") {
                f.kind = FieldKind::Heading;
            }
        }
        let errors = self.declare.errors.len();
        FormView {
            title: self.t("title-declaration"),
            intro: Some(match self.lang {
                Language::Vi => WARNING_VI.to_owned(),
                Language::En => WARNING_EN.to_owned(),
            }),
            fields,
            submit: ButtonView::new(
                self.t("declaration-submit"),
                UiEvent::Submit,
                ButtonStyle::Primary,
            ),
            secondary: vec![ButtonView::new(
                self.t("consent-withdraw"),
                UiEvent::WithdrawConsent,
                ButtonStyle::Danger,
            )],
            error: (errors > 0).then(|| {
                self.tw(
                    "form-errors",
                    &[("count", Arg::Num(i64::try_from(errors).unwrap_or(0)))],
                )
            }),
        }
    }

    pub(crate) fn declare_event(&mut self, e: UiEvent) -> Vec<Effect> {
        let Some(p) = self.chosen_profile(self.declare.profile_id.as_ref()) else {
            return Vec::new();
        };
        match e {
            UiEvent::GrantConsent => match self
                .store
                .grant_consent(&p.id, ConsentPurpose::HealthDeclaration)
            {
                Ok(_) => vec![Effect::Announce {
                    text: self.t("consent-given"),
                }],
                Err(e) => {
                    tracing::warn!(error = %e, "consent failed");
                    Vec::new()
                }
            },
            UiEvent::WithdrawConsent => {
                let _ = self
                    .store
                    .withdraw_consent(&p.id, ConsentPurpose::HealthDeclaration);
                self.declare.filled_for = None;
                vec![Effect::Announce {
                    text: self.t("consent-withdrawn"),
                }]
            }
            _ => Vec::new(),
        }
    }

    fn form_from_values(&self) -> DeclarationForm {
        let v = &self.declare.values;
        let text = |k: &str| form::value(v, k).unwrap_or("").to_owned();
        DeclarationForm {
            full_name: text("full_name"),
            id_number: form::value(v, "id_number").map(str::to_owned),
            birth_year: form::value(v, "birth_year")
                .and_then(|y| y.parse().ok())
                .unwrap_or(0),
            sex: match form::value(v, "sex") {
                Some("male") => Sex::Male,
                Some("female") => Sex::Female,
                _ => Sex::Other,
            },
            nationality: text("nationality").to_uppercase(),
            province: text("province"),
            commune: text("commune"),
            street: text("street"),
            phone: text("phone"),
            email: form::value(v, "email").map(str::to_owned),
            visited_places: form::value(v, "visited_places")
                .map(|s| {
                    s.split([',', ';'])
                        .map(|p| p.trim().to_owned())
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            symptoms: Symptom::ALL
                .into_iter()
                .filter(|s| form::is_on(v, &symptom_key(*s)))
                .collect(),
            other_symptoms: form::value(v, "other_symptoms").map(str::to_owned),
            contact_case: form::is_on(v, "contact.0"),
            contact_from_affected_country: form::is_on(v, "contact.1"),
            contact_symptomatic: form::is_on(v, "contact.2"),
        }
    }

    pub(crate) fn submit_declaration(&mut self) -> Vec<Effect> {
        let Some(p) = self.chosen_profile(self.declare.profile_id.as_ref()) else {
            return Vec::new();
        };
        if !self.declare.values.contains_key("sex") {
            self.declare.errors = vec![Field::Sex];
            return vec![Effect::Announce {
                text: self.t("field-invalid"),
            }];
        }
        let owner = self.store.profiles().unwrap_or_default().into_iter().next();
        let by = owner.map(|o| o.id).unwrap_or_else(|| p.id.clone());
        let form = self.form_from_values();
        match self.store.declare(&p.id, &by, &form) {
            Ok(_) => {
                self.declare.errors.clear();
                self.declare.filled_for = None;
                let text = self.tw("declaration-saved", &[("name", Arg::Str(&p.full_name))]);
                self.notice = Some(super::Banner {
                    text: text.clone(),
                    level: super::Level::Success,
                    action: None,
                });
                let mut fx = vec![Effect::Announce { text }];
                fx.extend(self.navigate(super::Route::Home));
                fx
            }
            Err(DeclarationError::Form(e)) => {
                self.declare.errors = e.fields;
                let n = i64::try_from(self.declare.errors.len()).unwrap_or(0);
                vec![Effect::Announce {
                    text: self.tw("form-errors", &[("count", Arg::Num(n))]),
                }]
            }
            Err(DeclarationError::NoConsent) => Vec::new(),
            Err(DeclarationError::Store(e)) => {
                tracing::warn!(error = %e, "declaration failed");
                vec![Effect::Announce {
                    text: self.t("error-storage"),
                }]
            }
        }
    }
}
