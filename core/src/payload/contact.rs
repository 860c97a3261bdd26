//! The contact record a venue or the server may store but never read, and the short display hint
//! that stays readable.
//!
//! A [`ContactRecord`] is built from whatever identified a visitor (our personal QR, a CCCD or BHYT
//! card, the national personal QR, a manual entry), already minimised, and sealed at once with
//! HPKE to the health authority's public key ([`SealedContact`]). Only the authority's offline key
//! opens it.

use hpke::{Deserializable as _, OpModeR, OpModeS, Serializable as _};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::cbor::{self, FieldError, MapReader, MapWriter};
use crate::keys::{SealingKem, SealingPrivateKey, SealingPublicKey};

/// HPKE `info` string binding sealed records to this purpose and format version.
const HPKE_INFO: &[u8] = b"quetma/contact-record/v1";

/// Errors sealing or opening a contact record. No personal data in them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The record was sealed to another key than the one given.
    #[error("sealed to another key")]
    WrongKey,
    /// HPKE refused: corrupted ciphertext or encapsulated key, or the wrong private key.
    #[error("sealed record does not open")]
    Open,
    /// HPKE could not seal (random generator or key failure).
    #[error("record could not be sealed")]
    Seal,
    /// The opened plaintext is not a contact record.
    #[error("opened record is malformed: {0}")]
    Record(FieldError),
    /// A record field is out of bounds.
    #[error("contact field {0} is invalid")]
    InvalidField(&'static str),
}

/// Where a contact record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactSource {
    /// Our own personal QR (the citizen app or a printed card).
    PersonalQr,
    /// The QR on a CCCD / Căn cước citizen identity card.
    Cccd,
    /// The QR on a BHYT health-insurance card (or VssID).
    Bhyt,
    /// The national unified personal QR (Decision 1405/QĐ-BTTTT).
    NationalQr,
    /// Typed in by staff for a visitor with no phone and no card.
    Manual,
}

/// Which kind of identity number a record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// 12-digit personal identification number (CCCD / Căn cước).
    Cccd,
    /// 9-digit old identity card (CMND).
    Cmnd,
    /// Passport number.
    Passport,
    /// BHYT card number (15-character or 10-digit social-insurance number).
    Bhyt,
    /// Anything else (possibly masked, as the national QR shows by default).
    Other,
}

/// The minimised identity of one visitor: what a tracer needs to call them, nothing more
/// (no address, no old CMND number, no issue date, no full birth date).
///
/// `Debug` is redacted: this value must never reach a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecord {
    /// Full name as read or typed (NFC).
    pub full_name: String,
    /// Identity number, if one was presented.
    pub id_number: Option<String>,
    /// What kind of number `id_number` is.
    pub id_kind: Option<IdKind>,
    /// Phone number, if given.
    pub phone: Option<String>,
    /// Year of birth, if known.
    pub birth_year: Option<u16>,
    /// Where the record came from.
    pub source: ContactSource,
}

/// Longest full name kept, in characters.
pub const MAX_NAME_CHARS: usize = 100;

