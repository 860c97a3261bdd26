//! The operations behind the routes, as plain async functions over [`AppState`]: the device API
//! handlers, the JSON API for tools, the web check-in page and the portal all call these, so a
//! rule lives in one place.

use crate::db::DbError;

pub mod accounts;
pub mod audit;
pub mod cases;
pub mod enrol;
pub mod exposures;
pub mod outcomes;
pub mod sms_checkin;
pub mod stats;
pub mod throttle;
pub mod uploads;
pub mod venues;

pub use crate::state::AppState;

/// Why an operation failed. Messages never carry personal data.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Input out of range; the text says which field (Vietnamese / English).
    #[error("{0}")]
    Invalid(String),
    /// No such thing.
    #[error("not found")]
    NotFound,
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Already exists.
    #[error("{0}")]
    Conflict(String),
    /// A deployment limit was reached (the notices' hourly cap); try later.
    #[error("{0}")]
    TooMany(String),
    /// Anything else that is our fault.
    #[error("{0}")]
    Internal(String),
}

/// Result of a service call.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Refuses a tail or least overlap outside 0 ms to a day (the document's bounds).
pub fn check_overlap_params(tail_ms: Option<i64>, min_overlap_ms: Option<i64>) -> Result<()> {
    const DAY_MS: i64 = 86_400_000;
    if [tail_ms, min_overlap_ms]
        .iter()
        .flatten()
        .any(|v| !(0..=DAY_MS).contains(v))
    {
        return Err(ServiceError::Invalid(
            "đuôi và độ chồng lấn tối thiểu: 0 đến 1 ngày / tail and least overlap: 0 to 1 day (ms)"
                .into(),
        ));
    }
    Ok(())
}

/// The tail and least overlap of a tracing query or notice: the given ones (within a day) or
/// the deployment's.
pub fn overlap_params(
    state: &AppState,
    tail_ms: Option<i64>,
    min_overlap_ms: Option<i64>,
) -> (i64, i64) {
    const DAY_MS: i64 = 86_400_000;
    (
        tail_ms
            .unwrap_or(state.config.trace_tail_ms)
            .clamp(0, DAY_MS),
        min_overlap_ms
            .unwrap_or(state.config.min_overlap_ms)
            .clamp(0, DAY_MS),
    )
}

/// `n` random bytes.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| ServiceError::Internal(format!("random: {e}")))?;
    Ok(b)
}

/// A random token, Base32 (no padding), from `N` bytes.
pub fn random_token<const N: usize>() -> Result<String> {
    Ok(data_encoding::BASE32_NOPAD.encode(&random_bytes::<N>()?))
}

/// SHA-256, hex: how tokens and one-time codes are stored.
pub fn hash_token(token: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}
