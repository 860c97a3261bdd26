//! Venue details as typed in the registration form or a CSV row, and their validation.
//! The same rules serve both, so a row of a bulk upload fails exactly where the form would.

use quetma_core::payload::venue::{
    MAX_ADDRESS_CHARS, MAX_DEFAULT_STAY_MINUTES, MAX_NAME_CHARS, VenueCategory,
};
use serde::Deserialize;

use super::i18n::{Lang, Msg};
use crate::wards::{WardLookup, Wards};

/// The raw fields (strings as typed).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VenueForm {
    /// Venue name.
    #[serde(default)]
    pub name: String,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// Ward / commune: a code, a list entry (`Phường Hà Đông · Hà Nội (09556)`) or a name.
    #[serde(default)]
    pub ward: String,
    /// Category name (`shop`, …) or wire code.
    #[serde(default)]
    pub category: String,
    /// Default stay in minutes; empty for the category's typical stay.
    #[serde(default)]
    pub stay_minutes: String,
}

/// Validated venue details (not yet signed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueDraft {
    /// Name, trimmed.
    pub name: String,
    /// Address, trimmed.
    pub address: String,
    /// Commune code.
    pub commune_code: u32,
    /// Category.
    pub category: VenueCategory,
    /// Default stay, minutes.
    pub default_stay_minutes: u32,
}

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field name as in the form and the CSV header.
    pub field: &'static str,
    /// What is wrong.
    pub message: Msg,
}

/// Field errors of a form, looked up by field name from templates.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    lang: Lang,
    errors: Vec<FieldError>,
}

impl FieldErrors {
    /// Errors shown in `lang`.
    pub fn new(lang: Lang, errors: Vec<FieldError>) -> Self {
        Self { lang, errors }
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.get(self.lang))
    }

    /// Whether no field has an error.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Parses a category as its name (`shop`), case-insensitively, or its wire code (`1`).
pub fn parse_category(s: &str) -> Option<VenueCategory> {
    let s = s.trim();
    if let Ok(code) = s.parse::<u8>() {
        return VenueCategory::ALL.into_iter().find(|c| c.code() == code);
    }
    s.to_ascii_lowercase().parse().ok()
}

impl VenueForm {
    /// Checks every field; all problems at once, in field order.
    pub fn validate(&self, wards: &Wards) -> Result<VenueDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = squash(&self.name);
        if name.is_empty() {
            errors.push(err(
                "name",
                "Vui lòng nhập tên địa điểm.",
                "Enter the venue's name.",
            ));
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(err(
                "name",
                format!("Tên dài quá {MAX_NAME_CHARS} ký tự."),
                format!("The name is longer than {MAX_NAME_CHARS} characters."),
            ));
        }
        let address = squash(&self.address);
        if address.is_empty() {
            errors.push(err(
                "address",
                "Vui lòng nhập địa chỉ.",
                "Enter the address.",
            ));
        } else if address.chars().count() > MAX_ADDRESS_CHARS {
            errors.push(err(
                "address",
                format!("Địa chỉ dài quá {MAX_ADDRESS_CHARS} ký tự."),
                format!("The address is longer than {MAX_ADDRESS_CHARS} characters."),
            ));
        }
        let commune_code = match wards.resolve(&self.ward) {
            Ok(code) => Some(code),
            Err(WardLookup::Empty) => {
                errors.push(err(
                    "ward",
                    "Vui lòng chọn phường/xã.",
                    "Choose the ward / commune.",
                ));
                None
            }
            Err(WardLookup::BadCode) => {
                errors.push(err(
                    "ward",
                    "Mã phường/xã gồm tối đa 5 chữ số, ví dụ 09556.",
                    "A ward / commune code is up to 5 digits, e.g. 09556.",
                ));
                None
            }
            Err(WardLookup::Unknown) => {
                let typed = squash(&self.ward);
                errors.push(err(
                    "ward",
                    format!(
                        "Không tìm thấy phường/xã “{typed}”. Chọn trong danh sách hoặc nhập mã 5 chữ số, ví dụ 09556."
                    ),
                    format!(
                        "No ward / commune “{typed}”. Pick one from the list or enter its 5-digit code, e.g. 09556."
                    ),
                ));
                None
            }
            Err(WardLookup::Ambiguous(choices)) => {
                let shown = choices
                    .iter()
                    .take(6)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ");
                errors.push(err(
                    "ward",
                    format!("Có nhiều phường/xã tên này: {shown}. Chọn một mục có mã."),
                    format!("Several units have this name: {shown}. Pick one with its code."),
                ));
                None
            }
        };
        let category = parse_category(&self.category);
        if category.is_none() {
            errors.push(err(
                "category",
                "Loại hình không có trong danh sách.",
                "The category is not one of the list.",
            ));
        }
        let stay = self.stay_minutes.trim();
        let default_stay_minutes = if stay.is_empty() {
            category.map(VenueCategory::typical_stay_minutes)
        } else {
            match stay.parse::<u32>() {
                Ok(m) if (1..=MAX_DEFAULT_STAY_MINUTES).contains(&m) => Some(m),
                _ => {
                    errors.push(err(
                        "stay_minutes",
                        format!("Thời gian lưu lại phải từ 1 đến {MAX_DEFAULT_STAY_MINUTES} phút."),
                        format!("The stay must be 1 to {MAX_DEFAULT_STAY_MINUTES} minutes."),
                    ));
                    None
                }
            }
        };
        match (commune_code, category, default_stay_minutes) {
            (Some(commune_code), Some(category), Some(default_stay_minutes))
                if errors.is_empty() =>
            {
                Ok(VenueDraft {
                    name,
                    address,
                    commune_code,
                    category,
                    default_stay_minutes,
                })
            }
            _ => Err(errors),
        }
    }
}

fn err(field: &'static str, vi: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: Msg::new(vi, en),
    }
}

/// Trims and collapses runs of white space.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An option of the category `<select>`.
#[derive(Debug, Clone)]
pub struct CategoryOption {
    /// `shop`, …
    pub value: &'static str,
    /// Label in the page's language.
    pub label: &'static str,
    /// Whether it is the current choice.
    pub selected: bool,
}

/// Every category as `<select>` options, `selected` marked.
pub fn category_options(lang: Lang, selected: &str) -> Vec<CategoryOption> {
    let selected = parse_category(selected);
    VenueCategory::ALL
        .into_iter()
        .map(|c| CategoryOption {
            value: c.as_str(),
            label: lang.t(c.label_vi(), c.label_en()),
            selected: Some(c) == selected,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, ward: &str, category: &str, stay: &str) -> VenueForm {
        VenueForm {
            name: name.into(),
            address: "1 Quang Trung".into(),
            ward: ward.into(),
            category: category.into(),
            stay_minutes: stay.into(),
        }
    }

    #[test]
    fn good_form_gets_typical_stay() {
        let d = form(" Nhà  thuốc ", "09877", "healthcare", "")
            .validate(&Wards::embedded())
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(d.name, "Nhà thuốc");
        assert_eq!(d.commune_code, 9877);
        assert_eq!(d.default_stay_minutes, 120);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let errors = form("", "12a", "spaceport", "0")
            .validate(&Wards::embedded())
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "ward", "category", "stay_minutes"]);
    }
}
