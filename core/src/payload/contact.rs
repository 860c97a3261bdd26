//! The contact record a venue or the server may store but never read, and the short display hint
//! that stays readable.
//!
//! A [`ContactRecord`] is built from whatever identified a visitor (our personal QR, a CCCD or BHYT
//! card, the national personal QR, a manual entry), already minimised, and sealed at once with
//! HPKE to the health authority's public key ([`SealedContact`]). Only the authority's offline key
//! opens it.

use serde::{Deserialize, Serialize};

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
        assert_eq!(DisplayHint::from_full_name("Đặng thị Bình", None).short_name, "Đ. T. Bình");
        assert_eq!(DisplayHint::from_full_name("", None).short_name, "");
    }
}
