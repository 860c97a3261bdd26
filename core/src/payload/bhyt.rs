//! Reader for the QR code on a BHYT health-insurance card or in VssID (VN-FORMATS §2).
//!
//! The payload is ASCII, `|`-separated, ending with a literal `$` field. Name, address, guardian
//! and office fields are hex of UTF-8; `-` means absent. Three generations are known:
//!
//! | parts | generation | field 0 |
//! |---|---|---|
//! | 10 | [`BhytGeneration::V1`] | 15-character code `XX9PPNNNNNNNNNN` |
//! | 15 | [`BhytGeneration::V2`] | 15-character code |
//! | 17 | [`BhytGeneration::V3`] | 10-digit social-insurance number |
//!
//! Fields 0–8 are the same in all of them (number, name, birth date `dd/MM/yyyy` or `yyyy`, sex
//! `1`/`2`, address, clinic `PP - CCC`, valid from, valid to, issue date). Any other part count
//! of at least 10 is read as fields 0–8 with the rest kept raw ([`BhytGeneration::Unknown`]).
//!
//! **Detection:** the last non-empty `|`-field is `$` and there are at least two fields. No other
//! reader claims such a text. Fewer than 10 parts then give [`BhytError::FieldCount`].
//!
//! Hex fields: a field of hex digits only must have an even length ([`BhytError::Hex`]
//! otherwise) and is decoded as UTF-8; bytes that are not UTF-8 keep the raw hex, and a field with
//! other characters is taken as plain text (older software); both are flagged in
//! [`BhytCard::warnings`].
//!
//! The check string (field 13) cannot be verified offline (§2.4): a BHYT QR is a self-asserted
//! identity token.
//!
//! **Minimisation (§5.4).** Address, clinic, validity dates, guardian, living-area code, 5-year
//! date, check string and office are validated where their format is known, then dropped:
//! [`BhytCard`] keeps the card number, decoded name, birth year and sex.

use std::fmt;

use time::Date;
use unicode_normalization::UnicodeNormalization;

use super::cccd::{
    MAX_YEAR, MIN_YEAR, Sex, clean, digits_value, ends_with_dollar_field, is_plausible_name,
    normalize_name, parse_slashed_date,
};
use super::contact::{ContactRecord, ContactSource, DisplayHint, IdKind};

/// The layout generation, chosen by the part count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BhytGeneration {
    /// 10 parts (≈2018–2019).
    V1,
    /// 15 parts (≈2019–2020).
    V2,
    /// 17 parts (2021 onwards).
    V3,
    /// Another part count of at least 10: fields 0–8 read, the rest kept raw.
    Unknown,
}

/// Which of the two card-number forms field 0 holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BhytNumberKind {
    /// The 15-character code: 2-letter group, benefit digit, 2-digit province, 10-digit number.
    Classic,
    /// The 10-digit social-insurance number (cards from April 2021).
    SocialInsurance,
}

/// Something unusual the reader accepted, but flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BhytWarning {
    /// A hex field held other characters and was taken as plain text.
    PlainTextField {
        /// Index of the field.
        field: usize,
    },
    /// A hex field decoded to bytes that are not UTF-8; the raw hex was kept.
    UndecodableHex {
        /// Index of the field.
        field: usize,
    },
    /// The card-number form is not the usual one for this generation (15-character code in a
    /// 17-part text, or a 10-digit number in a 10- or 15-part text).
    UnexpectedNumberKind,
}

/// A parsed BHYT card QR, already minimised.
///
/// `Debug` is redacted: it shows no name, number or date.
#[derive(Clone, PartialEq, Eq)]
pub struct BhytCard {
    /// Card number (field 0), letters upper-cased.
    pub card_number: String,
    /// Which form the card number has.
    pub number_kind: BhytNumberKind,
    /// Layout generation, from the part count.
    pub generation: BhytGeneration,
    /// Full name, decoded from hex, NFC, whitespace collapsed.
    pub full_name: String,
    /// Year of birth (some cards give only the year).
    pub birth_year: u16,
    /// Sex.
    pub sex: Sex,
    /// For [`BhytGeneration::Unknown`] only: the fields from index 9 up to (not including) the
    /// final `$`, exactly as scanned. Empty for known generations.
    pub extra_fields: Vec<String>,
    /// What was unusual but accepted.
    pub warnings: Vec<BhytWarning>,
}

