//! The upload outbox: everything the phone must send to the server, each under a stable client
//! id so that a resend after a lost answer is idempotent.
//!
//! A change to something already queued (a check-out after a check-in, a cancellation) replaces
//! the body under the same id and queues it again: the server keeps the latest body per id.

use rusqlite::{OptionalExtension as _, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::payload::SealedContact;
use crate::store::{Store, StoreError};

/// What an outbox entry carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// A citizen's visit (check-in, with its end once known).
    Visit,
    /// A business scanner's visitor-log entry.
    Visitor,
}

impl OutboxKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Visit => "visit",
            Self::Visitor => "visitor",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "visit" => Some(Self::Visit),
            "visitor" => Some(Self::Visitor),
            _ => None,
        }
    }
}

/// A sealed contact record as it travels in JSON (Base64url fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealedContactJson {
    /// Authority key id.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[!-~]{1,100}$",
            example = "sk-2026"
        )
    )]
    pub kid: String,
    /// HPKE encapsulated key, Base64url.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 2,
            max_length = 256,
            pattern = "^([A-Za-z0-9_-]{4})*([A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$",
            example = "AAAA"
        )
    )]
    pub enc: String,
    /// Ciphertext, Base64url.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 2,
            max_length = 4096,
            pattern = "^([A-Za-z0-9_-]{4})*([A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$",
            example = "AAAA"
        )
    )]
    pub ct: String,
}

impl From<&SealedContact> for SealedContactJson {
    fn from(s: &SealedContact) -> Self {
        use data_encoding::BASE64URL_NOPAD as B64;
        Self {
            kid: s.kid.clone(),
            enc: B64.encode(&s.enc),
            ct: B64.encode(&s.ciphertext),
        }
    }
}

impl SealedContactJson {
    /// Back to the sealed record (`None` if the Base64 is damaged).
    pub fn to_sealed(&self) -> Option<SealedContact> {
        use data_encoding::BASE64URL_NOPAD as B64;
        Some(SealedContact {
            kid: self.kid.clone(),
            enc: B64.decode(self.enc.as_bytes()).ok()?,
            ciphertext: B64.decode(self.ct.as_bytes()).ok()?,
        })
    }
}

/// The body of a visit upload: what the server learns of a citizen's check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitUpload {
    /// Stable client id (the visit id).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[!-~]{1,100}$",
            example = "v-01JDXK"
        )
    )]
    pub client_id: String,
    /// Venue id from the signed poster.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[!-~]{1,100}$",
            example = "V7K2M9"
        )
    )]
    pub venue_id: String,
    /// Key id that signed the poster.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[!-~]{1,100}$",
            example = "ak-2026"
        )
    )]
    pub poster_kid: String,
    /// Start, Unix ms.
    pub started_at: i64,
    /// End, Unix ms, once known.
    pub ended_at: Option<i64>,
    /// Planned automatic end, Unix ms.
    pub planned_end: i64,
    /// The visit was cancelled by the user (the server drops it).
    pub cancelled: bool,
    /// The visitor's contact record, sealed to the health authority.
    pub contact: SealedContactJson,
}

/// The body of a visitor-log upload: one person seen by a business scanner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitorUpload {
    /// Stable client id (the visitor-log entry id).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[!-~]{1,100}$",
            example = "g-01JDXK"
        )
    )]
    pub client_id: String,
    /// Venue id.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[!-~]{1,100}$",
            example = "V7K2M9"
        )
    )]
    pub venue_id: String,
    /// Checkpoint name (e.g. "Cổng chính").
    #[cfg_attr(feature = "openapi", schema(max_length = 60, example = "Cổng chính"))]
    pub checkpoint: String,
    /// `entry` or `exit`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(entry|exit)$", example = "entry")
    )]
    pub direction: String,
    /// When scanned, Unix ms.
    pub scanned_at: i64,
    /// What identified the person (personal_qr, cccd, bhyt, national_qr, manual).
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^(personal_qr|cccd|bhyt|national_qr|manual)$",
            example = "cccd"
        )
    )]
    pub source: String,
    /// The contact record, sealed to the health authority.
    pub contact: SealedContactJson,
}

/// One queued upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Stable client id.
    pub id: String,
    /// What it carries.
    pub kind: OutboxKind,
    /// JSON body ([`VisitUpload`] or [`VisitorUpload`]).
    pub body: String,
    /// When first queued, Unix ms.
    pub created_at: i64,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// How much waits in the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Not sent yet.
    pub pending: u64,
    /// Not sent yet and failed at least once.
    pub failing: u64,
    /// Sent and acknowledged (kept until the retention purge).
    pub sent: u64,
    /// Refused by the server for good (never resent; kept until the retention purge).
    pub rejected: u64,
}

/// Queues (or re-queues, replacing the body) an upload inside a write transaction.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    id: &str,
    kind: OutboxKind,
    body: &impl Serialize,
    now: i64,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(body).map_err(|_| StoreError::Malformed("outbox body"))?;
    tx.execute(
        "INSERT INTO outbox (id, kind, ref_id, body, created_at) VALUES (?1, ?2, ?1, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, sent_at = NULL, attempts = 0,
           last_error = NULL, next_attempt_at = NULL, rejected = NULL",
        params![id, kind.as_str(), body, now],
    )?;
    Ok(())
}

