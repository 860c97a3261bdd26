//! Reader for the national unified personal QR (MIC Decision 1405/QĐ-BTTTT v1.1, VN-FORMATS
//! §3.2), shown by PC-Covid, Sổ sức khỏe điện tử, Hue-S and VNeID:
//!
//! ```text
//! SoGiayTo|HoTen|NgaySinh|LoaiDinhDanh|QID|EXT
//! ```
//!
//! `SoGiayTo` is a CMND, CCCD or passport number, by default with its first 6 characters masked
//! as `*`; `NgaySinh` is `YYYY-MM-DD`, by default with day and month masked (`2005-**-**`);
//! `LoaiDinhDanh` is `0` (self) or `1` (declared on behalf); `EXT` holds `<`-separated
//! sub-fields: QID of the person declaring on behalf, sex (`0` unknown, `1` male, `2` female),
//! BHYT number, phone number, then anything else (signature…), kept raw.
//!
//! **Detection:** the text does not end in a `$` field (BHYT) and, with exactly 6 `|`-fields, at
//! least two of: field 2 shaped `YYYY-MM-DD` (digits or `*`), field 3 `0`/`1`, field 5 empty or
//! holding a `<`. A CCCD never matches (its field 2 is a name, field 3 a `ddMMyyyy` date, its
//! field 5 an address or date). Another field count with fields 2 and 3 both in place gives
//! [`NationalError::FieldCount`].
//!
//! **Minimisation (§5.4).** [`NationalQr`] keeps the ID as given (masking respected), the name,
//! birth year, sex, phone and the QID; the declarant's QID and the BHYT number in EXT are
//! validated and dropped.

use std::fmt;

use super::cccd::{
    MAX_YEAR, MIN_YEAR, Sex, calendar_date, clean, digits_value, ends_with_dollar_field,
    is_plausible_name, normalize_name, personal_id_facts,
};
use super::contact::{ContactRecord, ContactSource, DisplayHint, IdKind};

/// A parsed national personal QR, already minimised.
///
/// `Debug` is redacted: it shows no name, number or date.
#[derive(Clone, PartialEq, Eq)]
pub struct NationalQr {
    /// The ID number as given: possibly masked with `*` (e.g. `******004321`).
    pub id_number: String,
    /// What kind of number it is: [`IdKind::Cccd`] (12 digits), [`IdKind::Cmnd`] (9 digits),
    /// [`IdKind::Passport`] (letters and digits), [`IdKind::Other`] (masked or other lengths).
    pub id_kind: IdKind,
    /// Whether the ID number is masked.
    pub id_masked: bool,
    /// Full name (upper case without diacritics in the QR), NFC, whitespace collapsed.
    pub full_name: String,
    /// Year of birth, unless masked too.
    pub birth_year: Option<u16>,
    /// `true` when the QR was declared on someone's behalf (`LoaiDinhDanh` = `1`).
    pub on_behalf: bool,
    /// The ID the national QR platform issued (QID).
    pub qid: String,
    /// Sex from EXT, if stated (`0` and empty give `None`).
    pub sex: Option<Sex>,
    /// Phone number from EXT, as given (possibly masked).
    pub phone: Option<String>,
    /// EXT sub-fields after the phone (signature…), exactly as scanned.
    pub ext_extra: Vec<String>,
}

impl fmt::Debug for NationalQr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NationalQr")
            .field("id_kind", &self.id_kind)
            .field("id_masked", &self.id_masked)
            .field("on_behalf", &self.on_behalf)
            .field("ext_extra", &self.ext_extra.len())
            .finish_non_exhaustive()
    }
}

impl NationalQr {
    /// The minimised record to seal: ID as given, name, birth year and phone.
    #[must_use]
    pub fn contact_record(&self) -> ContactRecord {
        ContactRecord {
            full_name: self.full_name.clone(),
            id_number: Some(self.id_number.clone()),
            id_kind: Some(self.id_kind),
            phone: self.phone.clone(),
            birth_year: self.birth_year,
            source: ContactSource::NationalQr,
        }
    }

    /// What staff may see: abbreviated name and birth year.
    #[must_use]
    pub fn display_hint(&self) -> DisplayHint {
        DisplayHint::from_full_name(&self.full_name, self.birth_year)
    }
}

