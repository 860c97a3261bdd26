//! Personal QR codes (stub; being written).
use super::contact::{DisplayHint, SealedContact};

/// A citizen's personal QR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalQr {
    /// What stays readable.
    pub hint: DisplayHint,
    /// The sealed contact record.
    pub contact: SealedContact,
}

/// Why a text is not a valid personal QR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalError {
    /// Not a personal QR.
    #[error("not a personal QR")]
    NotThisFormat,
}

/// Decodes personal QR text.
pub fn decode(_text: &str) -> Result<PersonalQr, PersonalError> {
    Err(PersonalError::NotThisFormat)
}
