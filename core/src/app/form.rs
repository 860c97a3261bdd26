//! A form as the shells draw it: fields with labels, values, errors and choices. The
//! declaration, the profile editor, the checkpoint and the manual entry all use it, so the
//! shells draw forms one way.

use std::collections::BTreeMap;

use super::view::{ButtonView, ChoiceView};

/// A form.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct FormView {
    /// Heading.
    pub title: String,
    /// Text above the fields.
    pub intro: Option<String>,
    /// The fields, in order.
    pub fields: Vec<FieldView>,
    /// The main button.
    pub submit: ButtonView,
    /// Other buttons (cancel, withdraw consent).
    pub secondary: Vec<ButtonView>,
    /// A message about the whole form (after a failed submit: how many fields to fix).
    pub error: Option<String>,
}

/// One field.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct FieldView {
    /// Key sent back in `FieldChanged`.
    pub key: String,
    /// Label.
    pub label: String,
    /// Kind of input.
    pub kind: FieldKind,
    /// Current value (`"true"`/`"false"` for a toggle).
    pub value: String,
    /// Required.
    pub required: bool,
    /// What is wrong with it, beside the field.
    pub error: Option<String>,
    /// Choices (for `Choice`; each sends `FieldChanged` with its value).
    pub choices: Vec<ChoiceView>,
    /// Placeholder / help.
    pub help: Option<String>,
}

/// The input a field wants.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// Text in capitals (a name on the declaration).
    Name,
    /// A number (a year).
    Number,
    /// A phone number.
    Phone,
    /// An e-mail address.
    Email,
    /// One of `choices`.
    Choice,
    /// On or off.
    Toggle,
    /// No input: a heading over the fields after it (its label).
    Heading,
}

/// Values typed so far, by key.
pub(crate) type Values = BTreeMap<String, String>;

/// A field with no error and no choices.
pub(crate) fn field(
    key: &str,
    label: String,
    kind: FieldKind,
    values: &Values,
    required: bool,
) -> FieldView {
    FieldView {
        key: key.to_owned(),
        label,
        kind,
        value: values.get(key).cloned().unwrap_or_default(),
        required,
        error: None,
        choices: Vec::new(),
        help: None,
    }
}

/// A toggle's value.
pub(crate) fn is_on(values: &Values, key: &str) -> bool {
    values.get(key).is_some_and(|v| v == "true")
}

/// A trimmed value, `None` when empty.
pub(crate) fn value<'a>(values: &'a Values, key: &str) -> Option<&'a str> {
    values.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

use super::{App, Effect, Route};

impl App {
    /// A field of the current screen's form changed.
    pub(crate) fn field_changed(&mut self, key: &str, value: String) -> Vec<Effect> {
        // Long pastes are cut: no field of the app needs more.
        let value: String = value.chars().take(500).collect();
        match self.route() {
            Route::Declaration => {
                self.declare.values.insert(key.to_owned(), value);
            }
            Route::Profiles => {
                if let Some((_, values, _)) = &mut self.profiles.form {
                    values.insert(key.to_owned(), value);
                }
            }
            Route::BusinessEnrol if key == "enrol_code" => {
                self.business.code = value.trim().to_ascii_uppercase();
            }
            Route::BusinessCheckpoint => {
                self.business.setup.insert(key.to_owned(), value);
            }
            Route::ManualEntry => {
                self.business.manual.insert(key.to_owned(), value);
                self.business.manual_errors.retain(|(k, _)| k != key);
            }
            Route::ShareCode if key == super::share::CODE_FIELD => self.share_code_typed(value),
            Route::BusinessScan if key == super::business::PHONE_FIELD => {
                self.visitor_phone_typed(value);
            }
            _ => {}
        }
        Vec::new()
    }

    /// The current screen's form was submitted.
    pub(crate) fn submit(&mut self) -> Vec<Effect> {
        match self.route() {
            Route::Declaration => self.submit_declaration(),
            Route::Profiles => self.submit_profile(),
            Route::ManualEntry => self.submit_manual(),
            Route::BusinessCheckpoint => self.business_event(super::UiEvent::StartScanning),
            Route::BusinessEnrol => self.business_event(super::UiEvent::Enrol),
            Route::ShareCode => self.submit_case_code(),
            Route::SharePreview => self.share_event(super::UiEvent::SendHistory),
            Route::BusinessScan => self.business_event(super::UiEvent::SaveVisitorPhone),
            _ => Vec::new(),
        }
    }

    /// Whose declaration or personal QR.
    pub(crate) fn select_profile(&mut self, profile_id: String) -> Vec<Effect> {
        match self.route() {
            Route::PersonalQr => self.personal.profile_id = Some(profile_id),
            Route::SharePreview => self.select_share_profile(profile_id),
            _ => {
                self.declare.profile_id = Some(profile_id);
                self.declare.filled_for = None;
            }
        }
        Vec::new()
    }
}