impl ContactSource {
    fn code(self) -> u8 {
        match self {
            Self::PersonalQr => 1,
            Self::Cccd => 2,
            Self::Bhyt => 3,
            Self::NationalQr => 4,
            Self::Manual => 5,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        [
            Self::PersonalQr,
            Self::Cccd,
            Self::Bhyt,
            Self::NationalQr,
            Self::Manual,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

impl IdKind {
    fn code(self) -> u8 {
        match self {
            Self::Cccd => 1,
            Self::Cmnd => 2,
            Self::Passport => 3,
            Self::Bhyt => 4,
            Self::Other => 0,
        }
    }

    fn from_code(code: u8) -> Self {
        [Self::Cccd, Self::Cmnd, Self::Passport, Self::Bhyt]
            .into_iter()
            .find(|s| s.code() == code)
            .unwrap_or(Self::Other)
    }
}

/// A field of a typed contact (the web check-in form, a manual entry) that is missing or wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactField {
    /// Full name: empty or longer than [`MAX_NAME_CHARS`].
    FullName,
    /// Phone: not 9–15 digits (an optional leading `+`; spaces, dots, dashes and brackets are
    /// ignored), or missing where one is required.
    Phone,
    /// Identity number: not 1–20 letters and digits.
    IdNumber,
    /// Year of birth: not a year from 1900 to this year.
    BirthYear,
}

/// What a person typed for a contact, as text (every field may be empty).
#[derive(Debug, Clone, Copy, Default)]
pub struct TypedContact<'a> {
    /// Full name.
    pub full_name: &'a str,
    /// Phone number.
    pub phone: &'a str,
    /// Identity number (CCCD, CMND, passport, BHYT…).
    pub id_number: &'a str,
    /// Year of birth.
    pub birth_year: &'a str,
}

impl IdKind {
    /// The kind of a (normalised: upper case, no spaces) identity number, by its shape: 12
    /// digits CCCD, 9 digits CMND, a letter and 7 digits a Vietnamese passport, 10 digits or 2
    /// letters and 13 digits a BHYT / social-insurance number; anything else `Other`.
    pub fn guess(number: &str) -> Self {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let b = number.as_bytes();
        match b.len() {
            12 if digits(number) => Self::Cccd,
            9 if digits(number) => Self::Cmnd,
            10 if digits(number) => Self::Bhyt,
            8 if b[0].is_ascii_uppercase() && digits(&number[1..]) => Self::Passport,
            15 if b[..2].iter().all(u8::is_ascii_uppercase) && digits(&number[2..]) => Self::Bhyt,
            _ => Self::Other,
        }
    }
}

/// Checks and normalises a typed contact — the one validation every form that takes a contact
/// uses (the web check-in page, the app's profiles): name NFC with single spaces; phone reduced
/// to its digits (and a leading `+`); identity number upper-cased without spaces and its kind
/// guessed ([`IdKind::guess`]); year of birth 1900 to `this_year`. Every bad field is reported,
/// not just the first.
pub fn validate_typed_contact(
    typed: &TypedContact<'_>,
    this_year: i32,
    phone_required: bool,
    source: ContactSource,
) -> Result<ContactRecord, Vec<ContactField>> {
    let mut bad = Vec::new();
    let full_name = crate::text::normalise(typed.full_name);
    if full_name.is_empty() || full_name.chars().count() > MAX_NAME_CHARS {
        bad.push(ContactField::FullName);
    }
    let raw_phone: String = typed
        .phone
        .chars()
        .filter(|c| !c.is_whitespace() && !".-()".contains(*c))
        .collect();
    let phone = if raw_phone.is_empty() {
        if phone_required {
            bad.push(ContactField::Phone);
        }
        None
    } else {
        let digits = raw_phone.strip_prefix('+').unwrap_or(&raw_phone);
        if (9..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Some(raw_phone.clone())
        } else {
            bad.push(ContactField::Phone);
            None
        }
    };
    let id: String = crate::text::normalise(typed.id_number)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    let id_number = if id.is_empty() {
        None
    } else if id.len() <= 20 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Some(id)
    } else {
        bad.push(ContactField::IdNumber);
        None
    };
    let year = typed.birth_year.trim();
    let birth_year = if year.is_empty() {
        None
    } else {
        match year.parse::<u16>() {
            Ok(y) if y >= 1900 && i32::from(y) <= this_year => Some(y),
            _ => {
                bad.push(ContactField::BirthYear);
                None
            }
        }
    };
    if !bad.is_empty() {
        return Err(bad);
    }
    Ok(ContactRecord {
        full_name,
        id_kind: id_number.as_deref().map(IdKind::guess),
        id_number,
        phone,
        birth_year,
        source,
    })
}

impl ContactRecord {
    /// Normalises the text fields (NFC, single spaces) and checks their bounds.
    pub fn normalised(&self) -> Result<Self, SealError> {
        let clean = crate::text::normalise;
        let full_name = clean(&self.full_name);
        if full_name.is_empty() || full_name.chars().count() > MAX_NAME_CHARS {
            return Err(SealError::InvalidField("full_name"));
        }
        let id_number = self
            .id_number
            .as_deref()
            .map(clean)
            .filter(|s| !s.is_empty());
        if id_number.as_ref().is_some_and(|s| s.len() > 32) {
            return Err(SealError::InvalidField("id_number"));
        }
        let phone = self.phone.as_deref().map(clean).filter(|s| !s.is_empty());
        if phone.as_ref().is_some_and(|s| {
            s.len() > 20
                || !s
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+ -.()".contains(c))
        }) {
            return Err(SealError::InvalidField("phone"));
        }
        Ok(Self {
            full_name,
            id_number,
            phone,
            ..self.clone()
        })
    }