/// Why a text is not a valid national personal QR. Messages name fields, never their content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NationalError {
    /// The text does not look like a national personal QR at all.
    #[error("not a national personal QR")]
    NotThisFormat,
    /// It looks like a national QR but does not have 6 fields.
    #[error("a national personal QR has 6 fields, found {found}")]
    FieldCount {
        /// How many `|`-separated fields the text has.
        found: usize,
    },
    /// `SoGiayTo` is empty, has characters other than letters, digits and `*`, or is a 12-digit
    /// number without a valid province prefix.
    #[error("the ID number (field 0) is malformed")]
    IdNumber,
    /// `HoTen` is empty, holds no letters, or control characters.
    #[error("the name (field 1) is not a name")]
    Name,
    /// `NgaySinh` is not `YYYY-MM-DD` (each part digits or all `*`) or not a real date.
    #[error("the birth date (field 2) is malformed")]
    Date,
    /// `LoaiDinhDanh` is neither `0` nor `1`.
    #[error("the declaration type (field 3) is neither 0 nor 1")]
    DeclarationType,
    /// `QID` is empty or has spaces or control characters.
    #[error("the QID (field 4) is malformed")]
    Qid,
    /// An EXT sub-field is malformed (0: declarant QID, 1: sex, 2: BHYT number, 3: phone).
    #[error("EXT sub-field {index} (field 5) is malformed")]
    Ext {
        /// Index of the sub-field within EXT.
        index: usize,
    },
    /// A full 12-digit ID number encodes another birth year than `NgaySinh`.
    #[error("the ID number does not match the birth date")]
    BirthYearMismatch,
    /// A full 12-digit ID number encodes another sex than EXT.
    #[error("the ID number does not match the sex")]
    SexMismatch,
}

/// Parses the text of a national personal QR.
///
/// # Errors
///
/// [`NationalError::NotThisFormat`] for texts that are not shaped like it, and a
/// specific error for a national-QR-shaped text that fails validation.
pub fn parse(text: &str) -> Result<NationalQr, NationalError> {
    let text = clean(text);
    let fields: Vec<&str> = text.split('|').collect();
    detect(&fields)?;
    let field = |i: usize| fields.get(i).map_or("", |f| f.trim());

    // 0: SoGiayTo.
    let id_number = field(0);
    let (id_kind, id_masked) = classify_id(id_number).ok_or(NationalError::IdNumber)?;

    // 1: HoTen.
    let full_name = normalize_name(field(1));
    if !is_plausible_name(&full_name) {
        return Err(NationalError::Name);
    }

    // 2: NgaySinh.
    let birth_year = parse_masked_date(field(2)).ok_or(NationalError::Date)?;

    // 3: LoaiDinhDanh.
    let on_behalf = match field(3) {
        "0" => false,
        "1" => true,
        _ => return Err(NationalError::DeclarationType),
    };

    // 4: QID.
    let qid = field(4);
    if !is_token(qid) {
        return Err(NationalError::Qid);
    }

    // 5: EXT.
    let ext = field(5);
    let sub: Vec<&str> = if ext.is_empty() {
        Vec::new()
    } else {
        ext.split('<').collect()
    };
    let at = |i: usize| sub.get(i).map_or("", |s| s.trim());
    let declarant = at(0);
    if !declarant.is_empty() && !is_token(declarant) {
        return Err(NationalError::Ext { index: 0 });
    }
    let sex = match at(1) {
        "" | "0" => None,
        "1" => Some(Sex::Male),
        "2" => Some(Sex::Female),
        _ => return Err(NationalError::Ext { index: 1 }),
    };
    let bhyt = at(2);
    let bhyt_ok = bhyt.len() <= 20 && bhyt.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*');
    if !bhyt_ok {
        return Err(NationalError::Ext { index: 2 });
    }
    let phone = Some(at(3)).filter(|p| !p.is_empty());
    if phone.is_some_and(|p| !is_phone(p)) {
        return Err(NationalError::Ext { index: 3 });
    }
    let ext_extra = sub.iter().skip(4).map(|s| (*s).to_owned()).collect();

    // A full 12-digit ID against the birth year and sex.
    if id_kind == IdKind::Cccd {
        let facts = personal_id_facts(id_number).ok_or(NationalError::IdNumber)?;
        if birth_year.is_some_and(|y| y != facts.birth_year) {
            return Err(NationalError::BirthYearMismatch);
        }
        if sex.is_some_and(|s| s != facts.sex) {
            return Err(NationalError::SexMismatch);
        }
    }

    Ok(NationalQr {
        id_number: id_number.to_owned(),
        id_kind,
        id_masked,
        full_name,
        birth_year,
        on_behalf,
        qid: qid.to_owned(),
        sex,
        phone: phone.map(str::to_owned),
        ext_extra,
    })
}