/// The queued body under `id`, if any.
pub(crate) fn body<T: for<'de> Deserialize<'de>>(
    tx: &Transaction<'_>,
    id: &str,
) -> Result<Option<T>, StoreError> {
    let text: Option<String> = tx
        .query_row("SELECT body FROM outbox WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(|_| StoreError::Malformed("outbox body")))
        .transpose()
}

impl Store {
    /// Up to `limit` pending uploads due now, oldest first.
    pub fn outbox_pending(&self, limit: u32) -> Result<Vec<OutboxItem>, StoreError> {
        let now = self.now_ms();
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, kind, body, created_at, attempts FROM outbox
             WHERE sent_at IS NULL AND rejected IS NULL
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)
             ORDER BY created_at, id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now, limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, u32>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, body, created_at, attempts) = row?;
            let kind = OutboxKind::parse(&kind).ok_or(StoreError::Malformed("outbox kind"))?;
            out.push(OutboxItem {
                id,
                kind,
                body,
                created_at,
                attempts,
            });
        }
        Ok(out)
    }

    /// Marks uploads acknowledged by the server. Only the bodies that were sent are marked: an
    /// entry re-queued since (a check-out after the check-in went up) stays pending.
    pub fn outbox_mark_sent(&self, sent: &[(String, String)]) -> Result<(), StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            for (id, body) in sent {
                tx.execute(
                    "UPDATE outbox SET sent_at = ?1 WHERE id = ?2 AND body = ?3",
                    params![now, id, body],
                )?;
            }
            Ok(())
        })
    }

    /// Records a failed attempt; the entry is due again at `retry_at` (Unix ms).
    pub fn outbox_mark_failed(
        &self,
        ids: &[String],
        reason: &str,
        retry_at: i64,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            for id in ids {
                tx.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?1,
                     next_attempt_at = ?2 WHERE id = ?3 AND sent_at IS NULL AND rejected IS NULL",
                    params![reason, retry_at, id],
                )?;
            }
            Ok(())
        })
    }

    /// Records a failed attempt on each entry, each due again at its own time (Unix ms): the
    /// back-off of every item after a failed batch, in one transaction.
    pub fn outbox_mark_failed_each(
        &self,
        retries: &[(String, i64)],
        reason: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut stmt = tx.prepare(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?1,
                 next_attempt_at = ?2 WHERE id = ?3 AND sent_at IS NULL AND rejected IS NULL",
            )?;
            for (id, retry_at) in retries {
                stmt.execute(params![reason, retry_at, id])?;
            }
            Ok(())
        })
    }

    /// Marks uploads the server refused for good (`reason` is a stable code such as
    /// `unknown_venue`): they are never sent again, unless the entry is re-queued with a new
    /// body. As with [`Store::outbox_mark_sent`], only the bodies that were sent are marked.
    pub fn outbox_mark_rejected(
        &self,
        rejected: &[(String, String, String)],
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            for (id, body, reason) in rejected {
                tx.execute(
                    "UPDATE outbox SET rejected = ?1, last_error = ?1
                     WHERE id = ?2 AND body = ?3 AND sent_at IS NULL",
                    params![reason, id, body],
                )?;
            }
            Ok(())
        })
    }

    /// The uploads the server refused for good, with the stable reason code, oldest first.
    pub fn outbox_rejected(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, rejected FROM outbox WHERE rejected IS NOT NULL AND sent_at IS NULL
             ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The earliest time a pending upload that is waiting out a back-off is due, Unix ms.
    pub fn outbox_next_attempt_at(&self) -> Result<Option<i64>, StoreError> {
        let conn = self.conn()?;
        Ok(conn.query_row(
            "SELECT MIN(next_attempt_at) FROM outbox
             WHERE sent_at IS NULL AND rejected IS NULL AND next_attempt_at IS NOT NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Queues `n` visit uploads at `venue_id` (dummy sealed contact) in one transaction, as if
    /// read from posters signed by `poster_kid` (the server refuses unknown key ids): test and
    /// benchmark seeding only.
    #[doc(hidden)]
    pub fn seed_outbox_for_tests(
        &self,
        n: usize,
        venue_id: &str,
        poster_kid: &str,
    ) -> Result<Vec<String>, StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            let mut ids = Vec::with_capacity(n);
            for i in 0..n {
                let id = crate::store::new_id()?;
                let start = now - 3_600_000 + i64::try_from(i).unwrap_or(0);
                let body = VisitUpload {
                    client_id: id.clone(),
                    venue_id: venue_id.to_string(),
                    poster_kid: poster_kid.into(),
                    started_at: start,
                    ended_at: Some(start + 60_000),
                    planned_end: start + 60_000,
                    cancelled: false,
                    contact: SealedContactJson {
                        kid: "AAAAAAAA".into(),
                        enc: "AA".into(),
                        ct: "AA".into(),
                    },
                };
                enqueue(tx, &id, OutboxKind::Visit, &body, now)?;
                ids.push(id);
            }
            Ok(ids)
        })
    }

    /// How much waits in the outbox.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let conn = self.conn()?;
        Ok(conn.query_row(
            "SELECT
               COALESCE(SUM(sent_at IS NULL AND rejected IS NULL), 0),
               COALESCE(SUM(sent_at IS NULL AND rejected IS NULL AND attempts > 0), 0),
               COALESCE(SUM(sent_at IS NOT NULL), 0),
               COALESCE(SUM(sent_at IS NULL AND rejected IS NOT NULL), 0)
             FROM outbox",
            [],
            |r| {
                let n = |i: usize| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
                Ok(OutboxCounts {
                    pending: n(0)?,
                    failing: n(1)?,
                    sent: n(2)?,
                    rejected: n(3)?,
                })
            },
        )?)
    }
}
