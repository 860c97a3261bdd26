//! Reader for the QR code on a CCCD / Căn cước citizen identity card (VN-FORMATS §1).
//!
//! The card writes one line of `|`-separated UTF-8 fields:
//!
//! ```text
//! 0 ID (12 digits) | 1 old CMND (9 digits or empty) | 2 full name | 3 birth date ddMMyyyy
//! | 4 sex Nam/Nữ | 5 residence | 6 issue date ddMMyyyy [| 7.. extra fields of the Căn cước card]
//! ```
//!
//! **Detection.** A text is taken as a CCCD QR when it does not end in a `$` field (that is BHYT),
//! has at least 6 fields, and its fields sit where a CCCD puts them: field 0 looks like an ID
//! number (9–13 characters, at least 8 of them digits, no `*`) and at least one of the birth date,
//! sex or issue-date slots has its shape; or, failing the ID, all three slots have it. Texts that
//! look like a CCCD with too few fields give [`CccdError::FieldCount`]. The national QR (field 2
//! `YYYY-MM-DD`, field 3 `0`/`1`) never matches these slots.
//!
//! **Fallback.** The 6-field form without the old-ID field (the "Zalo" re-typed variant, §1.4),
//! and `dd/MM/yyyy` dates, are accepted but flagged: [`CccdCard::reformatted`] is `true` and
//! [`CccdCard::warnings`] says why.
//!
//! **Minimisation (§5.4).** The residence, old CMND number and issue date are parsed and
//! validated, then dropped: [`CccdCard`] keeps the ID number, name, birth year and sex, whether an
//! old ID was present, and the extra fields of the new card raw (as §1.3 asks).
//!
//! This module also holds the small rules the three card readers share: input cleaning, name
//! and sex-word normalisation, calendar dates and the structure of the 12-digit ID number.

use std::fmt;

use time::{Date, Month};
use unicode_normalization::UnicodeNormalization;

use super::contact::{ContactRecord, ContactSource, DisplayHint, IdKind};

/// Sex as a card states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Male (`Nam`).
    Male,
    /// Female (`Nữ`).
    Female,
}

/// Something unusual the reader accepted, but flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CccdWarning {
    /// Six fields without the old-ID field: a re-typed or re-formatted text, not card output.
    SixFieldLayout,
    /// Dates written `dd/MM/yyyy` instead of the card's `ddMMyyyy`.
    SlashedDates,
    /// The old-ID field holds digits, but not 9 of them (§6.3).
    OldIdUnusualLength,
}

/// A parsed CCCD / Căn cước card QR, already minimised.
///
/// `Debug` is redacted: it shows no name, number or date.
#[derive(Clone, PartialEq, Eq)]
pub struct CccdCard {
    /// The 12-digit personal ID number (validated against the birth year and sex).
    pub id_number: String,
    /// Full name, NFC, runs of whitespace collapsed to one space.
    pub full_name: String,
    /// Year of birth (the full date is checked, then dropped).
    pub birth_year: u16,
    /// Sex.
    pub sex: Sex,
    /// Whether the card carried an old CMND number (the number itself is dropped).
    pub has_old_id: bool,
    /// Fields after the seventh (new Căn cước card), exactly as scanned.
    pub extra_fields: Vec<String>,
    /// `true` when the text is not in the card's own layout (see [`CccdCard::warnings`]).
    pub reformatted: bool,
    /// What was unusual but accepted.
    pub warnings: Vec<CccdWarning>,
}

impl fmt::Debug for CccdCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CccdCard")
            .field("has_old_id", &self.has_old_id)
            .field("extra_fields", &self.extra_fields.len())
            .field("reformatted", &self.reformatted)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl CccdCard {
    /// The minimised record to seal: ID number, name and birth year; never the address, old
    /// CMND or issue date.
    #[must_use]
    pub fn contact_record(&self) -> ContactRecord {
        ContactRecord {
            full_name: self.full_name.clone(),
            id_number: Some(self.id_number.clone()),
            id_kind: Some(IdKind::Cccd),
            phone: None,
            birth_year: Some(self.birth_year),
            source: ContactSource::Cccd,
        }
    }

    /// What staff may see: abbreviated name and birth year.
    #[must_use]
    pub fn display_hint(&self) -> DisplayHint {
        DisplayHint::from_full_name(&self.full_name, Some(self.birth_year))
    }
}