impl fmt::Debug for BhytCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BhytCard")
            .field("number_kind", &self.number_kind)
            .field("generation", &self.generation)
            .field("extra_fields", &self.extra_fields.len())
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl BhytCard {
    /// The minimised record to seal: card number, decoded name and birth year.
    #[must_use]
    pub fn contact_record(&self) -> ContactRecord {
        ContactRecord {
            full_name: self.full_name.clone(),
            id_number: Some(self.card_number.clone()),
            id_kind: Some(IdKind::Bhyt),
            phone: None,
            birth_year: Some(self.birth_year),
            source: ContactSource::Bhyt,
        }
    }

    /// What staff may see: abbreviated name and birth year.
    #[must_use]
    pub fn display_hint(&self) -> DisplayHint {
        DisplayHint::from_full_name(&self.full_name, Some(self.birth_year))
    }
}

/// Why a text is not a valid BHYT QR. Messages name fields, never their content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BhytError {
    /// The text does not look like a BHYT QR at all.
    #[error("not a BHYT QR")]
    NotThisFormat,
    /// Ends with `$` but has fewer than the 10 parts of the smallest layout.
    #[error("a BHYT QR has at least 10 parts, found {found}")]
    FieldCount {
        /// Number of parts up to and including the `$`.
        found: usize,
    },
    /// Field 0 is neither a 15-character code nor a 10-digit number.
    #[error("the card number (field 0) is malformed")]
    CardNumber,
    /// A required field is empty or `-`.
    #[error("field {field} is required but empty")]
    Missing {
        /// Index of the field.
        field: usize,
    },
    /// A hex field has an odd number of hex digits.
    #[error("field {field} is not valid hex")]
    Hex {
        /// Index of the field.
        field: usize,
    },
    /// The decoded name holds no letters, or control characters.
    #[error("the name (field 1) is not a name")]
    Name,
    /// A date field is malformed or not a real calendar date.
    #[error("field {field} is not a valid date")]
    Date {
        /// Index of the field.
        field: usize,
    },
    /// Field 3 is neither `1` nor `2`.
    #[error("the sex (field 3) is neither 1 nor 2")]
    Sex,
    /// Field 5 is not a `PP - CCC` clinic code.
    #[error("the clinic code (field 5) is malformed")]
    Clinic,
}

/// A birth date as BHYT gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BirthDate {
    Full(Date),
    YearOnly(u16),
}

impl BirthDate {
    fn year(self) -> u16 {
        match self {
            // Years are within MIN_YEAR..=MAX_YEAR, so they fit.
            Self::Full(d) => u16::try_from(d.year()).unwrap_or(0),
            Self::YearOnly(y) => y,
        }
    }
}

/// Everything a BHYT QR holds, validated; only [`BhytCard`] leaves this module.
#[cfg_attr(not(test), allow(dead_code))]
struct FullBhyt {
    card: BhytCard,
    birth: BirthDate,
    address: Option<String>,
    clinic: String,
    valid_from: Date,
    valid_to: Option<Date>,
    issued: Date,
    guardian: Option<String>,
    five_years: Option<Date>,
    check_string: Option<String>,
    office: Option<String>,
}

/// Parses the text of a BHYT card QR.
///
/// # Errors
///
/// [`BhytError::NotThisFormat`] unless the last non-empty `|`-field is `$`, and a
/// specific error for a BHYT-shaped text that fails validation.
pub fn parse(text: &str) -> Result<BhytCard, BhytError> {
    parse_full(text).map(|full| full.card)
}

