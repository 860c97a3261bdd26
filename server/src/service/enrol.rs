//! Staff phones: one-time enrolment codes (shown as a QR by the owner) → scanner tokens.
//! Both are stored as SHA-256 hashes only.

use quetma_core::api::{EnrolRequest, EnrolResponse};
use serde::Serialize;

use super::accounts::Account;
use super::{AppState, Result, ServiceError, hash_token, random_token};
use crate::params;

/// A one-time enrolment code.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// The code (shown once; only its hash is kept).
    pub code: String,
    /// The QR text: `{BASE}/E/{CODE}`, upper case (one alphanumeric QR segment). A staff phone's
    /// QuetMa app posts the code to `POST /api/v1/enrol`; a stock camera opens a page that says
    /// to use the app.
    pub qr_text: String,
    /// Venue.
    pub venue_id: String,
    /// Checkpoint name.
    pub checkpoint: String,
    /// Expiry, Unix ms.
    pub expires_at: i64,
}

/// Longest checkpoint name, characters.
pub const MAX_CHECKPOINT_CHARS: usize = 60;

/// Makes a one-time code for `venue_id` (the caller must be allowed to manage it).
pub async fn create_enrolment(
    state: &AppState,
    account: &Account,
    venue_id: &str,
    checkpoint: &str,
) -> Result<Enrolment> {
    let venue = super::venues::managed_venue(state, account, venue_id).await?;
    let checkpoint = checkpoint.trim();
    let checkpoint = if checkpoint.is_empty() {
        "Cổng chính"
    } else {
        checkpoint
    };
    if checkpoint.chars().count() > MAX_CHECKPOINT_CHARS || checkpoint.chars().any(char::is_control)
    {
        return Err(ServiceError::Invalid(
            "tên điểm quét không hợp lệ / invalid checkpoint name".into(),
        ));
    }
    let code = random_token::<20>()?;
    let now = state.now_ms();
    let expires_at = now + state.config.enrol_ttl_ms;
    state
        .db
        .exec(
            "INSERT INTO enrolments (code_hash, venue_id, checkpoint, created_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &params![
                hash_token(&code),
                &venue.id,
                checkpoint,
                &account.id,
                now,
                expires_at
            ],
        )
        .await?;
    let base = state
        .config
        .public_base_url
        .trim_end_matches('/')
        .to_uppercase();
    Ok(Enrolment {
        qr_text: format!("{base}/E/{code}"),
        code,
        venue_id: venue.id,
        checkpoint: checkpoint.to_owned(),
        expires_at,
    })
}

/// The code inside an enrolment QR text (or the bare code).
pub fn code_of(text: &str) -> &str {
    let t = text.trim();
    match t.rfind("/E/") {
        Some(i) => &t[i + 3..],
        None => t,
    }
}

/// Redeems a one-time code: a scanner token bound to the venue and checkpoint. `None` when the
/// code is unknown, used or expired.
pub async fn enrol(state: &AppState, req: &EnrolRequest) -> Result<Option<EnrolResponse>> {
    let code = code_of(&req.code).to_uppercase();
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let row = tx
        .query_opt(
            "SELECT e.venue_id, e.checkpoint, v.name FROM enrolments e \
             JOIN venues v ON v.id = e.venue_id \
             WHERE e.code_hash = $1 AND e.used_at IS NULL AND e.expires_at > $2",
            &params![hash_token(&code), now],
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (venue_id, checkpoint, venue_name) = (row.text(0)?, row.text(1)?, row.text(2)?);
    let n = tx
        .exec(
            "UPDATE enrolments SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
            &params![now, hash_token(&code)],
        )
        .await?;
    if n != 1 {
        return Ok(None);
    }
    let token = random_token::<32>()?;
    tx.exec(
        "INSERT INTO scanners (token_hash, venue_id, checkpoint, created_at) VALUES ($1, $2, $3, $4)",
        &params![hash_token(&token), &venue_id, &checkpoint, now],
    )
    .await?;
    tx.commit().await?;
    tracing::info!(venue = %venue_id, "scanner enrolled");
    Ok(Some(EnrolResponse {
        venue_id,
        venue_name,
        checkpoint,
        scanner_token: token,
    }))
}

/// The venue a live scanner token belongs to.
pub async fn scanner_venue(state: &AppState, token: &str) -> Result<Option<String>> {
    let row = state
        .db
        .query_opt(
            "SELECT venue_id FROM scanners WHERE token_hash = $1 AND revoked_at IS NULL",
            &params![hash_token(token)],
        )
        .await?;
    Ok(row.map(|r| r.text(0)).transpose()?)
}
