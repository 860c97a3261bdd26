//! (stub; replaced by the Bhyt reader)
/// A parsed Bhyt QR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BhytCard {}
/// Why a text is not a valid Bhyt QR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BhytError {
    /// The text does not look like this format at all.
    #[error("not this format")]
    NotThisFormat,
}
/// Parses the QR text.
pub fn parse(_text: &str) -> Result<BhytCard, BhytError> {
    Err(BhytError::NotThisFormat)
}