fn parse_full(text: &str) -> Result<FullBhyt, BhytError> {
    let text = clean(text);
    let mut fields: Vec<&str> = text.split('|').collect();
    if !ends_with_dollar_field(&fields) {
        return Err(BhytError::NotThisFormat);
    }
    // Drop empty fields after the `$`, then the `$` itself.
    while fields.last().is_some_and(|f| f.trim().is_empty()) {
        fields.pop();
    }
    let parts = fields.len();
    fields.pop();
    if parts < 10 {
        return Err(BhytError::FieldCount { found: parts });
    }
    let generation = match parts {
        10 => BhytGeneration::V1,
        15 => BhytGeneration::V2,
        17 => BhytGeneration::V3,
        _ => BhytGeneration::Unknown,
    };
    let field = |i: usize| fields.get(i).map_or("", |f| f.trim());
    let mut warnings = Vec::new();

    // 0: card number.
    let (card_number, number_kind) = parse_card_number(field(0)).ok_or(BhytError::CardNumber)?;
    let expected_kind = match generation {
        BhytGeneration::V1 | BhytGeneration::V2 => Some(BhytNumberKind::Classic),
        BhytGeneration::V3 => Some(BhytNumberKind::SocialInsurance),
        BhytGeneration::Unknown => None,
    };
    if expected_kind.is_some_and(|k| k != number_kind) {
        warnings.push(BhytWarning::UnexpectedNumberKind);
    }

    // 1: name, hex.
    let full_name = normalize_name(
        &hex_text(field(1), 1, &mut warnings)?.ok_or(BhytError::Missing { field: 1 })?,
    );
    if full_name.is_empty() {
        return Err(BhytError::Missing { field: 1 });
    }
    if !is_plausible_name(&full_name) {
        return Err(BhytError::Name);
    }

    // 2: birth date or year.
    let birth = parse_birth(field(2)).ok_or(BhytError::Date { field: 2 })?;

    // 3: sex.
    let sex = match field(3) {
        "1" => Sex::Male,
        "2" => Sex::Female,
        _ => return Err(BhytError::Sex),
    };

    // 4: address, hex or `-`.
    let address = hex_text(field(4), 4, &mut warnings)?;

    // 5: clinic.
    let clinic = parse_clinic(field(5)).ok_or(BhytError::Clinic)?;

    // 6, 7, 8: valid from, valid to (or `-`), issued.
    let valid_from = parse_slashed_date(field(6)).ok_or(BhytError::Date { field: 6 })?;
    let valid_to = optional_date(field(7), 7)?;
    let issued = parse_slashed_date(field(8)).ok_or(BhytError::Date { field: 8 })?;

    let mut full = FullBhyt {
        card: BhytCard {
            card_number,
            number_kind,
            generation,
            birth_year: birth.year(),
            full_name,
            sex,
            extra_fields: Vec::new(),
            warnings: Vec::new(),
        },
        birth,
        address,
        clinic,
        valid_from,
        valid_to,
        issued,
        guardian: None,
        five_years: None,
        check_string: None,
        office: None,
    };

    match generation {
        BhytGeneration::V1 => {}
        BhytGeneration::V2 | BhytGeneration::V3 => {
            // 9 "mã quản lý", 11 living area and 14 (v3) have no confirmed format: not checked.
            full.guardian = hex_text(field(10), 10, &mut warnings)?;
            full.five_years = optional_date(field(12), 12)?;
            full.check_string = Some(field(13))
                .filter(|s| !s.is_empty() && *s != "-")
                .map(str::to_owned);
            if generation == BhytGeneration::V3 {
                full.office = hex_text(field(15), 15, &mut warnings)?;
            }
        }
        BhytGeneration::Unknown => {
            full.card.extra_fields = fields.iter().skip(9).map(|f| (*f).to_owned()).collect();
        }
    }
    full.card.warnings = warnings;
    Ok(full)
}