    fn to_cbor(&self) -> ciborium::Value {
        MapWriter::new()
            .put(1, self.full_name.as_str())
            .put_opt(2, self.id_number.as_deref())
            .put_opt(3, self.id_kind.map(IdKind::code))
            .put_opt(4, self.phone.as_deref())
            .put_opt(5, self.birth_year)
            .put(6, self.source.code())
            .build()
    }

    fn from_cbor(value: &ciborium::Value) -> Result<Self, FieldError> {
        let m = MapReader::new(value)?;
        Ok(Self {
            full_name: m.text(1)?.to_owned(),
            id_number: m.opt_text(2)?.map(str::to_owned),
            id_kind: m.opt_int::<u8>(3)?.map(IdKind::from_code),
            phone: m.opt_text(4)?.map(str::to_owned),
            birth_year: m.opt_int(5)?,
            source: ContactSource::from_code(m.int(6)?).ok_or(FieldError::Invalid(6))?,
        })
    }

    /// Seals the record to the health authority's public key: HPKE base mode,
    /// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; the key id is the AAD.
    /// The plaintext is padded to a multiple of 32 bytes so the ciphertext length says little
    /// about the name's length.
    pub fn seal(&self, to: &SealingPublicKey) -> Result<SealedContact, SealError> {
        let record = self.normalised()?;
        let mut plaintext = Zeroizing::new(cbor::to_vec(&record.to_cbor()));
        let padded = plaintext.len().div_ceil(32) * 32;
        plaintext.resize(padded, 0);
        let kid = to.kid().as_str();
        let (enc, ciphertext) = hpke::single_shot_seal::<
            hpke::aead::ChaCha20Poly1305,
            hpke::kdf::HkdfSha256,
            SealingKem,
        >(
            &OpModeS::Base,
            to.hpke_key(),
            HPKE_INFO,
            &plaintext,
            kid.as_bytes(),
        )
        .map_err(|_| SealError::Seal)?;
        Ok(SealedContact {
            kid: kid.to_owned(),
            enc: enc.to_bytes().to_vec(),
            ciphertext,
        })
    }
}

impl SealedContact {
    /// Opens the record with the authority's private key (the tracing officer's offline key).
    pub fn open(&self, key: &SealingPrivateKey) -> Result<ContactRecord, SealError> {
        if self.kid != key.public().kid().as_str() {
            return Err(SealError::WrongKey);
        }
        let enc = <SealingKem as hpke::Kem>::EncappedKey::from_bytes(&self.enc)
            .map_err(|_| SealError::Open)?;
        let plaintext =
            Zeroizing::new(
                hpke::single_shot_open::<
                    hpke::aead::ChaCha20Poly1305,
                    hpke::kdf::HkdfSha256,
                    SealingKem,
                >(
                    &OpModeR::Base,
                    key.hpke_key(),
                    &enc,
                    HPKE_INFO,
                    &self.ciphertext,
                    self.kid.as_bytes(),
                )
                .map_err(|_| SealError::Open)?,
            );
        // Strip the zero padding: CBOR maps never end in a 0x00 byte that belongs to them
        // unless it is the last value; so read one item and ignore the zero tail.
        let end = plaintext.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let value = read_padded(&plaintext, end).ok_or(SealError::Record(FieldError::NotAMap))?;
        ContactRecord::from_cbor(&value).map_err(SealError::Record)
    }

    pub(crate) fn to_cbor(&self) -> ciborium::Value {
        MapWriter::new()
            .put(1, self.kid.as_str())
            .put(2, ciborium::Value::Bytes(self.enc.clone()))
            .put(3, ciborium::Value::Bytes(self.ciphertext.clone()))
            .build()
    }

