//! One typed answer for any scanned text.

use super::bhyt::{self, BhytCard, BhytError};
use super::cccd::{self, CccdCard, CccdError};
use super::national::{self, NationalError, NationalQr};
use super::personal::{self, PersonalError, PersonalQr};
use super::venue::{self, VenueError, VenuePoster};
use crate::keys::TrustList;

/// What a scanned text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// A venue poster whose signature verified.
    Venue(VenuePoster),
    /// A QuetMa personal QR.
    Personal(PersonalQr),
    /// A CCCD / Căn cước card QR.
    Cccd(CccdCard),
    /// A BHYT card QR.
    Bhyt(BhytCard),
    /// The national personal QR (Decision 1405).
    National(NationalQr),
    /// A staff-phone enrolment link from a venue owner's portal.
    Enrolment(super::enrolment::EnrolmentLink),
    /// A tracer's case code (`{BASE}/K/{CODE}`): the confirmed person shares their history.
    CaseCode(super::casecode::CaseCodeLink),
    /// A code of a kind we know, but invalid: the reason says why.
    Invalid(InvalidCode),
    /// Not a code we know.
    Unknown,
}

/// A code of a kind we know that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidCode {
    /// A venue poster that failed.
    #[error("invalid venue poster: {0}")]
    Venue(VenueError),
    /// A personal QR that failed.
    #[error("invalid personal QR: {0}")]
    Personal(PersonalError),
    /// A CCCD QR that failed.
    #[error("invalid CCCD QR: {0}")]
    Cccd(CccdError),
    /// A BHYT QR that failed.
    #[error("invalid BHYT QR: {0}")]
    Bhyt(BhytError),
    /// A national personal QR that failed.
    #[error("invalid national personal QR: {0}")]
    National(NationalError),
}

/// Classifies any scanned text. Never panics.
pub fn classify(text: &str, trust: &TrustList) -> Scanned {
    match venue::decode(text, trust) {
        Ok(v) => return Scanned::Venue(v),
        Err(VenueError::WrongPrefix) => {}
        Err(e) => return Scanned::Invalid(InvalidCode::Venue(e)),
    }
    if let Some(link) = super::enrolment::parse(text) {
        return Scanned::Enrolment(link);
    }
    if let Some(link) = super::casecode::parse_link(text) {
        return Scanned::CaseCode(link);
    }
    match personal::decode(text) {
        Ok(v) => return Scanned::Personal(v),
        Err(PersonalError::NotThisFormat) => {}
        Err(e) => return Scanned::Invalid(InvalidCode::Personal(e)),
    }
    match bhyt::parse(text) {
        Ok(v) => return Scanned::Bhyt(v),
        Err(BhytError::NotThisFormat) => {}
        Err(e) => return Scanned::Invalid(InvalidCode::Bhyt(e)),
    }
    match national::parse(text) {
        Ok(v) => return Scanned::National(v),
        Err(NationalError::NotThisFormat) => {}
        Err(e) => return Scanned::Invalid(InvalidCode::National(e)),
    }
    match cccd::parse(text) {
        Ok(v) => return Scanned::Cccd(v),
        Err(CccdError::NotThisFormat) => {}
        Err(e) => return Scanned::Invalid(InvalidCode::Cccd(e)),
    }
    Scanned::Unknown
}