/// Why a text is not a valid CCCD QR. Messages name fields, never their content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CccdError {
    /// The text does not look like a CCCD QR at all.
    #[error("not a CCCD QR")]
    NotThisFormat,
    /// It looks like a CCCD QR but has too few fields.
    #[error("a CCCD QR has at least 7 fields (6 when re-formatted), found {found}")]
    FieldCount {
        /// How many `|`-separated fields the text has.
        found: usize,
    },
    /// Field 0 is not a valid 12-digit personal ID number (shape, province prefix or century).
    #[error("the ID number (field 0) is not a valid 12-digit personal ID number")]
    IdNumber,
    /// The old-ID field holds something other than digits.
    #[error("the old ID number (field 1) is not all digits")]
    OldIdNumber,
    /// A required field is empty.
    #[error("field {field} is required but empty")]
    Missing {
        /// Index of the field in the scanned text.
        field: usize,
    },
    /// The name field holds no letters, or control characters.
    #[error("the name field is not a name")]
    Name,
    /// A date field is malformed or not a real calendar date.
    #[error("field {field} is not a valid date")]
    Date {
        /// Index of the field in the scanned text.
        field: usize,
    },
    /// The sex field is neither `Nam` nor `Nữ`.
    #[error("the sex field is neither Nam nor Nữ")]
    Sex,
    /// The birth year encoded in the ID number differs from the birth-date field.
    #[error("the ID number does not match the birth-date field")]
    BirthYearMismatch,
    /// The sex encoded in the ID number differs from the sex field.
    #[error("the ID number does not match the sex field")]
    SexMismatch,
}

/// Everything a CCCD QR holds, validated; only [`CccdCard`] leaves this module.
struct FullCccd {
    card: CccdCard,
    #[cfg_attr(not(test), allow(dead_code))]
    old_id: Option<String>,
    #[cfg_attr(not(test), allow(dead_code))]
    birth_date: Date,
    #[cfg_attr(not(test), allow(dead_code))]
    address: String,
    #[cfg_attr(not(test), allow(dead_code))]
    issue_date: Date,
}

/// Parses the text of a CCCD / Căn cước card QR.
///
/// # Errors
///
/// [`CccdError::NotThisFormat`] for texts that are not CCCD-shaped at all, and a specific
/// error for a CCCD-shaped text that fails validation.
pub fn parse(text: &str) -> Result<CccdCard, CccdError> {
    parse_full(text).map(|full| full.card)
}

/// Where the fields sit in one of the two accepted layouts.
struct Layout {
    old_id: Option<usize>,
    name: usize,
    birth: usize,
    sex: usize,
    address: usize,
    issue: usize,
    extras_from: usize,
}

const CARD_LAYOUT: Layout = Layout {
    old_id: Some(1),
    name: 2,
    birth: 3,
    sex: 4,
    address: 5,
    issue: 6,
    extras_from: 7,
};

const SIX_FIELD_LAYOUT: Layout = Layout {
    old_id: None,
    name: 1,
    birth: 2,
    sex: 3,
    address: 4,
    issue: 5,
    extras_from: 6,
};

fn parse_full(text: &str) -> Result<FullCccd, CccdError> {
    let text = clean(text);
    let fields: Vec<&str> = text.split('|').collect();
    if ends_with_dollar_field(&fields) {
        return Err(CccdError::NotThisFormat);
    }
    let layout = detect(&fields)?;
    let mut warnings = Vec::new();
    let six = layout.old_id.is_none();
    if six {
        warnings.push(CccdWarning::SixFieldLayout);
    }
    let field = |i: usize| fields.get(i).map_or("", |f| f.trim());

    // 0: the ID number.
    let id_number = field(0);
    let facts = personal_id_facts(id_number).ok_or(CccdError::IdNumber)?;

    // 1: the old CMND number, if any.
    let old_id = match layout.old_id {
        None => None,
        Some(i) => {
            let old = field(i);
            if old.is_empty() {
                None
            } else if !old.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CccdError::OldIdNumber);
            } else {
                if old.len() != 9 {
                    warnings.push(CccdWarning::OldIdUnusualLength);
                }
                Some(old.to_owned())
            }
        }
    };

    // 2: the name.
    let full_name = normalize_name(field(layout.name));
    if full_name.is_empty() {
        return Err(CccdError::Missing { field: layout.name });
    }
    if !is_plausible_name(&full_name) {
        return Err(CccdError::Name);
    }

    // 3: the birth date.
    let mut slashed = false;
    let birth_date = parse_card_date(field(layout.birth), &mut slashed).ok_or(CccdError::Date {
        field: layout.birth,
    })?;

    // 4: sex.
    let sex = parse_sex_word(field(layout.sex)).ok_or(CccdError::Sex)?;

    // The ID number against fields 3 and 4.
    if u16::try_from(birth_date.year()).ok() != Some(facts.birth_year) {
        return Err(CccdError::BirthYearMismatch);
    }
    if facts.sex != sex {
        return Err(CccdError::SexMismatch);
    }

    // 5: residence (validated, then dropped).
    let address: String = field(layout.address).nfc().collect();
    if address.is_empty() {
        return Err(CccdError::Missing {
            field: layout.address,
        });
    }

    // 6: issue date, not before the birth date.
    let issue_date = parse_card_date(field(layout.issue), &mut slashed)
        .filter(|d| *d >= birth_date)
        .ok_or(CccdError::Date {
            field: layout.issue,
        })?;
    if slashed {
        warnings.push(CccdWarning::SlashedDates);
    }

    let extra_fields = fields
        .iter()
        .skip(layout.extras_from)
        .map(|f| (*f).to_owned())
        .collect();

    Ok(FullCccd {
        card: CccdCard {
            id_number: id_number.to_owned(),
            full_name,
            birth_year: facts.birth_year,
            sex,
            has_old_id: old_id.is_some(),
            extra_fields,
            reformatted: six || slashed,
            warnings,
        },
        old_id,
        birth_date,
        address,
        issue_date,
    })
}