    pub(crate) fn from_cbor(value: &ciborium::Value) -> Result<Self, FieldError> {
        let m = MapReader::new(value)?;
        Ok(Self {
            kid: m.text(1)?.to_owned(),
            enc: m.bytes(2)?.to_vec(),
            ciphertext: m.bytes(3)?.to_vec(),
        })
    }
}

/// Reads the one CBOR item at the start of a zero-padded plaintext.
fn read_padded(plaintext: &[u8], end: usize) -> Option<ciborium::Value> {
    // The item may itself end in zero bytes (e.g. a year or code of 0), so try the shortest
    // prefix that parses as exactly one item, from the last non-zero byte on.
    (end..=plaintext.len()).find_map(|n| cbor::from_slice(plaintext.get(..n)?).ok())
}

impl std::fmt::Debug for ContactRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactRecord")
            .field("source", &self.source)
            .field("id_kind", &self.id_kind)
            .finish_non_exhaustive()
    }
}

/// What stays readable of a visitor at a venue: an abbreviated name and a birth year, as
/// Bluezone showed when it scanned a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayHint {
    /// Abbreviated name, e.g. `N. V. An` for `Nguyễn Văn An`.
    pub short_name: String,
    /// Year of birth, if known.
    pub birth_year: Option<u16>,
}

impl DisplayHint {
    /// Builds the hint from a full name: initials of every word but the last (the given name),
    /// then the given name. `Nguyễn Văn An` → `N. V. An`; a one-word name stays as it is.
    pub fn from_full_name(full_name: &str, birth_year: Option<u16>) -> Self {
        let words: Vec<&str> = full_name.split_whitespace().collect();
        let short_name = match words.split_last() {
            None => String::new(),
            Some((given, rest)) => {
                let mut out = String::new();
                for w in rest {
                    if let Some(c) = w.chars().next() {
                        out.extend(c.to_uppercase());
                        out.push_str(". ");
                    }
                }
                out.push_str(given);
                out
            }
        };
        Self {
            short_name,
            birth_year,
        }
    }
}