fn detect(fields: &[&str]) -> Result<(), NationalError> {
    if ends_with_dollar_field(fields) {
        return Err(NationalError::NotThisFormat);
    }
    let at = |i: usize| fields.get(i).map_or("", |f| f.trim());
    let date = iso_date_shaped(at(2));
    let kind = matches!(at(3), "0" | "1");
    let n = fields.len();
    if n == 6 {
        let ext = at(5).is_empty() || at(5).contains('<');
        if u8::from(date) + u8::from(kind) + u8::from(ext) >= 2 {
            return Ok(());
        }
    } else if n >= 4 && date && kind {
        return Err(NationalError::FieldCount { found: n });
    }
    Err(NationalError::NotThisFormat)
}

/// `YYYY-MM-DD` by shape, each position a digit or `*`.
fn iso_date_shaped(f: &str) -> bool {
    let b = f.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit() || *c == b'*'
            }
        })
}

/// Reads a possibly masked `YYYY-MM-DD`; each part is all digits or all `*`. Returns the year if
/// shown. Shown parts must be consistent: a real date when all are shown, a month 1–12, a day
/// 1–31.
fn parse_masked_date(f: &str) -> Option<Option<u16>> {
    let mut parts = f.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    // `None`: masked; `Some(v)`: shown.
    let part = |s: &str| -> Option<Option<u32>> {
        if s.bytes().all(|b| b == b'*') {
            Some(None)
        } else {
            digits_value(s).map(Some)
        }
    };
    let (year, month, day) = (part(y)?, part(m)?, part(d)?);
    if let Some(year) = year
        && !(u32::from(MIN_YEAR)..=u32::from(MAX_YEAR)).contains(&year)
    {
        return None;
    }
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => {
            calendar_date(y, m, d)?;
        }
        (_, m, d) => {
            if m.is_some_and(|m| !(1..=12).contains(&m))
                || d.is_some_and(|d| !(1..=31).contains(&d))
            {
                return None;
            }
        }
    }
    match year {
        None => Some(None),
        Some(y) => u16::try_from(y).ok().map(Some),
    }
}

/// Classifies `SoGiayTo`: letters, digits and `*` only, 5 to 20 of them.
fn classify_id(id: &str) -> Option<(IdKind, bool)> {
    let b = id.as_bytes();
    if !(5..=20).contains(&b.len()) || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'*') {
        return None;
    }
    if b.contains(&b'*') {
        return Some((IdKind::Other, true));
    }
    let kind = if !b.iter().all(u8::is_ascii_digit) {
        IdKind::Passport
    } else if b.len() == 12 {
        IdKind::Cccd
    } else if b.len() == 9 {
        IdKind::Cmnd
    } else {
        IdKind::Other
    };
    Some((kind, false))
}

/// A non-empty run of printable ASCII without spaces, `<` or `|`, at most 64 long.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_graphic() && b != b'<')
}

