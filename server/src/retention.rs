//! The retention purge: everything past the window goes (check-ins, visitor logs, health
//! answers, cases and their sealed records, notices, sessions, enrolment codes, the SMS reply
//! channel and inbound-message log). On PostgreSQL whole day partitions are dropped, and
//! partitions for the coming days are made ahead.

use std::time::Duration;

use crate::db::schema::{self, DAY_MS};
use crate::db::{Backend, DbError};
use crate::params;
use crate::state::AppState;

/// What one purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purged {
    /// Check-in rows deleted (SQLite).
    pub checkins: u64,
    /// Visitor-log rows deleted (SQLite).
    pub visitors: u64,
    /// Day partitions dropped (PostgreSQL).
    pub partitions_dropped: u32,
    /// Day partitions made ahead (PostgreSQL).
    pub partitions_made: u32,
    /// Cases deleted (with their records).
    pub cases: u64,
    /// Notices deleted.
    pub notices: u64,
    /// Health-answer rows deleted.
    pub declarations: u64,
    /// Sessions and enrolment codes expired.
    pub sessions: u64,
    /// SMS reply-channel rows and inbound-message rows deleted.
    pub sms: u64,
}

/// Days of partitions made ahead.
pub const DAYS_AHEAD: i64 = 3;

/// Makes the partitions the window needs (PostgreSQL; nothing on SQLite).
pub async fn prepare(state: &AppState) -> Result<u32, DbError> {
    let now = state.now_ms();
    schema::ensure_partitions(
        &state.db,
        now - state.config.retention_ms() - DAY_MS,
        now + DAYS_AHEAD * DAY_MS,
    )
    .await
}

/// One purge at the state's "now".
pub async fn run_once(state: &AppState) -> Result<Purged, DbError> {
    let now = state.now_ms();
    let cutoff = now - state.config.retention_ms();
    let db = &state.db;
    let mut p = Purged {
        partitions_made: prepare(state).await?,
        ..Purged::default()
    };
    match db.backend() {
        Backend::Postgres => {
            // A row lives in the partition of its start, so a whole day goes once the day
            // ended before the cutoff. Stays that started earlier and ended later are rare
            // (hotels) and go with their start day: the window counts from arrival.
            p.partitions_dropped = schema::drop_partitions_before(db, cutoff).await?;
        }
        Backend::Sqlite => {
            p.checkins = db
                .exec(
                    "DELETE FROM checkins WHERE started_at < $1",
                    &params![cutoff],
                )
                .await?;
            p.visitors = db
                .exec(
                    "DELETE FROM visitors WHERE scanned_at < $1",
                    &params![cutoff],
                )
                .await?;
        }
    }
    p.declarations = db
        .exec(
            "DELETE FROM declarations WHERE submitted_at < $1",
            &params![cutoff],
        )
        .await?;
    // A case's own visits (shared by the phone, from an export, typed in) and its one-time
    // codes: the visits go with their case or once they ended before the window; a code once
    // it expired (used or not).
    db.exec(
        "DELETE FROM case_visits WHERE ended_at < $1 \
         OR case_id IN (SELECT id FROM cases WHERE created_at < $1)",
        &params![cutoff],
    )
    .await?;
    db.exec(
        "DELETE FROM case_codes WHERE expires_at < $1 \
         OR case_id IN (SELECT id FROM cases WHERE created_at < $2)",
        &params![now, cutoff],
    )
    .await?;
    db.exec(
        "DELETE FROM case_records WHERE case_id IN (SELECT id FROM cases WHERE created_at < $1)",
        &params![cutoff],
    )
    .await?;
    db.exec(
        "DELETE FROM contact_outcomes WHERE case_id IN (SELECT id FROM cases WHERE created_at < $1)",
        &params![cutoff],
    )
    .await?;
    p.cases = db
        .exec("DELETE FROM cases WHERE created_at < $1", &params![cutoff])
        .await?;
    p.notices = db
        .exec(
            "DELETE FROM notices WHERE end_at + tail_ms < $1",
            &params![cutoff],
        )
        .await?;
    // Notice batches (migration 10): kept as long as their notices could still be served.
    db.exec(
        "DELETE FROM notice_batches WHERE created_at < $1 AND NOT EXISTS \
         (SELECT 1 FROM notices WHERE notices.batch_id = notice_batches.id)",
        &params![cutoff],
    )
    .await?;
    db.exec("DELETE FROM sms_sent WHERE sent_at < $1", &params![cutoff])
        .await?;
    // Check-in by SMS (migration 20): the reply channel goes with its check-ins (by their
    // start, as the day partitions do), the inbound message log after the same window.
    p.sms = db
        .exec(
            "DELETE FROM sms_replies WHERE started_at < $1",
            &params![cutoff],
        )
        .await?;
    p.sms += db
        .exec(
            "DELETE FROM sms_inbound WHERE received_at < $1",
            &params![cutoff],
        )
        .await?;
    p.sessions = db
        .exec("DELETE FROM sessions WHERE expires_at < $1", &params![now])
        .await?;
    p.sessions += db
        .exec(
            "DELETE FROM enrolments WHERE expires_at < $1 OR used_at IS NOT NULL AND used_at < $2",
            &params![now, cutoff],
        )
        .await?;
    // Forget the rate-limit buckets of devices that have gone quiet.
    state.limiter.retain_recent();
    state.limiter.shrink_to_fit();
    state.web_limiter.retain_recent();
    state.web_limiter.shrink_to_fit();
    state.sms_number_limiter.retain_recent();
    state.sms_number_limiter.shrink_to_fit();
    state.sms_address_limiter.retain_recent();
    state.sms_address_limiter.shrink_to_fit();
    tracing::info!(?p, "retention purge");
    Ok(p)
}

/// Runs the purge every `every` until the process ends.
pub fn spawn(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&state).await {
                tracing::error!(error = %e, "retention purge failed");
            }
            // Exposure SMS a restart or a gateway outage left unsent (none twice).
            match crate::service::sms_checkin::catch_up(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "exposure SMS caught up"),
                Err(e) => tracing::error!(error = %e, "exposure SMS catch-up failed"),
            }
        }
    })
}