/// A [`ContactRecord`] sealed with HPKE (X25519-HKDF-SHA256, HKDF-SHA256, ChaCha20-Poly1305,
/// base mode) to the public key `kid` of the health authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedContact {
    /// Key id of the authority key this was sealed to.
    pub kid: String,
    /// HPKE encapsulated key (32 bytes for X25519).
    pub enc: Vec<u8>,
    /// AEAD ciphertext of the CBOR-encoded record.
    pub ciphertext: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::fixtures::sealing_key;
    use proptest::prelude::*;

    #[test]
    fn typed_contacts_are_normalised_and_checked() {
        let ok = validate_typed_contact(
            &TypedContact {
                full_name: "  Nguye\u{302}\u{303}n  Thị Hoa ",
                phone: "0912 345.678",
                id_number: " c1234567 ",
                birth_year: "1988",
            },
            2026,
            true,
            ContactSource::Manual,
        )
        .unwrap();
        assert_eq!(ok.full_name, "Nguyễn Thị Hoa");
        assert_eq!(ok.phone.as_deref(), Some("0912345678"));
        assert_eq!(ok.id_number.as_deref(), Some("C1234567"));
        assert_eq!(ok.id_kind, Some(IdKind::Passport));
        assert_eq!(ok.birth_year, Some(1988));
        let bad = validate_typed_contact(
            &TypedContact {
                full_name: " ",
                phone: "12",
                id_number: "12-34",
                birth_year: "2100",
            },
            2026,
            true,
            ContactSource::Manual,
        )
        .unwrap_err();
        assert_eq!(
            bad,
            [
                ContactField::FullName,
                ContactField::Phone,
                ContactField::IdNumber,
                ContactField::BirthYear
            ]
        );
        // A phone is optional where not required; a future year never passes.
        let t = TypedContact {
            full_name: "An",
            birth_year: "2027",
            ..TypedContact::default()
        };
        assert_eq!(
            validate_typed_contact(&t, 2026, false, ContactSource::Manual).unwrap_err(),
            [ContactField::BirthYear]
        );
        assert_eq!(IdKind::guess("001099012345"), IdKind::Cccd);
        assert_eq!(IdKind::guess("123456789"), IdKind::Cmnd);
        assert_eq!(IdKind::guess("DN4010123456789"), IdKind::Bhyt);
        assert_eq!(IdKind::guess("XYZ"), IdKind::Other);
    }

    fn record() -> ContactRecord {
        ContactRecord {
            full_name: "Nguyễn Văn An".into(),
            id_number: Some("001099012345".into()),
            id_kind: Some(IdKind::Cccd),
            phone: Some("0912345678".into()),
            birth_year: Some(1999),
            source: ContactSource::Cccd,
        }
    }

    #[test]
    fn only_the_authority_key_opens_a_sealed_record() {
        let key = sealing_key();
        let sealed = record().seal(key.public()).unwrap();
        assert_eq!(sealed.kid, key.public().kid().as_str());
        assert_eq!(sealed.open(&key).unwrap(), record());
        // No plaintext in the sealed bytes.
        let all = [sealed.enc.clone(), sealed.ciphertext.clone()].concat();
        assert!(!all.windows(6).any(|w| w == b"001099"));
        assert!(!all.windows(4).any(|w| w == b"Nguy"));
        // Another key: refused by id, and refused by HPKE even when the id is forged.
        let other = SealingPrivateKey::generate().unwrap();
        assert_eq!(sealed.open(&other), Err(SealError::WrongKey));
        let mut forged = sealed.clone();
        forged.kid = other.public().kid().to_string();
        assert_eq!(forged.open(&other), Err(SealError::Open));
        // Any bit flipped: refused.
        let mut bad = sealed.clone();
        bad.ciphertext[3] ^= 1;
        assert_eq!(bad.open(&key), Err(SealError::Open));
        let mut bad = sealed;
        bad.enc[0] ^= 1;
        assert_eq!(bad.open(&key), Err(SealError::Open));
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let key = sealing_key();
        let a = record().seal(key.public()).unwrap();
        let b = record().seal(key.public()).unwrap();
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_eq!(a.ciphertext.len() % 16, 0);
    }

    #[test]
    fn debug_is_redacted() {
        let s = format!("{:?}", record());
        assert!(
            !s.contains("Nguy") && !s.contains("0012") && !s.contains("0912"),
            "{s}"
        );
    }

    #[test]
    fn rejects_bad_fields() {
        let mut r = record();
        r.full_name = "   ".into();
        assert_eq!(
            r.seal(sealing_key().public()),
            Err(SealError::InvalidField("full_name"))
        );
        let mut r = record();
        r.phone = Some("call me".into());
        assert_eq!(
            r.seal(sealing_key().public()),
            Err(SealError::InvalidField("phone"))
        );
    }

    proptest! {
        #[test]
        fn prop_seal_open_round_trip(
            name in "[A-Za-zÀ-ỹ]{1,12}( [A-Za-zÀ-ỹ]{1,12}){0,4}",
            id in proptest::option::of("[0-9]{9,12}"),
            phone in proptest::option::of("0[0-9]{9}"),
            year in proptest::option::of(1900u16..2030),
            source in 1u8..=5,
        ) {
            let r = ContactRecord {
                full_name: name,
                id_kind: id.as_ref().map(|_| IdKind::Cccd),
                id_number: id,
                phone,
                birth_year: year,
                source: ContactSource::from_code(source).unwrap(),
            };
            let key = sealing_key();
            let opened = r.seal(key.public()).unwrap().open(&key).unwrap();
            prop_assert_eq!(opened, r.normalised().unwrap());
        }
    }

    #[test]
    fn abbreviates_vietnamese_names() {
        assert_eq!(
            DisplayHint::from_full_name("Nguyễn Văn An", Some(1999)).short_name,
            "N. V. An"
        );
        assert_eq!(
            DisplayHint::from_full_name("  Ánh  ", None).short_name,
            "Ánh"
        );
        assert_eq!(
            DisplayHint::from_full_name("Đặng thị Bình", None).short_name,
            "Đ. T. Bình"
        );
        assert_eq!(DisplayHint::from_full_name("", None).short_name, "");
    }
}
