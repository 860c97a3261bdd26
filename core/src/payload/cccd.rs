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
