//! (stub; replaced by the CCCD reader)
/// A parsed CCCD / Căn cước card QR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CccdCard {}
/// Why a text is not a valid CCCD QR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CccdError {
    /// The text does not look like a CCCD QR at all.
    #[error("not a CCCD QR")]
    NotThisFormat,
}
/// Parses a CCCD QR text.
pub fn parse(_text: &str) -> Result<CccdCard, CccdError> {
    Err(CccdError::NotThisFormat)
}

impl CccdCard {
    /// The minimised contact record (stub until the reader lands).
    pub fn contact_record(&self) -> super::contact::ContactRecord {
        super::contact::ContactRecord {
            full_name: String::new(),
            id_number: None,
            id_kind: None,
            phone: None,
            birth_year: None,
            source: super::contact::ContactSource::Cccd,
        }
    }

    /// The display hint (stub until the reader lands).
    pub fn display_hint(&self) -> super::contact::DisplayHint {
        super::contact::DisplayHint::from_full_name("", None)
    }
}
