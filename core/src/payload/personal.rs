//! Personal QR codes: what a citizen shows on screen, or on a printed 5 × 5 cm card, for a
//! business to scan.
//!
//! ```text
//! QM1:<Base32 of a CBOR map>
//! ```
//!
//! The text lies in the QR alphanumeric set. The CBOR map (integer keys) holds:
//!
//! | key | field | type |
//! | --- | --- | --- |
//! | 0 | format version (major) | uint, 1 |
//! | 1 | display hint: `{1: short name, 2: birth year}` | map |
//! | 2 | latest declaration summary: `{1: date (days since 1970-01-01), 2: status}` | map, optional |
//! | 3 | contact record sealed to the authority: `{1: kid, 2: enc, 3: ciphertext}` | map |
//! | 4 | issued at, Unix seconds | uint |
//! | 5 | holder tag: 16 bytes, the same for one person all day, another the next day | bytes, optional |
//!
//! The holder tag lets a business scanner count a visitor who shows a freshly rendered code
//! again as one entry (the sealed record's HPKE `enc` changes with every render). It is a keyed
//! hash of the profile and the local day made on the phone: no one can learn who it is, and it
//! links one person's scans for a day at most.
//!
//! Only the display hint and the declaration summary are readable; the contact record (full
//! name, ID number, phone) opens only with the health authority's offline key. A venue or the
//! server can store the code, never read it. Readers ignore unknown keys.

use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Serialize};
use time::Date;

use super::cbor::{self, FieldError, MapReader, MapWriter};
use super::contact::{ContactRecord, DisplayHint, SealError, SealedContact};
use crate::keys::SealingPublicKey;

/// The text every personal QR starts with (the `1` is the format's major version).
pub const PREFIX: &str = "QM1:";

/// The format version this code writes and the newest major version it reads.
pub const FORMAT_VERSION: u8 = 1;

/// Longest short name kept in a display hint, in characters.
pub const MAX_SHORT_NAME_CHARS: usize = 40;

/// What the latest health declaration said, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationStatus {
    /// No symptoms, no contact with a case.
    Clear,
    /// Declared symptoms.
    Symptoms,
    /// Declared contact with a case or suspected case.
    Contact,
    /// Both symptoms and contact.
    SymptomsAndContact,
}

impl DeclarationStatus {
    fn code(self) -> u8 {
        match self {
            Self::Clear => 0,
            Self::Symptoms => 1,
            Self::Contact => 2,
            Self::SymptomsAndContact => 3,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        [
            Self::Clear,
            Self::Symptoms,
            Self::Contact,
            Self::SymptomsAndContact,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// Vietnamese label for a scanner's screen.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Clear => "Không triệu chứng, không tiếp xúc",
            Self::Symptoms => "Có triệu chứng",
            Self::Contact => "Có tiếp xúc ca bệnh",
            Self::SymptomsAndContact => "Có triệu chứng và có tiếp xúc",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Clear => "No symptoms, no contact",
            Self::Symptoms => "Symptoms declared",
            Self::Contact => "Contact with a case declared",
            Self::SymptomsAndContact => "Symptoms and contact declared",
        }
    }
}

/// The latest declaration in brief: when, and what it said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationSummary {
    /// Day the declaration was made.
    pub declared_on: Date,
    /// What it said.
    pub status: DeclarationStatus,
}

/// A citizen's personal QR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalQr {
    /// What stays readable: abbreviated name and birth year.
    pub hint: DisplayHint,
    /// The latest declaration, if any.
    pub declaration: Option<DeclarationSummary>,
    /// The contact record, sealed to the health authority.
    pub contact: SealedContact,
    /// When the code was made, Unix seconds.
    pub issued_at: i64,
    /// The holder tag (see the module docs), if the code carries one.
    pub holder: Option<[u8; HOLDER_TAG_BYTES]>,
}

/// Bytes in a holder tag.
pub const HOLDER_TAG_BYTES: usize = 16;

/// Why a text is not a valid personal QR. Messages name fields, never their contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalError {
    /// The text does not start with [`PREFIX`]: not a personal QR.
    #[error("not a personal QR")]
    NotThisFormat,
    /// The part after the prefix is not Base32.
    #[error("personal QR payload is not Base32")]
    Encoding,
    /// The text stops early.
    #[error("personal QR is truncated")]
    Truncated,
    /// The payload is not one CBOR item.
    #[error("personal QR payload is malformed")]
    Malformed,
    /// A major version this code does not know.
    #[error("personal QR format version {0} is not supported")]
    UnsupportedVersion(u64),
    /// A field is missing or wrong.
    #[error("personal QR field is invalid: {0}")]
    Field(FieldError),
    /// Sealing the contact record failed.
    #[error(transparent)]
    Seal(#[from] SealError),
}