/// Decides whether the fields are a CCCD QR, and in which layout.
fn detect(fields: &[&str]) -> Result<&'static Layout, CccdError> {
    let at = |i: usize| fields.get(i).map_or("", |f| f.trim());
    let id_like = looks_like_id(at(0));
    let slots = |l: &Layout| {
        let birth = date_shaped(at(l.birth));
        let sex = parse_sex_word(at(l.sex)).is_some();
        let issue = date_shaped(at(l.issue));
        (id_like && (birth || sex || issue)) || (birth && sex && issue)
    };
    let n = fields.len();
    if n >= 7 && slots(&CARD_LAYOUT) {
        return Ok(&CARD_LAYOUT);
    }
    if n == 6 {
        if slots(&SIX_FIELD_LAYOUT) {
            return Ok(&SIX_FIELD_LAYOUT);
        }
        // A card layout cut short (the birth-date or sex slot still in place).
        if id_like && (date_shaped(at(3)) || parse_sex_word(at(4)).is_some()) {
            return Err(CccdError::FieldCount { found: n });
        }
    }
    if (3..6).contains(&n)
        && id_like
        && fields
            .iter()
            .skip(1)
            .any(|f| date_shaped(f.trim()) || parse_sex_word(f).is_some())
    {
        return Err(CccdError::FieldCount { found: n });
    }
    Err(CccdError::NotThisFormat)
}

fn looks_like_id(f: &str) -> bool {
    let len = f.chars().count();
    let digits = f.bytes().filter(u8::is_ascii_digit).count();
    (9..=13).contains(&len) && digits >= 8 && !f.contains('*')
}

/// `ddMMyyyy` or `dd/MM/yyyy` by shape only (digits where digits go).
fn date_shaped(f: &str) -> bool {
    let b = f.as_bytes();
    match b.len() {
        8 => b.iter().all(u8::is_ascii_digit),
        10 => b.iter().enumerate().all(|(i, c)| {
            if i == 2 || i == 5 {
                *c == b'/'
            } else {
                c.is_ascii_digit()
            }
        }),
        _ => false,
    }
}

/// A CCCD date: `ddMMyyyy` (card) or `dd/MM/yyyy` (re-formatted, sets `slashed`).
fn parse_card_date(f: &str, slashed: &mut bool) -> Option<Date> {
    if let Some(d) = parse_compact_date(f) {
        return Some(d);
    }
    let d = parse_slashed_date(f)?;
    *slashed = true;
    Some(d)
}

// ---------------------------------------------------------------------------------------------
// Rules shared by the CCCD, BHYT and national-QR readers.
// ---------------------------------------------------------------------------------------------

/// Earliest year accepted in any card date.
pub(crate) const MIN_YEAR: u16 = 1800;
/// Latest year accepted in any card date (the ID number's century digit reaches the 2300s).
pub(crate) const MAX_YEAR: u16 = 2399;

/// Strips what scanners add around a payload: a BOM, whitespace, CR-LF and NUL, at both ends.
pub(crate) fn clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\0')
}

/// Whether the last non-empty `|`-field is `$`: the BHYT marker no other reader claims.
/// A `$` with only empty fields before it is not enough.
pub(crate) fn ends_with_dollar_field(fields: &[&str]) -> bool {
    let mut non_empty = fields
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .rev();
    non_empty.next() == Some("$") && non_empty.next().is_some()
}