/// `^[A-Z]{2}\d{13}$` (letters upper-cased) or `^\d{10}$`.
fn parse_card_number(raw: &str) -> Option<(String, BhytNumberKind)> {
    let number = raw.to_ascii_uppercase();
    let b = number.as_bytes();
    if b.len() == 10 && b.iter().all(u8::is_ascii_digit) {
        return Some((number, BhytNumberKind::SocialInsurance));
    }
    let (letters, digits) = (b.get(..2)?, b.get(2..)?);
    if b.len() == 15
        && letters.iter().all(u8::is_ascii_uppercase)
        && digits.iter().all(u8::is_ascii_digit)
    {
        return Some((number, BhytNumberKind::Classic));
    }
    None
}

/// `dd/MM/yyyy` or `yyyy`.
fn parse_birth(raw: &str) -> Option<BirthDate> {
    if raw.len() == 4 {
        let year = u16::try_from(digits_value(raw)?).ok()?;
        return (MIN_YEAR..=MAX_YEAR)
            .contains(&year)
            .then_some(BirthDate::YearOnly(year));
    }
    parse_slashed_date(raw).map(BirthDate::Full)
}

/// `dd/MM/yyyy`, or absent as `-` or empty.
fn optional_date(raw: &str, field: usize) -> Result<Option<Date>, BhytError> {
    if raw.is_empty() || raw == "-" {
        return Ok(None);
    }
    parse_slashed_date(raw)
        .map(Some)
        .ok_or(BhytError::Date { field })
}

/// `PP - CCC` (spaces, `-`, en- or em-dash in between) → `PPCCC`: 2 digits, 3 letters or digits.
fn parse_clinic(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '–' | '—'))
        .collect::<String>()
        .to_ascii_uppercase();
    let b = code.as_bytes();
    let ok = b.len() == 5
        && b.get(..2)?.iter().all(u8::is_ascii_digit)
        && b.get(2..)?.iter().all(u8::is_ascii_alphanumeric);
    ok.then_some(code)
}