impl From<FieldError> for PersonalError {
    fn from(e: FieldError) -> Self {
        Self::Field(e)
    }
}

impl PersonalQr {
    /// Builds the personal QR of a person: the hint from their name, the record sealed at once.
    pub fn new(
        record: &ContactRecord,
        declaration: Option<DeclarationSummary>,
        authority: &SealingPublicKey,
        issued_at: i64,
    ) -> Result<Self, PersonalError> {
        let record = record.normalised()?;
        let mut hint = DisplayHint::from_full_name(&record.full_name, record.birth_year);
        hint.short_name = hint.short_name.chars().take(MAX_SHORT_NAME_CHARS).collect();
        Ok(Self {
            hint,
            declaration,
            contact: record.seal(authority)?,
            issued_at,
            holder: None,
        })
    }

    /// The same code with a holder tag.
    pub fn with_holder(mut self, holder: [u8; HOLDER_TAG_BYTES]) -> Self {
        self.holder = Some(holder);
        self
    }

    /// The QR text (`QM1:` + Base32).
    pub fn encode(&self) -> String {
        let hint = MapWriter::new()
            .put(1, self.hint.short_name.as_str())
            .put_opt(2, self.hint.birth_year)
            .build();
        let declaration = self.declaration.map(|d| {
            MapWriter::new()
                .put(
                    1,
                    i64::from(d.declared_on.to_julian_day() - EPOCH_JULIAN_DAY),
                )
                .put(2, d.status.code())
                .build()
        });
        let map = MapWriter::new()
            .put(0, FORMAT_VERSION)
            .put(1, hint)
            .put_opt(2, declaration)
            .put(3, self.contact.to_cbor())
            .put(4, self.issued_at)
            .put_opt(5, self.holder.map(|h| h.to_vec()))
            .build();
        format!("{PREFIX}{}", BASE32_NOPAD.encode(&cbor::to_vec(&map)))
    }
}