/// NFC, trimmed, inner runs of whitespace collapsed to one space.
pub(crate) fn normalize_name(raw: &str) -> String {
    crate::text::normalise(raw)
}

/// A name has at least one letter and no control characters.
pub(crate) fn is_plausible_name(name: &str) -> bool {
    name.chars().any(char::is_alphabetic) && !name.chars().any(char::is_control)
}

/// `Nam` / `Nữ` in any case, NFC or not; `Nu` (diacritics lost by a scanner) is accepted too.
pub(crate) fn parse_sex_word(raw: &str) -> Option<Sex> {
    let word: String = raw.trim().nfc().collect::<String>().to_lowercase();
    match word.as_str() {
        "nam" => Some(Sex::Male),
        "nữ" | "nu" => Some(Sex::Female),
        _ => None,
    }
}

/// Parses `n` ASCII digits as a number; `None` for anything else.
pub(crate) fn digits_value(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A real calendar date (leap years included) within [`MIN_YEAR`]..=[`MAX_YEAR`].
pub(crate) fn calendar_date(year: u32, month: u32, day: u32) -> Option<Date> {
    let year = u16::try_from(year).ok()?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::from(year), month, u8::try_from(day).ok()?).ok()
}

/// `ddMMyyyy`, exactly 8 digits.
pub(crate) fn parse_compact_date(s: &str) -> Option<Date> {
    if s.len() != 8 {
        return None;
    }
    let (dd, rest) = (s.get(0..2)?, s.get(2..)?);
    let (mm, yyyy) = (rest.get(0..2)?, rest.get(2..)?);
    calendar_date(digits_value(yyyy)?, digits_value(mm)?, digits_value(dd)?)
}

/// `dd/MM/yyyy`, exactly.
pub(crate) fn parse_slashed_date(s: &str) -> Option<Date> {
    let mut parts = s.split('/');
    let (dd, mm, yyyy) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || dd.len() != 2 || mm.len() != 2 || yyyy.len() != 4 {
        return None;
    }
    calendar_date(digits_value(yyyy)?, digits_value(mm)?, digits_value(dd)?)
}

/// The 63 pre-2025 province codes (GSO, 2 digits) that prefix a 12-digit ID number as `0PP`
/// (§1.6). The 34 post-2025 codes are all among them.
const PROVINCE_CODES: [u8; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// What the structure of a 12-digit personal ID number says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IdFacts {
    /// Birth year from the century digit and digits 5–6.
    pub(crate) birth_year: u16,
    /// Sex from the parity of the century digit.
    pub(crate) sex: Sex,
}