/// A hex-of-UTF-8 field. `-` or empty is `None`.
fn hex_text(
    raw: &str,
    field: usize,
    warnings: &mut Vec<BhytWarning>,
) -> Result<Option<String>, BhytError> {
    if raw.is_empty() || raw == "-" {
        return Ok(None);
    }
    if !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        warnings.push(BhytWarning::PlainTextField { field });
        return Ok(Some(raw.nfc().collect()));
    }
    let bytes = hex::decode(raw).map_err(|_| BhytError::Hex { field })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text.nfc().collect())),
        Err(_) => {
            warnings.push(BhytWarning::UndecodableHex { field });
            Ok(Some(raw.to_owned()))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::payload::cccd::tests::{date_strategy, name_strategy};
    use proptest::prelude::*;
    use time::Month;

    pub(crate) const V1: &str = "DN4010123456789|4e677579e1bb856e2056c4836e20416e|15/03/1999|1|53e1bb912031205068e1bb91204de1baab752c205068c6b0e1bb9d6e6720426120c490c3ac6e682c205468c3a06e68207068e1bb912048c3a0204ee1bb9969|01 - 001|01/01/2019|31/12/2019|01/01/2019|$";
    pub(crate) const V2: &str = "DN4010123456789|4e677579e1bb856e2056c4836e20416e|15/03/1999|1|53e1bb912031205068e1bb91204de1baab752c205068c6b0e1bb9d6e6720426120c490c3ac6e682c205468c3a06e68207068e1bb912048c3a0204ee1bb9969|01 - 001|01/01/2020|-|01/01/2020|01010123456789|-|4| 01/01/2025|0123456789abcdef-7102|$";
    pub(crate) const V3: &str = "0123456789|4e677579e1bb856e2056c4836e20416e|15/03/1999|1|-|01 - 001|01/01/2024|-|15/01/2024|01010123456789|-|4| 01/01/2029|0123456789abcdef-1202|4|5175e1baad6e20426120c490c3ac6e682c205468c3a06e68207068e1bb912048c3a0204ee1bb9969|$";

    const ADDRESS: &str = "Số 1 Phố Mẫu, Phường Ba Đình, Thành phố Hà Nội";

    fn date(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap()
    }

    fn with_field(base: &str, i: usize, value: &str) -> String {
        let mut f: Vec<&str> = base.split('|').collect();
        f[i] = value;
        f.join("|")
    }

    #[test]
    fn v1_fixture() {
        let full = parse_full(V1).unwrap();
        assert_eq!(full.card.generation, BhytGeneration::V1);
        assert_eq!(full.card.number_kind, BhytNumberKind::Classic);
        assert_eq!(full.card.card_number, "DN4010123456789");
        assert_eq!(full.card.full_name, "Nguyễn Văn An");
        assert_eq!(full.card.birth_year, 1999);
        assert_eq!(full.card.sex, Sex::Male);
        assert!(full.card.warnings.is_empty());
        assert!(full.card.extra_fields.is_empty());
        assert_eq!(full.birth, BirthDate::Full(date(1999, 3, 15)));
        assert_eq!(full.address.as_deref(), Some(ADDRESS));
        assert_eq!(full.clinic, "01001");
        assert_eq!(full.valid_from, date(2019, 1, 1));
        assert_eq!(full.valid_to, Some(date(2019, 12, 31)));
        assert_eq!(full.issued, date(2019, 1, 1));
    }

    #[test]
    fn v2_fixture() {
        let full = parse_full(V2).unwrap();
        assert_eq!(full.card.generation, BhytGeneration::V2);
        assert_eq!(full.card.full_name, "Nguyễn Văn An");
        assert_eq!(full.address.as_deref(), Some(ADDRESS));
        assert_eq!(full.valid_to, None);
        assert_eq!(full.guardian, None);
        assert_eq!(full.five_years, Some(date(2025, 1, 1)));
        assert_eq!(full.check_string.as_deref(), Some("0123456789abcdef-7102"));
        assert!(full.card.warnings.is_empty());
    }

    #[test]
    fn v3_fixture() {
        let full = parse_full(V3).unwrap();
        assert_eq!(full.card.generation, BhytGeneration::V3);
        assert_eq!(full.card.number_kind, BhytNumberKind::SocialInsurance);
        assert_eq!(full.card.card_number, "0123456789");
        assert_eq!(full.card.full_name, "Nguyễn Văn An");
        assert_eq!(full.card.birth_year, 1999);
        assert_eq!(full.address, None);
        assert_eq!(full.issued, date(2024, 1, 15));
        assert_eq!(full.five_years, Some(date(2029, 1, 1)));
        assert_eq!(
            full.office.as_deref(),
            Some("Quận Ba Đình, Thành phố Hà Nội")
        );
        assert!(full.card.warnings.is_empty());
    }

    #[test]
    fn variants_are_tolerated() {
        // Scanner noise, year-only birth date, en-dash clinic, upper-case hex, lower-case code,
        // empty fields after the `$`.
        let t = with_field(V1, 2, "1999").replace("01 - 001", "01 – C54");
        let t = format!(
            "\u{feff}{}||\r\n\0",
            t.to_uppercase().replacen("DN", "dn", 1)
        );
        let full = parse_full(&t).unwrap();
        assert_eq!(full.card.card_number, "DN4010123456789");
        assert_eq!(full.card.full_name, "Nguyễn Văn An");
        assert_eq!(full.birth, BirthDate::YearOnly(1999));
        assert_eq!(full.card.birth_year, 1999);
        assert_eq!(full.clinic, "01C54");
        assert_eq!(full.card.generation, BhytGeneration::V1);
    }

    #[test]
    fn plain_text_and_undecodable_hex_are_kept_raw() {
        let t = with_field(V1, 1, "Nguyễn Văn An");
        let card = parse(&t).unwrap();
        assert_eq!(card.full_name, "Nguyễn Văn An");
        assert_eq!(
            card.warnings,
            vec![BhytWarning::PlainTextField { field: 1 }]
        );
        let t = with_field(V1, 4, "c328");
        let full = parse_full(&t).unwrap();
        assert_eq!(full.address.as_deref(), Some("c328"));
        assert_eq!(
            full.card.warnings,
            vec![BhytWarning::UndecodableHex { field: 4 }]
        );
    }

    #[test]
    fn unknown_part_count_reads_fields_0_to_8() {
        let t = V2.replace("|$", "|x|$");
        let card = parse(&t).unwrap();
        assert_eq!(card.generation, BhytGeneration::Unknown);
        assert_eq!(card.full_name, "Nguyễn Văn An");
        assert_eq!(card.extra_fields.len(), 15 - 9);
        assert_eq!(card.extra_fields.last().map(String::as_str), Some("x"));
        assert_eq!(
            card.extra_fields.get(3).map(String::as_str),
            Some(" 01/01/2025")
        );
        // A 10-digit number in a 10-part text is flagged.
        let t = with_field(V1, 0, "0123456789");
        assert_eq!(
            parse(&t).unwrap().warnings,
            vec![BhytWarning::UnexpectedNumberKind]
        );
    }

    #[test]
    fn negative_cases_give_specific_errors() {
        assert_eq!(
            parse(&with_field(V1, 1, "4e677579e1bb856e2056c4836e20416")),
            Err(BhytError::Hex { field: 1 })
        );
        assert_eq!(
            parse(&with_field(V3, 15, "517")),
            Err(BhytError::Hex { field: 15 })
        );
        assert_eq!(
            parse(&with_field(V1, 1, "-")),
            Err(BhytError::Missing { field: 1 })
        );
        assert_eq!(parse(&with_field(V1, 1, "313233")), Err(BhytError::Name));
        assert_eq!(
            parse(&with_field(V1, 0, "DN401012345678")),
            Err(BhytError::CardNumber)
        );
        assert_eq!(
            parse(&with_field(V1, 0, "D14010123456789")),
            Err(BhytError::CardNumber)
        );
        assert_eq!(
            parse(&with_field(V3, 0, "012345678X")),
            Err(BhytError::CardNumber)
        );
        assert_eq!(
            parse(&with_field(V1, 2, "31/02/1999")),
            Err(BhytError::Date { field: 2 })
        );
        assert_eq!(
            parse(&with_field(V1, 2, "1999-03-15")),
            Err(BhytError::Date { field: 2 })
        );
        assert_eq!(
            parse(&with_field(V1, 2, "99")),
            Err(BhytError::Date { field: 2 })
        );
        assert_eq!(
            parse(&with_field(V1, 6, "")),
            Err(BhytError::Date { field: 6 })
        );
        assert_eq!(
            parse(&with_field(V1, 7, "32/12/2019")),
            Err(BhytError::Date { field: 7 })
        );
        assert_eq!(
            parse(&with_field(V1, 8, "29/02/2019")),
            Err(BhytError::Date { field: 8 })
        );
        assert!(parse(&with_field(V1, 8, "29/02/2020")).is_ok());
        assert_eq!(
            parse(&with_field(V2, 12, " 1/1/2025")),
            Err(BhytError::Date { field: 12 })
        );
        assert_eq!(parse(&with_field(V1, 3, "0")), Err(BhytError::Sex));
        assert_eq!(
            parse(&with_field(V1, 5, "01 - 0001")),
            Err(BhytError::Clinic)
        );
        assert_eq!(
            parse(&with_field(V1, 5, "AB - 001")),
            Err(BhytError::Clinic)
        );
        assert_eq!(
            parse("DN4010123456789|4e67|15/03/1999|1|$"),
            Err(BhytError::FieldCount { found: 5 })
        );
        assert_eq!(parse("x|$"), Err(BhytError::FieldCount { found: 2 }));
    }

    #[test]
    fn error_messages_hold_no_personal_data() {
        let errors = [
            parse(&with_field(V1, 1, "4e677")),
            parse(&with_field(V1, 2, "31/02/1999")),
            parse(&with_field(V1, 0, "DN40101234567")),
            parse(&with_field(V1, 5, "01 - 0001")),
        ];
        for e in errors {
            let msg = e.unwrap_err().to_string();
            for secret in ["4e677", "1999", "DN4010", "0001"] {
                assert!(!msg.contains(secret), "{msg}");
            }
        }
    }

    #[test]
    fn debug_is_redacted_and_record_minimised() {
        for text in [V1, V2, V3] {
            let full = parse_full(text).unwrap();
            let dbg = format!("{:?} {:?}", full.card, full.card.contact_record());
            for secret in ["Nguyễn", "1999", "0123456789", "DN40"] {
                assert!(!dbg.contains(secret), "{dbg}");
            }
            let record = full.card.contact_record();
            assert_eq!(record.full_name, "Nguyễn Văn An");
            assert_eq!(record.birth_year, Some(1999));
            assert_eq!(record.id_kind, Some(IdKind::Bhyt));
            assert_eq!(record.source, ContactSource::Bhyt);
            let json = serde_json::to_string(&record).unwrap();
            for dropped in [
                "Phố Mẫu",
                "Ba Đình",
                "01001",
                "0123456789abcdef",
                "15/03",
                "01/01/20",
            ] {
                assert!(!json.contains(dropped), "{json}");
            }
            assert_eq!(full.card.display_hint().short_name, "N. V. An");
        }
    }

    #[test]
    fn other_texts_are_not_this_format() {
        let mut others = vec![
            "",
            "$",
            "  $  ",
            "|||||||",
            "HTTPS://QM.VN/V/ABC",
            "HTTPS://QM.VN/V/ABC$",
            "Xin chào 🇻🇳 ✓ ∑ 漢字",
            "a|$|b",
            "$|",
            "|$",
            " | $ ||",
            "079305004321|TRAN THI BINH|2005-11-02|0|100000000000000001|<2<GD4797900000001<0900000000<",
            "******004321|TRAN THI BINH|2005-**-**|0|100000000000000001|<2<<<",
            "001099012345|Nguyễn Văn An|15/03/1999|Nam|Số 1 Phố Mẫu|10/05/2021",
        ];
        others.extend(crate::payload::cccd::tests::FIXTURES);
        for t in others {
            assert_eq!(parse(t), Err(BhytError::NotThisFormat), "{t}");
        }
    }

    // --- property tests ----------------------------------------------------------------------

    #[derive(Debug, Clone)]
    struct Values {
        parts: usize,
        number: String,
        name: String,
        birth: BirthDate,
        sex: Sex,
        address: Option<String>,
        clinic: (String, char, String),
        valid_from: Date,
        valid_to: Option<Date>,
        issued: Date,
        guardian: Option<String>,
        five_years: Option<Date>,
        office: Option<String>,
        upper_hex: bool,
    }

    /// Test-only encoder.
    fn encode(v: &Values) -> String {
        let dmy = |d: Date| format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year());
        let hx = |s: &Option<String>| match s {
            None => "-".to_owned(),
            Some(s) if v.upper_hex => hex::encode_upper(s),
            Some(s) => hex::encode(s),
        };
        let birth = match v.birth {
            BirthDate::Full(d) => dmy(d),
            BirthDate::YearOnly(y) => y.to_string(),
        };
        let sex = match v.sex {
            Sex::Male => "1",
            Sex::Female => "2",
        };
        let mut f = vec![
            v.number.clone(),
            hx(&Some(v.name.clone())),
            birth,
            sex.to_owned(),
            hx(&v.address),
            format!("{} {} {}", v.clinic.0, v.clinic.1, v.clinic.2),
            dmy(v.valid_from),
            v.valid_to.map_or("-".to_owned(), dmy),
            dmy(v.issued),
        ];
        if v.parts >= 15 {
            f.push(format!(
                "0101{}",
                v.number.get(v.number.len() - 10..).unwrap()
            ));
            f.push(hx(&v.guardian));
            f.push("4".to_owned());
            f.push(
                v.five_years
                    .map_or("-".to_owned(), |d| format!(" {}", dmy(d))),
            );
            f.push("0123456789abcdef-1202".to_owned());
        }
        if v.parts == 17 {
            f.push("4".to_owned());
            f.push(hx(&v.office));
        }
        f.push("$".to_owned());
        f.join("|")
    }

    fn values_strategy() -> impl Strategy<Value = Values> {
        (
            prop::sample::select(vec![10usize, 15, 17]),
            prop_oneof!["[A-Z]{2}[1-5][0-9]{12}", "[0-9]{10}"],
            name_strategy(),
            prop_oneof![
                date_strategy(1900, 2030).prop_map(BirthDate::Full),
                (1900u16..2030).prop_map(BirthDate::YearOnly)
            ],
            any::<bool>(),
            prop::option::of(name_strategy()),
            (
                "[0-9]{2}",
                prop::sample::select(vec!['-', '–']),
                "[0-9A-Z]{3}",
            ),
            (
                date_strategy(2015, 2030),
                prop::option::of(date_strategy(2015, 2035)),
                date_strategy(2015, 2030),
            ),
            (
                prop::option::of(name_strategy()),
                prop::option::of(date_strategy(2015, 2035)),
                prop::option::of(name_strategy()),
            ),
            any::<bool>(),
        )
            .prop_map(
                |(parts, number, name, birth, female, address, clinic, dates, more, upper_hex)| {
                    Values {
                        parts,
                        number,
                        name,
                        birth,
                        sex: if female { Sex::Female } else { Sex::Male },
                        address,
                        clinic,
                        valid_from: dates.0,
                        valid_to: dates.1,
                        issued: dates.2,
                        guardian: more.0,
                        five_years: more.1,
                        office: more.2,
                        upper_hex,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn round_trip(v in values_strategy()) {
            let text = encode(&v);
            let full = parse_full(&text).unwrap();
            prop_assert_eq!(&full.card.card_number, &v.number);
            prop_assert_eq!(&full.card.full_name, &v.name);
            prop_assert_eq!(full.birth, v.birth);
            prop_assert_eq!(full.card.birth_year, v.birth.year());
            prop_assert_eq!(full.card.sex, v.sex);
            prop_assert_eq!(&full.address, &v.address);
            prop_assert_eq!(&full.clinic, &format!("{}{}", v.clinic.0, v.clinic.2));
            prop_assert_eq!(full.valid_from, v.valid_from);
            prop_assert_eq!(full.valid_to, v.valid_to);
            prop_assert_eq!(full.issued, v.issued);
            let generation = match v.parts {
                10 => BhytGeneration::V1,
                15 => BhytGeneration::V2,
                _ => BhytGeneration::V3,
            };
            prop_assert_eq!(full.card.generation, generation);
            if v.parts >= 15 {
                prop_assert_eq!(&full.guardian, &v.guardian);
                prop_assert_eq!(full.five_years, v.five_years);
            }
            if v.parts == 17 {
                prop_assert_eq!(&full.office, &v.office);
            }
            prop_assert!(full.card.warnings.iter().all(|w| *w == BhytWarning::UnexpectedNumberKind));
            prop_assert_eq!(crate::payload::cccd::parse(&text), Err(crate::payload::cccd::CccdError::NotThisFormat));
            prop_assert_eq!(crate::payload::national::parse(&text), Err(crate::payload::national::NationalError::NotThisFormat));
        }

        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            let _ = parse(&s);
        }

        #[test]
        fn arbitrary_fields_never_panic(
            f in prop::collection::vec("[0-9a-fA-F/ –-]{0,16}|\\$", 0..20)
        ) {
            let _ = parse(&f.join("|"));
            let _ = parse(&format!("{}|$", f.join("|")));
        }
    }
}
