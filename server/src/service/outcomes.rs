//! Everyone reached: the contacts of a case who get no app alert (card scans, manual entries,
//! web check-ins) are called or texted by the tracer, who records what came of it per record —
//! by the record's kind, venue and client id, so the server learns that a record was reached,
//! never who it is (the number and name stay sealed, opened only offline by `quetma trace
//! decrypt`). Audited.

use serde::{Deserialize, Serialize};

use super::accounts::{Account, Role};
use super::cases::{self, Contact};
use super::{AppState, Result, ServiceError};
use crate::params;

/// What came of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The person was told.
    Reached,
    /// Nobody answered (still to reach).
    NoAnswer,
    /// The number is not theirs (cannot be reached by phone).
    WrongNumber,
}

impl Outcome {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reached => "reached",
            Self::NoAnswer => "no_answer",
            Self::WrongNumber => "wrong_number",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "reached" => Some(Self::Reached),
            "no_answer" => Some(Self::NoAnswer),
            "wrong_number" => Some(Self::WrongNumber),
            _ => None,
        }
    }
}

/// `POST /api/v1/cases/{id}/outcomes`: one record's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutcomeInput {
    /// The record's kind, as in the case (`visit`, `web`, `sms`, `visitor`).
    #[schema(pattern = "^(visit|web|sms|visitor)$", example = "visitor")]
    pub kind: String,
    /// The record's venue.
    #[schema(max_length = 100, example = "V7K2M9")]
    pub venue_id: String,
    /// The record's client id (as in the export and the decrypted CSV).
    #[schema(max_length = 100, example = "g-1")]
    pub client_id: String,
    /// What came of the call.
    pub outcome: Outcome,
}

/// One contact with its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactOutcome {
    /// The contact.
    #[serde(flatten)]
    pub contact: Contact,
    /// What came of the call (none yet, or an app contact).
    pub outcome: Option<Outcome>,
}

/// Who still has to be reached in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReachSummary {
    /// Case id.
    pub case_id: String,
    /// Contacts alerted by the app.
    pub by_app: i64,
    /// Contacts to call or text (check-ins by SMS included: they get the exposure SMS, and
    /// the tracer may still call them).
    pub to_call: i64,
    /// Of those, reached.
    pub reached: i64,
    /// Of those, wrong number.
    pub wrong_number: i64,
    /// Of those, still to reach (no outcome yet, or no answer).
    pub still_to_reach: i64,
    /// Every contact with its outcome.
    pub contacts: Vec<ContactOutcome>,
}

fn require_tracer(account: &Account) -> Result<()> {
    if account.role == Role::TracingOfficer {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The case's contacts with their outcomes and the counts (tracing officers only).
pub async fn summary(state: &AppState, officer: &Account, case_id: &str) -> Result<ReachSummary> {
    require_tracer(officer)?;
    let case = cases::get_case(state, officer, case_id).await?;
    let known = known(state, case_id).await?;
    Ok(summarise(case.case_id, case.contacts, &known))
}

/// The outcomes recorded for a case, by (kind, venue, client id).
pub async fn known(
    state: &AppState,
    case_id: &str,
) -> Result<std::collections::HashMap<(String, String, String), Outcome>> {
    let rows = state
        .db
        .query(
            "SELECT kind, venue_id, client_id, outcome FROM contact_outcomes WHERE case_id = $1",
            &params![case_id],
        )
        .await?;
    let mut known = std::collections::HashMap::new();
    for r in rows {
        if let Some(o) = Outcome::parse(&r.text(3)?) {
            known.insert((r.text(0)?, r.text(1)?, r.text(2)?), o);
        }
    }
    Ok(known)
}

/// Counts `contacts` against the recorded outcomes.
pub fn summarise(
    case_id: String,
    contacts: Vec<Contact>,
    known: &std::collections::HashMap<(String, String, String), Outcome>,
) -> ReachSummary {
    let mut s = ReachSummary {
        case_id,
        by_app: 0,
        to_call: 0,
        reached: 0,
        wrong_number: 0,
        still_to_reach: 0,
        contacts: Vec::with_capacity(contacts.len()),
    };
    for c in contacts {
        let outcome = known
            .get(&(c.kind.clone(), c.venue_id.clone(), c.client_id.clone()))
            .copied();
        if cases::learns_by(&c.kind) == "app" {
            s.by_app += 1;
        } else {
            s.to_call += 1;
            match outcome {
                Some(Outcome::Reached) => s.reached += 1,
                Some(Outcome::WrongNumber) => s.wrong_number += 1,
                Some(Outcome::NoAnswer) | None => s.still_to_reach += 1,
            }
        }
        s.contacts.push(ContactOutcome {
            contact: c,
            outcome,
        });
    }
    s
}

/// Records (or changes) one record's outcome; audited with the record's kind and client id
/// only. The record must be one of the case's contacts to call.
pub async fn record(
    state: &AppState,
    officer: &Account,
    case_id: &str,
    input: &OutcomeInput,
) -> Result<ReachSummary> {
    require_tracer(officer)?;
    let case = cases::get_case(state, officer, case_id).await?;
    let Some(c) = case.contacts.iter().find(|c| {
        c.kind == input.kind && c.venue_id == input.venue_id && c.client_id == input.client_id
    }) else {
        // The case is there; the record is not one of its contacts (a 404 would read as "no
        // such case").
        return Err(ServiceError::Conflict(
            "không có bản ghi này trong hồ sơ / no such record in the case".into(),
        ));
    };
    if cases::learns_by(&c.kind) == "app" {
        return Err(ServiceError::Invalid(
            "bản ghi này nhận cảnh báo qua ứng dụng / this record is alerted by the app".into(),
        ));
    }
    let now = state.now_ms();
    let key = params![
        case_id,
        &input.kind,
        &input.venue_id,
        &input.client_id,
        input.outcome.as_str(),
        &officer.id,
        now
    ];
    let updated = state
        .db
        .exec(
            "UPDATE contact_outcomes SET outcome = $5, recorded_by = $6, recorded_at = $7 \
             WHERE case_id = $1 AND kind = $2 AND venue_id = $3 AND client_id = $4",
            &key,
        )
        .await?;
    if updated == 0 {
        state
            .db
            .exec(
                "INSERT INTO contact_outcomes (case_id, kind, venue_id, client_id, outcome, \
                 recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &key,
            )
            .await?;
    }
    super::audit::append(
        state,
        &officer.actor(),
        "case.outcome",
        case_id,
        &serde_json::json!({
            "kind": input.kind, "venue_id": input.venue_id, "client_id": input.client_id,
            "outcome": input.outcome.as_str(),
        })
        .to_string(),
    )
    .await?;
    summary(state, officer, case_id).await
}
