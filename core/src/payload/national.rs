//! (stub; replaced by the National reader)
/// A parsed National QR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalQr {}
/// Why a text is not a valid National QR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NationalError {
    /// The text does not look like this format at all.
    #[error("not this format")]
    NotThisFormat,
}
/// Parses the QR text.
pub fn parse(_text: &str) -> Result<NationalQr, NationalError> {
    Err(NationalError::NotThisFormat)
}

impl NationalQr {
    /// The minimised contact record (stub until the reader lands).
    pub fn contact_record(&self) -> super::contact::ContactRecord {
        super::contact::ContactRecord {
            full_name: String::new(),
            id_number: None,
            id_kind: None,
            phone: None,
            birth_year: None,
            source: super::contact::ContactSource::NationalQr,
        }
    }

    /// The display hint (stub until the reader lands).
    pub fn display_hint(&self) -> super::contact::DisplayHint {
        super::contact::DisplayHint::from_full_name("", None)
    }
}
