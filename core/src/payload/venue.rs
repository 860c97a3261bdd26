//! Venue posters: a signed venue record as an upper-case URL (stub; being written).
use crate::keys::{AuthoritySigningKey, KeyId, TrustList};

/// What kind of place a venue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VenueCategory {
    /// Shop, market stall, supermarket.
    Shop,
    /// Anything else.
    Other,
}

/// The venue record a poster carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueInfo {
    /// Venue id, unique in the deployment.
    pub venue_id: String,
    /// Name as shown to visitors (NFC).
    pub name: String,
    /// Address (NFC).
    pub address: String,
    /// Commune (xã / phường) code.
    pub commune_code: u32,
    /// Category.
    pub category: VenueCategory,
    /// Default stay length in minutes.
    pub default_stay_minutes: u32,
    /// Issue time, Unix seconds.
    pub issued_at: i64,
}

/// A poster whose signature verified against the trust list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenuePoster {
    /// The venue.
    pub info: VenueInfo,
    /// Id of the key that signed it.
    pub kid: KeyId,
}

/// Why a text is not a valid venue poster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VenueError {
    /// Not a poster URL.
    #[error("not a venue poster")]
    NotThisFormat,
}

/// Signs and encodes a venue record as poster text.
pub fn encode(_info: &VenueInfo, _key: &AuthoritySigningKey) -> Result<String, VenueError> {
    Err(VenueError::NotThisFormat)
}

/// Decodes and verifies poster text.
pub fn decode(_text: &str, _trust: &TrustList) -> Result<VenuePoster, VenueError> {
    Err(VenueError::NotThisFormat)
}
