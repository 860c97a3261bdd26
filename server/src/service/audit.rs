//! The append-only audit log (the database refuses UPDATE and DELETE on it).

use super::{AppState, Result};
use crate::params;

/// Who did something.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// Account id (none for the system or an anonymous device).
    pub account_id: Option<String>,
    /// Username.
    pub username: Option<String>,
}

/// One audit entry.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Sequence.
    pub id: i64,
    /// When, Unix ms.
    pub at: i64,
    /// Who.
    pub username: Option<String>,
    /// What (`trace.query`, `trace.export`, `notice.publish`, …).
    pub action: String,
    /// On what (a case id, a venue id).
    pub target: String,
    /// Details (JSON; never personal data).
    pub detail: String,
}

/// Appends an entry.
pub async fn append(
    state: &AppState,
    actor: &Actor,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    state
        .db
        .exec(
            "INSERT INTO audit_log (at, account_id, username, action, target, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &params![
                state.now_ms(),
                actor.account_id.clone(),
                actor.username.clone(),
                action,
                target,
                detail
            ],
        )
        .await?;
    Ok(())
}

/// The latest `limit` entries, newest first.
pub async fn recent(state: &AppState, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows = state
        .db
        .query(
            "SELECT id, at, username, action, target, detail FROM audit_log \
             ORDER BY id DESC LIMIT $1",
            &params![limit],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.int(0)?,
                at: r.int(1)?,
                username: r.opt_text(2)?,
                action: r.text(3)?,
                target: r.text(4)?,
                detail: r.text(5)?,
            })
        })
        .collect()
}