/// Julian day number of 1970-01-01.
const EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// Whether `text` starts like a personal QR (cheap; no decoding).
pub fn is_personal_qr(text: &str) -> bool {
    text.trim()
        .get(..PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
}

/// Decodes personal QR text. The sealed record stays sealed.
pub fn decode(text: &str) -> Result<PersonalQr, PersonalError> {
    let text = text.trim();
    if !is_personal_qr(text) {
        return Err(PersonalError::NotThisFormat);
    }
    let b32 = text
        .get(PREFIX.len()..)
        .ok_or(PersonalError::NotThisFormat)?;
    let bytes = cbor::decode_base32(b32).map_err(|e| match e {
        cbor::Base32Error::Truncated => PersonalError::Truncated,
        cbor::Base32Error::Encoding => PersonalError::Encoding,
    })?;
    let value = cbor::from_slice(&bytes).map_err(|e| match e {
        cbor::DecodeError::Truncated => PersonalError::Truncated,
        _ => PersonalError::Malformed,
    })?;
    let m = MapReader::new(&value)?;
    let version: u64 = m.int(0)?;
    if version != u64::from(FORMAT_VERSION) {
        return Err(PersonalError::UnsupportedVersion(version));
    }
    let hint_map = m.map(1)?;
    let short_name = hint_map.text(1)?;
    if short_name.is_empty() || short_name.chars().count() > MAX_SHORT_NAME_CHARS {
        return Err(PersonalError::Field(FieldError::Invalid(1)));
    }
    let hint = DisplayHint {
        short_name: short_name.to_owned(),
        birth_year: hint_map.opt_int(2)?,
    };
    let declaration = match m.opt_map(2)? {
        None => None,
        Some(d) => {
            let days: i32 = d.int(1)?;
            let declared_on = days
                .checked_add(EPOCH_JULIAN_DAY)
                .and_then(|j| Date::from_julian_day(j).ok())
                .ok_or(FieldError::Invalid(2))?;
            let status = DeclarationStatus::from_code(d.int(2)?).ok_or(FieldError::Invalid(2))?;
            Some(DeclarationSummary {
                declared_on,
                status,
            })
        }
    };
    let contact = SealedContact::from_cbor(m.get(3).ok_or(FieldError::Missing(3))?)?;
    if contact.enc.len() != 32 || contact.ciphertext.len() < 16 {
        return Err(PersonalError::Field(FieldError::Invalid(3)));
    }
    let holder = match m.get(5) {
        None => None,
        Some(_) => Some(
            <[u8; HOLDER_TAG_BYTES]>::try_from(m.bytes(5)?).map_err(|_| FieldError::Invalid(5))?,
        ),
    };
    Ok(PersonalQr {
        hint,
        declaration,
        contact,
        issued_at: m.int(4)?,
        holder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::fixtures::sealing_key;
    use crate::payload::contact::{ContactSource, IdKind};
    use proptest::prelude::*;
    use time::macros::date;

    fn record() -> ContactRecord {
        ContactRecord {
            full_name: "Trần Thị Bình".into(),
            id_number: Some("079305004321".into()),
            id_kind: Some(IdKind::Cccd),
            phone: Some("0900000000".into()),
            birth_year: Some(2005),
            source: ContactSource::PersonalQr,
        }
    }

    fn qr() -> PersonalQr {
        PersonalQr::new(
            &record(),
            Some(DeclarationSummary {
                declared_on: date!(2026 - 11 - 20),
                status: DeclarationStatus::Clear,
            }),
            sealing_key().public(),
            1_790_000_000,
        )
        .unwrap()
    }

    #[test]
    fn round_trip_and_only_the_authority_reads_the_record() {
        let q = qr();
        let text = q.encode();
        assert!(text.starts_with(PREFIX));
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b':')
        );
        let back = decode(&text).unwrap();
        assert_eq!(back, q);
        assert_eq!(back.hint.short_name, "T. T. Bình");
        assert_eq!(back.contact.open(&sealing_key()).unwrap(), record());
        // The text holds neither the full name nor the number.
        let raw = BASE32_NOPAD
            .decode(&text.as_bytes()[PREFIX.len()..])
            .unwrap();
        assert!(!raw.windows(6).any(|w| w == b"079305"));
        assert!(!raw.windows(4).any(|w| w == "Trần".as_bytes()));
    }

    #[test]
    fn small_enough_for_a_5cm_card() {
        use qrcode::{EcLevel, QrCode};
        let text = qr().encode();
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::Q).unwrap();
        let qrcode::Version::Normal(v) = code.version() else {
            panic!("micro")
        };
        println!("personal QR: {} chars, version {v} at EC Q", text.len());
        // Version 12 (65 modules) keeps a module ≥ 0.75 mm on a 5 cm card.
        assert!(v <= 12, "version {v}");
    }

    #[test]
    fn typed_errors() {
        let text = qr().encode();
        assert_eq!(decode("HTTPS://X/V/ABC"), Err(PersonalError::NotThisFormat));
        assert_eq!(decode(""), Err(PersonalError::NotThisFormat));
        assert_eq!(
            decode(&text[..text.len() - 1]),
            Err(PersonalError::Truncated)
        );
        assert_eq!(
            decode(&text[..text.len() - 8]),
            Err(PersonalError::Truncated)
        );
        assert_eq!(decode("QM1:A1"), Err(PersonalError::Encoding));
        assert_eq!(decode("QM1:"), Err(PersonalError::Truncated));
        let v2 = MapWriter::new().put(0, 2u8).build();
        let t = format!("{PREFIX}{}", BASE32_NOPAD.encode(&cbor::to_vec(&v2)));
        assert_eq!(decode(&t), Err(PersonalError::UnsupportedVersion(2)));
        let v1 = MapWriter::new().put(0, 1u8).build();
        let t = format!("{PREFIX}{}", BASE32_NOPAD.encode(&cbor::to_vec(&v1)));
        assert_eq!(
            decode(&t),
            Err(PersonalError::Field(FieldError::Missing(1)))
        );
    }

    proptest! {
        #[test]
        fn prop_round_trip(
            name in "[A-Za-zÀ-ỹ]{1,10}( [A-Za-zÀ-ỹ]{1,10}){0,4}",
            year in proptest::option::of(1900u16..2030),
            days in proptest::option::of(0i32..40_000),
            status in 0u8..4,
            issued in 0i64..4_000_000_000,
        ) {
            let mut r = record();
            r.full_name = name;
            r.birth_year = year;
            let declaration = days.map(|d| DeclarationSummary {
                declared_on: Date::from_julian_day(EPOCH_JULIAN_DAY + d).unwrap(),
                status: DeclarationStatus::from_code(status).unwrap(),
            });
            let q = PersonalQr::new(&r, declaration, sealing_key().public(), issued).unwrap();
            prop_assert_eq!(decode(&q.encode()).unwrap(), q);
        }

        #[test]
        fn prop_never_panics(tail in "[A-Z2-7]{0,300}", any_text in any::<String>()) {
            let _ = decode(&format!("{PREFIX}{tail}"));
            let _ = decode(&any_text);
        }
    }
}