/// `+`, then 6 to 15 digits or `*`, at least one digit.
fn is_phone(p: &str) -> bool {
    let digits = p.strip_prefix('+').unwrap_or(p);
    (6..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'*')
        && digits.bytes().any(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FULL: &str =
        "079305004321|TRAN THI BINH|2005-11-02|0|100000000000000001|<2<GD4797900000001<0900000000<";
    const MASKED: &str = "******004321|TRAN THI BINH|2005-**-**|0|100000000000000001|<2<<<";

    fn with_field(base: &str, i: usize, value: &str) -> String {
        let mut f: Vec<&str> = base.split('|').collect();
        f[i] = value;
        f.join("|")
    }

    #[test]
    fn full_fixture() {
        let qr = parse(FULL).unwrap();
        assert_eq!(qr.id_number, "079305004321");
        assert_eq!(qr.id_kind, IdKind::Cccd);
        assert!(!qr.id_masked);
        assert_eq!(qr.full_name, "TRAN THI BINH");
        assert_eq!(qr.birth_year, Some(2005));
        assert!(!qr.on_behalf);
        assert_eq!(qr.qid, "100000000000000001");
        assert_eq!(qr.sex, Some(Sex::Female));
        assert_eq!(qr.phone.as_deref(), Some("0900000000"));
        assert_eq!(qr.ext_extra, vec![String::new()]);
        let record = qr.contact_record();
        assert_eq!(record.id_number.as_deref(), Some("079305004321"));
        assert_eq!(record.phone.as_deref(), Some("0900000000"));
        assert_eq!(record.birth_year, Some(2005));
        assert_eq!(record.source, ContactSource::NationalQr);
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains("GD479"), "{json}");
        assert!(!json.contains("11-02"), "{json}");
        assert_eq!(qr.display_hint().short_name, "T. T. BINH");
    }

    #[test]
    fn masked_fixture() {
        let qr = parse(MASKED).unwrap();
        assert_eq!(qr.id_number, "******004321");
        assert_eq!(qr.id_kind, IdKind::Other);
        assert!(qr.id_masked);
        assert_eq!(qr.birth_year, Some(2005));
        assert_eq!(qr.sex, Some(Sex::Female));
        assert_eq!(qr.phone, None);
        let record = qr.contact_record();
        assert_eq!(record.id_number.as_deref(), Some("******004321"));
        assert_eq!(record.id_kind, Some(IdKind::Other));
    }

    #[test]
    fn other_shapes_are_accepted() {
        // On behalf, masked phone and BHYT, fully masked date, empty EXT, CMND, passport.
        let t = "******5678|NGUYEN  VAN AN|****-**-**|1|100000000000000002|100000000000000001<1<GD4877*******<0943******<sig";
        let qr = parse(t).unwrap();
        assert!(qr.on_behalf);
        assert_eq!(qr.full_name, "NGUYEN VAN AN");
        assert_eq!(qr.birth_year, None);
        assert_eq!(qr.phone.as_deref(), Some("0943******"));
        assert_eq!(qr.ext_extra, vec!["sig"]);
        let qr = parse("012345678|LE VAN CUONG|1988-02-28|0|QID42|").unwrap();
        assert_eq!(qr.id_kind, IdKind::Cmnd);
        assert_eq!(qr.sex, None);
        assert!(qr.ext_extra.is_empty());
        let qr = parse("C1234567|LE VAN CUONG|1988-**-**|0|QID42|<0<<+84900000000").unwrap();
        assert_eq!(qr.id_kind, IdKind::Passport);
        assert_eq!(qr.phone.as_deref(), Some("+84900000000"));
        // Scanner noise.
        let t = format!("\u{feff}{FULL}\r\n\0");
        assert_eq!(parse(&t).unwrap(), parse(FULL).unwrap());
    }

    #[test]
    fn negative_cases_give_specific_errors() {
        assert_eq!(
            parse(&with_field(FULL, 3, "2")),
            Err(NationalError::DeclarationType)
        );
        assert_eq!(
            parse(&with_field(FULL, 3, "")),
            Err(NationalError::DeclarationType)
        );
        assert_eq!(
            parse(&with_field(FULL, 2, "2005-13-02")),
            Err(NationalError::Date)
        );
        assert_eq!(
            parse(&with_field(FULL, 2, "2005-02-30")),
            Err(NationalError::Date)
        );
        assert_eq!(
            parse(&with_field(FULL, 2, "2005-*1-02")),
            Err(NationalError::Date)
        );
        assert_eq!(
            parse(&with_field(FULL, 2, "02/11/2005")),
            Err(NationalError::Date)
        );
        assert_eq!(
            parse(&with_field(FULL, 0, "0793-5004321")),
            Err(NationalError::IdNumber)
        );
        assert_eq!(
            parse(&with_field(FULL, 0, "003305004321")),
            Err(NationalError::IdNumber)
        );
        assert_eq!(
            parse(&with_field(FULL, 0, "")),
            Err(NationalError::IdNumber)
        );
        assert_eq!(parse(&with_field(FULL, 1, "")), Err(NationalError::Name));
        assert_eq!(parse(&with_field(FULL, 4, "")), Err(NationalError::Qid));
        assert_eq!(parse(&with_field(FULL, 4, "1 2")), Err(NationalError::Qid));
        assert_eq!(
            parse(&with_field(FULL, 5, "<3<<<")),
            Err(NationalError::Ext { index: 1 })
        );
        assert_eq!(
            parse(&with_field(FULL, 5, "<2<GD 1<<")),
            Err(NationalError::Ext { index: 2 })
        );
        assert_eq!(
            parse(&with_field(FULL, 5, "<2<<09x0<")),
            Err(NationalError::Ext { index: 3 })
        );
        assert_eq!(
            parse(&with_field(FULL, 5, "<1<<<")),
            Err(NationalError::SexMismatch)
        );
        assert_eq!(
            parse(&with_field(FULL, 2, "2004-11-02")),
            Err(NationalError::BirthYearMismatch)
        );
        assert_eq!(
            parse("079305004321|TRAN THI BINH|2005-11-02|0|100000000000000001"),
            Err(NationalError::FieldCount { found: 5 })
        );
        assert_eq!(
            parse(&format!("{FULL}|x")),
            Err(NationalError::FieldCount { found: 7 })
        );
    }

    #[test]
    fn error_messages_and_debug_hold_no_personal_data() {
        let errors = [
            parse(&with_field(FULL, 2, "2005-13-02")),
            parse(&with_field(FULL, 0, "0793-5004321")),
            parse(&with_field(FULL, 5, "<2<<09x0<")),
            parse(&with_field(FULL, 3, "7")),
        ];
        for e in errors {
            let msg = e.unwrap_err().to_string();
            for secret in ["2005", "0793", "09x0", "TRAN"] {
                assert!(!msg.contains(secret), "{msg}");
            }
        }
        let qr = parse(FULL).unwrap();
        let dbg = format!("{qr:?} {:?}", qr.contact_record());
        for secret in [
            "079305004321",
            "TRAN",
            "2005",
            "0900000000",
            "100000000000000001",
        ] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }

    #[test]
    fn other_texts_are_not_this_format() {
        let mut others = vec![
            "",
            "|||||||",
            "|||||",
            "HTTPS://QM.VN/V/ABC",
            "Xin chào 🇻🇳 ✓ ∑ 漢字",
            "001099012345|Nguyễn Văn An|15/03/1999|Nam|Số 1 Phố Mẫu|10/05/2021",
            "001099012345|Nguyễn Văn An|15031999|Nam|Số 1 Phố Mẫu|10052021",
        ];
        others.extend(crate::payload::cccd::tests::FIXTURES);
        others.extend([
            crate::payload::bhyt::tests::V1,
            crate::payload::bhyt::tests::V2,
            crate::payload::bhyt::tests::V3,
        ]);
        for t in others {
            assert_eq!(parse(t), Err(NationalError::NotThisFormat), "{t}");
        }
        // And the national fixtures are no CCCD or BHYT.
        for t in [FULL, MASKED] {
            assert_eq!(
                crate::payload::cccd::parse(t),
                Err(crate::payload::cccd::CccdError::NotThisFormat)
            );
            assert_eq!(
                crate::payload::bhyt::parse(t),
                Err(crate::payload::bhyt::BhytError::NotThisFormat)
            );
        }
    }

    #[test]
    fn classify_routes_every_fixture() {
        use crate::keys::TrustList;
        use crate::payload::scanned::{InvalidCode, Scanned, classify};
        let trust = TrustList::new();
        for t in crate::payload::cccd::tests::FIXTURES {
            assert!(matches!(classify(t, &trust), Scanned::Cccd(_)), "{t}");
        }
        for t in [
            crate::payload::bhyt::tests::V1,
            crate::payload::bhyt::tests::V2,
            crate::payload::bhyt::tests::V3,
        ] {
            assert!(matches!(classify(t, &trust), Scanned::Bhyt(_)), "{t}");
        }
        for t in [FULL, MASKED] {
            assert!(matches!(classify(t, &trust), Scanned::National(_)), "{t}");
        }
        assert!(matches!(
            classify(&with_field(FULL, 3, "2"), &trust),
            Scanned::Invalid(InvalidCode::National(NationalError::DeclarationType))
        ));
        for t in ["", "|||||||", "Xin chào 🇻🇳 ✓ ∑ 漢字"] {
            assert_eq!(classify(t, &trust), Scanned::Unknown, "{t}");
        }
    }

    // --- property tests ----------------------------------------------------------------------

    #[derive(Debug, Clone)]
    struct Values {
        id: String,
        mask_id: bool,
        name: String,
        year: u16,
        month: u8,
        day: u8,
        mask_date: bool,
        on_behalf: bool,
        qid: String,
        declarant: Option<String>,
        sex: Option<Sex>,
        bhyt: Option<String>,
        phone: Option<String>,
        extra: Vec<String>,
    }

    /// Test-only encoder. Masking replaces the first 6 ID characters and the day and month.
    fn encode(v: &Values) -> String {
        let id = if v.mask_id {
            format!("******{}", v.id.get(6..).unwrap_or(""))
        } else {
            v.id.clone()
        };
        let date = if v.mask_date {
            format!("{:04}-**-**", v.year)
        } else {
            format!("{:04}-{:02}-{:02}", v.year, v.month, v.day)
        };
        let sex = match v.sex {
            None => "0",
            Some(Sex::Male) => "1",
            Some(Sex::Female) => "2",
        };
        let mut ext = vec![
            v.declarant.clone().unwrap_or_default(),
            sex.to_owned(),
            v.bhyt.clone().unwrap_or_default(),
            v.phone.clone().unwrap_or_default(),
        ];
        ext.extend(v.extra.iter().cloned());
        let kind = if v.on_behalf { "1" } else { "0" };
        format!("{id}|{}|{date}|{kind}|{}|{}", v.name, v.qid, ext.join("<"))
    }

    fn values_strategy() -> impl Strategy<Value = Values> {
        (
            (1900u16..2100, 1u8..=12, 1u8..=28, any::<bool>()),
            (
                any::<bool>(),
                0u32..1_000_000,
                prop::option::of(any::<bool>()),
            ),
            "[A-Z]{1,7}( [A-Z]{1,7}){0,3}",
            (any::<bool>(), "[0-9]{18}", prop::option::of("[0-9]{18}")),
            (
                prop::option::of("[A-Z]{2}[0-9]{13}"),
                prop::option::of("0[0-9]{9}"),
                prop::collection::vec("[A-Za-z0-9+/=]{0,20}", 0..2),
            ),
        )
            .prop_map(|(date, id, name, q, ext)| {
                let (year, month, day, mask_date) = date;
                let (mask_id, random, sex) = id;
                let female = sex.unwrap_or(false);
                let century = 2 * u32::from(year >= 2000) + u32::from(female);
                Values {
                    id: format!("079{century}{:02}{random:06}", year % 100),
                    mask_id,
                    name,
                    year,
                    month,
                    day,
                    mask_date,
                    on_behalf: q.0,
                    qid: q.1,
                    declarant: q.2,
                    sex: sex.map(|f| if f { Sex::Female } else { Sex::Male }),
                    bhyt: ext.0,
                    phone: ext.1,
                    extra: ext.2,
                }
            })
    }

    proptest! {
        #[test]
        fn round_trip(v in values_strategy()) {
            let text = encode(&v);
            let qr = parse(&text).unwrap();
            let expected_id = if v.mask_id {
                format!("******{}", &v.id[6..])
            } else {
                v.id.clone()
            };
            prop_assert_eq!(&qr.id_number, &expected_id);
            prop_assert_eq!(qr.id_masked, v.mask_id);
            prop_assert_eq!(qr.id_kind, if v.mask_id { IdKind::Other } else { IdKind::Cccd });
            prop_assert_eq!(&qr.full_name, &v.name);
            prop_assert_eq!(qr.birth_year, Some(v.year));
            prop_assert_eq!(qr.on_behalf, v.on_behalf);
            prop_assert_eq!(&qr.qid, &v.qid);
            prop_assert_eq!(qr.sex, v.sex);
            prop_assert_eq!(&qr.phone, &v.phone);
            prop_assert_eq!(&qr.ext_extra, &v.extra);
            prop_assert_eq!(crate::payload::cccd::parse(&text), Err(crate::payload::cccd::CccdError::NotThisFormat));
            prop_assert_eq!(crate::payload::bhyt::parse(&text), Err(crate::payload::bhyt::BhytError::NotThisFormat));
        }

        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            let _ = parse(&s);
        }

        #[test]
        fn arbitrary_fields_never_panic(
            f in prop::collection::vec("[0-9A-Z*< -]{0,14}", 0..8)
        ) {
            let _ = parse(&f.join("|"));
        }
    }
}