/// Validates a 12-digit personal ID number (12 ASCII digits, a province prefix from the 63
/// pre-2025 codes or a country code `101`–`295`) and reads the birth year and sex it encodes.
pub(crate) fn personal_id_facts(id: &str) -> Option<IdFacts> {
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix = digits_value(id.get(0..3)?)?;
    let province_ok = prefix < 100 && PROVINCE_CODES.iter().any(|&c| u32::from(c) == prefix);
    if !province_ok && !(101..=295).contains(&prefix) {
        return None;
    }
    let century = digits_value(id.get(3..4)?)?;
    let yy = digits_value(id.get(4..6)?)?;
    let birth_year = u16::try_from(1900 + 100 * (century / 2) + yy).ok()?;
    let sex = if century % 2 == 1 {
        Sex::Female
    } else {
        Sex::Male
    };
    Some(IdFacts { birth_year, sex })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) const FIXTURES: [&str; 3] = [
        "001099012345|012345678|Nguyễn Văn An|15031999|Nam|Số 1 Phố Mẫu, Phường Ba Đình, Thành phố Hà Nội|10052021",
        "079305004321||Trần Thị Bình|02112005|Nữ|Ấp Thử Nghiệm, Xã Bình Chánh, Thành phố Hồ Chí Minh|20082024",
        "048088000777|201234567|Lê Văn Cường|28021988|Nam|Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng|01072021",
    ];

    const VALID: &str = "001099012345|012345678|Nguyễn Văn An|15031999|Nam|Số 1 Phố Mẫu|10052021";

    fn with_field(i: usize, value: &str) -> String {
        let mut f: Vec<&str> = VALID.split('|').collect();
        f[i] = value;
        f.join("|")
    }

    fn date(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap()
    }

    #[test]
    fn province_list_has_63_codes_matching_the_spec() {
        assert_eq!(PROVINCE_CODES.len(), 63);
        let mut sorted = PROVINCE_CODES;
        sorted.sort_unstable();
        assert_eq!(sorted, PROVINCE_CODES);
        // The 34 post-2025 province codes are all accepted.
        for c in [
            1, 4, 8, 11, 12, 14, 15, 19, 20, 22, 24, 25, 31, 33, 37, 38, 40, 42, 44, 46, 48, 51,
            52, 56, 66, 68, 75, 79, 80, 82, 86, 91, 92, 96,
        ] {
            assert!(PROVINCE_CODES.contains(&c), "{c}");
        }
    }

    #[test]
    fn fixtures_parse_to_expected_values() {
        let a = parse_full(FIXTURES[0]).unwrap();
        assert_eq!(a.card.id_number, "001099012345");
        assert_eq!(a.card.full_name, "Nguyễn Văn An");
        assert_eq!(a.card.birth_year, 1999);
        assert_eq!(a.card.sex, Sex::Male);
        assert!(a.card.has_old_id);
        assert!(!a.card.reformatted);
        assert!(a.card.warnings.is_empty());
        assert!(a.card.extra_fields.is_empty());
        assert_eq!(a.old_id.as_deref(), Some("012345678"));
        assert_eq!(a.birth_date, date(1999, 3, 15));
        assert_eq!(a.address, "Số 1 Phố Mẫu, Phường Ba Đình, Thành phố Hà Nội");
        assert_eq!(a.issue_date, date(2021, 5, 10));

        let b = parse_full(FIXTURES[1]).unwrap();
        assert_eq!(b.card.id_number, "079305004321");
        assert_eq!(b.card.full_name, "Trần Thị Bình");
        assert_eq!(b.card.birth_year, 2005);
        assert_eq!(b.card.sex, Sex::Female);
        assert!(!b.card.has_old_id);
        assert_eq!(b.old_id, None);
        assert_eq!(b.issue_date, date(2024, 8, 20));

        let c = parse_full(FIXTURES[2]).unwrap();
        assert_eq!(c.card.full_name, "Lê Văn Cường");
        assert_eq!(c.card.birth_year, 1988);
        assert_eq!(c.birth_date, date(1988, 2, 28));
    }

    #[test]
    fn cleans_bom_whitespace_crlf_and_nul() {
        let text = format!("\u{feff}  {}\r\n\0", FIXTURES[0]);
        assert_eq!(parse(&text).unwrap(), parse(FIXTURES[0]).unwrap());
    }

    #[test]
    fn normalises_name_to_nfc_and_accepts_sex_case_variants() {
        let nfd: String = FIXTURES[1].nfd().collect();
        let card = parse(&nfd).unwrap();
        assert_eq!(card.full_name, "Trần Thị Bình");
        assert_eq!(card.sex, Sex::Female);
        for word in ["NỮ", "nữ", "Nu", "NU"] {
            let t = FIXTURES[1].replace("|Nữ|", &format!("|{word}|"));
            assert_eq!(parse(&t).unwrap().sex, Sex::Female, "{word}");
        }
        for word in ["NAM", "nam", " Nam "] {
            assert_eq!(parse(&with_field(4, word)).unwrap().sex, Sex::Male);
        }
    }

    #[test]
    fn extra_fields_are_kept_raw() {
        let t = format!("{}|001099000000| Mẹ: X |", FIXTURES[0]);
        let card = parse(&t).unwrap();
        assert_eq!(card.extra_fields, vec!["001099000000", " Mẹ: X ", ""]);
        assert!(!card.reformatted);
    }

    #[test]
    fn old_id_of_unusual_length_is_kept_with_a_warning() {
        let card = parse(&with_field(1, "0123456789")).unwrap();
        assert!(card.has_old_id);
        assert_eq!(card.warnings, vec![CccdWarning::OldIdUnusualLength]);
        assert_eq!(
            parse(&with_field(1, "01234567A")),
            Err(CccdError::OldIdNumber)
        );
    }

    #[test]
    fn six_field_zalo_variant_is_accepted_but_flagged() {
        let t = "001099012345|Nguyễn Văn An|15/03/1999|Nam|Số 1 Phố Mẫu|10/05/2021";
        let full = parse_full(t).unwrap();
        assert!(full.card.reformatted);
        assert!(!full.card.has_old_id);
        assert_eq!(
            full.card.warnings,
            vec![CccdWarning::SixFieldLayout, CccdWarning::SlashedDates]
        );
        assert_eq!(full.card.full_name, "Nguyễn Văn An");
        assert_eq!(full.birth_date, date(1999, 3, 15));
        // Without slashes (the other documented 6-field layout).
        let t = "001099012345|Nguyễn Văn An|15031999|Nam|Số 1 Phố Mẫu|10052021";
        assert_eq!(
            parse(t).unwrap().warnings,
            vec![CccdWarning::SixFieldLayout]
        );
        // Seven fields with slashed dates.
        let t = "001099012345||Nguyễn Văn An|15/03/1999|Nam|Số 1 Phố Mẫu|10/05/2021";
        let card = parse(t).unwrap();
        assert!(card.reformatted);
        assert_eq!(card.warnings, vec![CccdWarning::SlashedDates]);
    }

    #[test]
    fn negative_cases_give_specific_errors() {
        assert_eq!(
            parse(&with_field(0, "00109901234")),
            Err(CccdError::IdNumber)
        );
        assert_eq!(
            parse(&with_field(0, "00109901234A")),
            Err(CccdError::IdNumber)
        );
        assert_eq!(
            parse(&with_field(0, "0010990123456")),
            Err(CccdError::IdNumber)
        );
        // Prefix 003 is no province; 296 is past the country codes.
        assert_eq!(
            parse(&with_field(0, "003099012345")),
            Err(CccdError::IdNumber)
        );
        assert_eq!(
            parse(&with_field(0, "296099012345")),
            Err(CccdError::IdNumber)
        );
        // A country code (birth registered abroad) is fine.
        assert!(parse(&with_field(0, "101099012345")).is_ok());
        // Impossible dates, leap years.
        let t = "079321004321||Trần Thị Bình|31022021|Nữ|Ấp Thử Nghiệm|20082024";
        assert_eq!(parse(t), Err(CccdError::Date { field: 3 }));
        assert_eq!(
            parse(&with_field(3, "29021999")),
            Err(CccdError::Date { field: 3 })
        );
        assert_eq!(
            parse(&with_field(3, "15131999")),
            Err(CccdError::Date { field: 3 })
        );
        assert_eq!(
            parse(&with_field(3, "1503199")),
            Err(CccdError::Date { field: 3 })
        );
        let leap = "001000012345||Nguyễn Văn An|29022000|Nam|Số 1|01072021";
        assert_eq!(parse(leap), Err(CccdError::BirthYearMismatch));
        let leap = "001200012345||Nguyễn Văn An|29022000|Nam|Số 1|01072021";
        assert_eq!(parse(leap).unwrap().birth_year, 2000);
        assert_eq!(
            parse(&with_field(6, "31042021")),
            Err(CccdError::Date { field: 6 })
        );
        // Issued before birth.
        assert_eq!(
            parse(&with_field(6, "10051998")),
            Err(CccdError::Date { field: 6 })
        );
        // Sex.
        assert_eq!(parse(&with_field(4, "Male")), Err(CccdError::Sex));
        assert_eq!(parse(&with_field(4, "Nữ")), Err(CccdError::SexMismatch));
        assert_eq!(
            parse(&with_field(3, "15031998")),
            Err(CccdError::BirthYearMismatch)
        );
        // Empty name / address, a name without letters.
        assert_eq!(
            parse(&with_field(2, " ")),
            Err(CccdError::Missing { field: 2 })
        );
        assert_eq!(parse(&with_field(2, "123")), Err(CccdError::Name));
        assert_eq!(
            parse(&with_field(5, "")),
            Err(CccdError::Missing { field: 5 })
        );
        // Too few fields, but clearly a CCCD.
        assert_eq!(
            parse("001099012345|012345678|Nguyễn Văn An|15031999|Nam"),
            Err(CccdError::FieldCount { found: 5 })
        );
        assert_eq!(
            parse("001099012345|012345678|Nguyễn Văn An|15031999|Nam|Số 1"),
            Err(CccdError::FieldCount { found: 6 })
        );
    }

    #[test]
    fn error_messages_hold_no_personal_data() {
        let errors = [
            parse(&with_field(0, "00109901234A")),
            parse(&with_field(3, "31021999")),
            parse(&with_field(4, "Mal")),
            parse(&with_field(2, "123")),
            parse(&with_field(3, "15031998")),
        ];
        for e in errors {
            let msg = e.unwrap_err().to_string();
            for secret in ["0010990", "1999", "1998", "Nguyễn", "Mal", "123"] {
                assert!(!msg.contains(secret), "{msg}");
            }
        }
    }

    #[test]
    fn debug_is_redacted() {
        let card = parse(FIXTURES[0]).unwrap();
        let dbg = format!("{card:?} {:?}", card.contact_record());
        for secret in ["001099012345", "Nguyễn", "An", "1999"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }

    #[test]
    fn contact_record_is_minimised() {
        for text in FIXTURES {
            let full = parse_full(text).unwrap();
            let record = full.card.contact_record();
            assert_eq!(record.source, ContactSource::Cccd);
            assert_eq!(record.id_kind, Some(IdKind::Cccd));
            assert_eq!(
                record.id_number.as_deref(),
                Some(full.card.id_number.as_str())
            );
            assert_eq!(record.birth_year, Some(full.card.birth_year));
            let json = serde_json::to_string(&record).unwrap();
            let dmy = |d: Date| format!("{:02}{:02}{}", d.day(), u8::from(d.month()), d.year());
            assert!(!json.contains(&dmy(full.issue_date)), "{json}");
            assert!(!json.contains(&dmy(full.birth_date)), "{json}");
            if let Some(old) = &full.old_id {
                assert!(!json.contains(old.as_str()), "{json}");
            }
            assert!(!json.contains(&full.address), "{json}");
            for part in full.address.split(", ") {
                assert!(!json.contains(part), "{json}");
            }
        }
        let hint = parse(FIXTURES[0]).unwrap().display_hint();
        assert_eq!(hint.short_name, "N. V. An");
        assert_eq!(hint.birth_year, Some(1999));
    }

    #[test]
    fn other_texts_are_not_this_format() {
        let others = [
            "",
            "   \r\n",
            "|||||||",
            "||||||",
            "HTTPS://QM.VN/V/ABC",
            "https://qr.tokhaiyte.vn/abc?x=1|2",
            "Xin chào 🇻🇳 ✓ ∑ 漢字",
            "hello|world",
            "079305004321|TRAN THI BINH|2005-11-02|0|100000000000000001|<2<GD4797900000001<0900000000<",
            "******004321|TRAN THI BINH|2005-**-**|0|100000000000000001|<2<<<",
            "DN4010123456789|4e677579e1bb856e2056c4836e20416e|15/03/1999|1|53e1bb91|01 - 001|01/01/2019|31/12/2019|01/01/2019|$",
            "0123456789|4e677579e1bb856e2056c4836e20416e|15/03/1999|1|-|01 - 001|01/01/2024|-|15/01/2024|01010123456789|-|4| 01/01/2029|0123456789abcdef-1202|4|5175|$",
        ];
        for t in others {
            assert_eq!(parse(t), Err(CccdError::NotThisFormat), "{t}");
        }
    }

    #[test]
    fn id_facts_follow_the_century_digit() {
        let f = personal_id_facts("001099012345").unwrap();
        assert_eq!((f.birth_year, f.sex), (1999, Sex::Male));
        let f = personal_id_facts("079305004321").unwrap();
        assert_eq!((f.birth_year, f.sex), (2005, Sex::Female));
        let f = personal_id_facts("001499000000").unwrap();
        assert_eq!((f.birth_year, f.sex), (2199, Sex::Male));
        let f = personal_id_facts("001901000000").unwrap();
        assert_eq!((f.birth_year, f.sex), (2301, Sex::Female));
        assert_eq!(personal_id_facts("000099012345"), None);
        assert_eq!(personal_id_facts("09709901234５"), None);
    }

    // --- property tests ----------------------------------------------------------------------

    /// Structured CCCD values, before encoding.
    #[derive(Debug, Clone)]
    struct Values {
        id: String,
        old_id: Option<String>,
        name: String,
        birth: Date,
        sex: Sex,
        address: String,
        issue: Date,
        extras: Vec<String>,
    }

    /// Test-only encoder: the card's own 7-field layout.
    fn encode(v: &Values) -> String {
        let dmy = |d: Date| format!("{:02}{:02}{:04}", d.day(), u8::from(d.month()), d.year());
        let sex = match v.sex {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        };
        let mut fields = vec![
            v.id.clone(),
            v.old_id.clone().unwrap_or_default(),
            v.name.clone(),
            dmy(v.birth),
            sex.to_owned(),
            v.address.clone(),
            dmy(v.issue),
        ];
        fields.extend(v.extras.iter().cloned());
        fields.join("|")
    }

    /// Test-only encoder: the 6-field re-typed ("Zalo") layout, `dd/MM/yyyy` dates.
    fn encode_six(v: &Values) -> String {
        let dmy = |d: Date| format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year());
        let sex = match v.sex {
            Sex::Male => "NAM",
            Sex::Female => "NỮ",
        };
        [
            v.id.clone(),
            v.name.clone(),
            dmy(v.birth),
            sex.to_owned(),
            v.address.clone(),
            dmy(v.issue),
        ]
        .join("|")
    }

    const SYLLABLES: [&str; 12] = [
        "Nguyễn", "Trần", "Lê", "Phạm", "Văn", "Thị", "Ngọc", "Đức", "An", "Bình", "Cường", "Ánh",
    ];

    pub(crate) fn name_strategy() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(SYLLABLES.to_vec()), 1..5)
            .prop_map(|w| w.join(" "))
    }

    pub(crate) fn date_strategy(from: i32, to: i32) -> impl Strategy<Value = Date> {
        (from..=to, 1u8..=12, 1u8..=31).prop_map(|(y, m, d)| {
            let month = Month::try_from(m).unwrap();
            let last = time::util::days_in_month(month, y);
            Date::from_calendar_date(y, month, d.min(last)).unwrap()
        })
    }

    fn prefix_strategy() -> impl Strategy<Value = u32> {
        prop_oneof![
            prop::sample::select(PROVINCE_CODES.to_vec()).prop_map(u32::from),
            101u32..=295,
        ]
    }

    fn values_strategy() -> impl Strategy<Value = Values> {
        (
            prefix_strategy(),
            date_strategy(1900, 2099),
            any::<bool>(),
            0u32..1_000_000,
            prop::option::of("[0-9]{9}"),
            name_strategy(),
            (
                prop::sample::select(SYLLABLES.to_vec()),
                "[A-Za-z0-9 ,./]{0,30}",
            ),
            0i64..30_000,
            prop::collection::vec("[A-Za-z0-9]{0,12}", 0..3),
        )
            .prop_map(
                |(prefix, birth, female, random, old_id, name, address, days, extras)| {
                    let sex = if female { Sex::Female } else { Sex::Male };
                    let century = 2 * u32::from(birth.year() >= 2000) + u32::from(female);
                    let id = format!("{prefix:03}{century}{:02}{random:06}", birth.year() % 100);
                    let issue = birth
                        .checked_add(time::Duration::days(days))
                        .filter(|d| d.year() <= 2399)
                        .unwrap_or(birth);
                    Values {
                        id,
                        old_id,
                        name,
                        birth,
                        sex,
                        address: format!("Số {} {}", address.0, address.1),
                        issue,
                        extras,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn round_trip(v in values_strategy()) {
            let text = encode(&v);
            let full = parse_full(&text).unwrap();
            prop_assert_eq!(&full.card.id_number, &v.id);
            prop_assert_eq!(&full.card.full_name, &v.name);
            prop_assert_eq!(i32::from(full.card.birth_year), v.birth.year());
            prop_assert_eq!(full.card.sex, v.sex);
            prop_assert_eq!(full.card.has_old_id, v.old_id.is_some());
            prop_assert_eq!(&full.old_id, &v.old_id);
            prop_assert_eq!(full.birth_date, v.birth);
            prop_assert_eq!(full.issue_date, v.issue);
            prop_assert_eq!(full.address.trim(), v.address.trim());
            // A trailing empty extra may be eaten by no one: `|` is never trimmed.
            prop_assert_eq!(&full.card.extra_fields, &v.extras);
            prop_assert!(!full.card.reformatted);
            // And no other reader claims it.
            prop_assert_eq!(super::super::bhyt::parse(&text), Err(super::super::bhyt::BhytError::NotThisFormat));
            prop_assert_eq!(super::super::national::parse(&text), Err(super::super::national::NationalError::NotThisFormat));
        }

        #[test]
        fn round_trip_six_field_variant(v in values_strategy()) {
            let text = encode_six(&v);
            let full = parse_full(&text).unwrap();
            prop_assert_eq!(&full.card.id_number, &v.id);
            prop_assert_eq!(&full.card.full_name, &v.name);
            prop_assert_eq!(full.card.sex, v.sex);
            prop_assert_eq!(full.birth_date, v.birth);
            prop_assert_eq!(full.issue_date, v.issue);
            prop_assert!(full.card.reformatted);
            prop_assert!(!full.card.has_old_id);
            prop_assert_eq!(
                &full.card.warnings,
                &vec![CccdWarning::SixFieldLayout, CccdWarning::SlashedDates]
            );
            prop_assert_eq!(super::super::national::parse(&text), Err(super::super::national::NationalError::NotThisFormat));
        }

        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            let _ = parse(&s);
        }

        #[test]
        fn arbitrary_fields_never_panic(
            f in prop::collection::vec("[0-9A-Za-z*/ ưữ$<-]{0,14}", 0..12)
        ) {
            let _ = parse(&f.join("|"));
        }
    }
}
