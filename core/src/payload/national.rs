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
