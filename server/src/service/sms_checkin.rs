//! Check-in by SMS for feature phones, and the exposure SMS back to the same number.
//!
//! A visitor texts the code printed under the poster's QR (`QM V-SU5DZ7CF`) to the
//! deployment's number; the gateway posts it to `POST /api/v1/sms/inbound`. The check-in is
//! stored like a web or manual one: its contact record (the number only) sealed at once to the
//! health authority's key, so the tracer sees it as an SMS contact and opens the number offline.
//! The visitor gets a receipt by SMS; a malformed text, an unknown or a suspended venue get a
//! helpful reply instead.
//!
//! **The reply channel.** The sealed record opens only with the authority's *offline* key, so
//! the server cannot read it to send the exposure SMS. The number is therefore sealed a second
//! time, with the same HPKE sealing, to a key the server holds (`sms-reply.key.json`, made in
//! the keys folder on first start) and kept in `sms_replies`, keyed by the check-in's venue and
//! client id, purged on the check-ins' schedule. It is opened for one purpose only: sending the
//! exposure SMS of a published notice whose window the check-in overlaps (once per notice and
//! check-in: `send_once` with `exposure-<notice>-<client id>`). A copy of the database alone
//! (a backup, a replica, a Citus worker) holds no readable number; the inbound log keeps a hash
//! of the gateway's message id and the outcome, never the number or the text.

use std::collections::HashMap;
use std::time::Duration;

use quetma_core::api::ExposureNotice;
use quetma_core::outbox::SealedContactJson;
use quetma_core::payload::{ContactRecord, ContactSource, SealedContact};
use serde::{Deserialize, Serialize};

use super::audit::Actor;
use super::cases::{self, Window};
use super::uploads::{self, CheckinRow};
use super::venues::{VENUE_COLS, Venue, venue_from};
use super::{AppState, Result, ServiceError, hash_token, random_token};
use crate::db::Value;
use crate::params;
use crate::sms::{self, SMS_CHARS, SmsMessage, plain, send_once};

/// What the gateway posts for one inbound SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboundSms {
    /// The sender's number as the gateway gives it: 9–15 digits, optionally after `+`
    /// (`0912345678`, `84912345678`, `+84912345678`).
    #[schema(pattern = "^\\+?[0-9]{9,15}$", example = "+84912345678")]
    pub from: String,
    /// The text as typed (`QM V-SU5DZ7CF`; case, spaces, dashes and the `QM` are optional).
    #[schema(max_length = 1000, example = "QM V-SU5DZ7CF")]
    pub text: String,
    /// The gateway's id of the message: the same id is processed once.
    #[schema(pattern = "^[!-~]{1,100}$", example = "msg-20261206-000123")]
    pub message_id: String,
}

/// What became of an inbound SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboundStatus {
    /// Checked in; the receipt was sent.
    CheckedIn,
    /// No venue code in the text; the reply says how.
    Malformed,
    /// No venue with that code; the reply says so.
    UnknownVenue,
    /// The venue is suspended; the reply says so.
    VenueSuspended,
}

impl InboundStatus {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CheckedIn => "checked_in",
            Self::Malformed => "malformed",
            Self::UnknownVenue => "unknown_venue",
            Self::VenueSuspended => "venue_suspended",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::CheckedIn,
            Self::Malformed,
            Self::UnknownVenue,
            Self::VenueSuspended,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The webhook's answer (never the number, never the text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboundAnswer {
    /// What became of the message.
    pub status: InboundStatus,
    /// This message id was processed before: nothing was done again (no second check-in, no
    /// second reply).
    pub duplicate: bool,
    /// A reply SMS was handed to the gateway now.
    pub reply_sent: bool,
}

/// What [`inbound`] decided.
#[derive(Debug)]
pub enum Inbound {
    /// Processed (or a duplicate).
    Done(InboundAnswer),
    /// The sending number is over its rate: try again after this long (nothing stored).
    Limited(Duration),
}

/// The name a check-in by SMS carries in its sealed record (there is only a number).
pub const SMS_CONTACT_NAME: &str = "(check-in SMS)";
/// The deployment-independent example code in help texts.
const EXAMPLE_CODE: &str = "V-SU5DZ7CF";

/// The sending number in international form (`+84912345678`), if it is one: 9–15 digits,
/// optionally after `+`; a Vietnamese `0…` (10 digits) or `84…` (11 digits) becomes `+84…`.
pub fn international(from: &str) -> Option<String> {
    let digits = from.strip_prefix('+').unwrap_or(from);
    if !(9..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if from.starts_with('+') {
        from.to_owned()
    } else if digits.len() == 10 && digits.starts_with('0') {
        format!("+84{}", &digits[1..])
    } else if digits.len() == 11 && digits.starts_with("84") {
        format!("+{digits}")
    } else {
        digits.to_owned()
    })
}

/// The number as a Vietnamese tracer dials it: `+84912345678` → `0912345678`; others as given.
pub fn domestic(international: &str) -> String {
    match international.strip_prefix("+84") {
        Some(rest) if rest.len() == 9 => format!("0{rest}"),
        _ => international.to_owned(),
    }
}

/// The venue-code lookup keys a text may mean, most specific first: upper case, letters and
/// digits only (`V-SU5D Z7CF` → `VSU5DZ7CF`), the `QM` keyword dropped, the first one to four
/// words joined (a code typed with spaces), and for a code with `0`, `1` or `8` also the
/// reading with `O`, `I`, `B` (generated codes are Base32, which has none of those digits).
pub fn code_keys(text: &str) -> Vec<String> {
    let upper: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_uppercase()
            } else {
                ' '
            }
        })
        .collect();
    let mut words: Vec<&str> = upper.split([' ', '-']).filter(|w| !w.is_empty()).collect();
    let mut out: Vec<String> = Vec::new();
    let mut push = |k: String| {
        if !k.is_empty() && k.len() <= 100 && !out.contains(&k) {
            out.push(k);
        }
    };
    // "QM V-…", "QMV-…": the keyword, glued on or not.
    let mut glued = None;
    if let Some(first) = words.first().copied() {
        if first == "QM" {
            words.remove(0);
        } else if let Some(rest) = first.strip_prefix("QM")
            && !rest.is_empty()
        {
            glued = Some(rest);
        }
    }
    let variants = |k: &str| -> Vec<String> {
        let swapped: String = k
            .chars()
            .map(|c| match c {
                '0' => 'O',
                '1' => 'I',
                '8' => 'B',
                c => c,
            })
            .collect();
        if swapped == k {
            vec![k.to_owned()]
        } else {
            vec![k.to_owned(), swapped]
        }
    };
    for n in (1..=words.len().min(4)).rev() {
        let key = words[..n].concat();
        for k in variants(&key) {
            push(k);
        }
        if let Some(g) = glued {
            let key = format!("{g}{}", words[1..n].concat());
            for k in variants(&key) {
                push(k);
            }
        }
    }
    out
}

/// The registered venue a text names, if any (`Ok(None)`: none, or two venues whose codes
/// differ only in dashes and the text does not say which).
pub async fn venue_for_text(state: &AppState, text: &str) -> Result<Option<Venue>> {
    let keys = code_keys(text);
    if keys.is_empty() {
        return Ok(None);
    }
    let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let params: Vec<Value> = keys.iter().map(|k| Value::from(k.as_str())).collect();
    // The expression index `venues_sms_code` (migration 20) serves this lookup.
    let rows = state
        .db
        .query(
            &format!(
                "SELECT {VENUE_COLS} FROM venues WHERE UPPER(REPLACE(id, '-', '')) IN ({})",
                placeholders.join(", ")
            ),
            &params,
        )
        .await?;
    let venues = rows.iter().map(venue_from).collect::<Result<Vec<_>>>()?;
    let mut by_key: HashMap<String, Vec<Venue>> = HashMap::new();
    for v in venues {
        by_key
            .entry(v.id.to_ascii_uppercase().replace('-', ""))
            .or_default()
            .push(v);
    }
    let typed = text.trim().to_ascii_uppercase();
    for k in &keys {
        match by_key.remove(k) {
            Some(mut vs) if vs.len() == 1 => return Ok(vs.pop()),
            Some(vs) => {
                // Codes equal but for dashes: the one typed exactly, if it was.
                if let Some(v) = vs
                    .into_iter()
                    .find(|v| typed.contains(&v.id.to_ascii_uppercase()))
                {
                    return Ok(Some(v));
                }
                return Ok(None);
            }
            None => {}
        }
    }
    Ok(None)
}

/// `ms` as Vietnam time (GMT+7): `(HH:MM, DD/MM)`.
fn vn_time(ms: i64) -> (String, String) {
    let offset = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| t.to_offset(offset))
        .map(|t| {
            (
                format!("{:02}:{:02}", t.hour(), t.minute()),
                format!("{:02}/{:02}", t.day(), u8::from(t.month())),
            )
        })
        .unwrap_or_default()
}

/// Vietnamese, then the English part if the whole still fits one SMS.
fn with_english(vi: String, en: &str) -> String {
    if vi.chars().count() + 1 + en.chars().count() <= SMS_CHARS {
        format!("{vi} {en}")
    } else {
        vi
    }
}

/// The receipt of a check-in by SMS (one GSM-7 SMS).
pub fn receipt_text(venue_name: &str, at: i64, until: i64) -> String {
    let (time, day) = vn_time(at);
    let (end, _) = vn_time(until);
    let vi = format!(
        "QuetMa: Da check-in tai {} luc {time} {day}, tu check-out {end}. Neu co ca benh o day ban se nhan SMS.",
        plain(venue_name, 34)
    );
    with_english(vi, "EN: checked in.")
}

/// The reply to a text without a venue code.
pub fn help_text() -> String {
    with_english(
        format!(
            "QuetMa: De check-in, nhan QM va ma dia diem in duoi ma QR tren ap phich, vi du: QM {EXAMPLE_CODE}"
        ),
        "EN: text QM + venue code.",
    )
}

/// The reply to a code no venue has.
pub fn unknown_text(text: &str) -> String {
    let shown = plain(text, 24);
    with_english(
        format!(
            "QuetMa: Khong tim thay ma dia diem \"{shown}\". Nhan dung ma in duoi ma QR, vi du: QM {EXAMPLE_CODE}"
        ),
        "EN: unknown venue code.",
    )
}

/// The reply to a suspended venue's code.
pub fn suspended_text(venue_name: &str) -> String {
    with_english(
        format!(
            "QuetMa: Dia diem {} dang tam dung nhan check-in. Vui long bao nhan vien dia diem.",
            plain(venue_name, 40)
        ),
        "EN: venue suspended.",
    )
}

/// The exposure SMS of a notice (one GSM-7 SMS).
pub fn exposure_text(venue_name: &str, start: i64, end: i64) -> String {
    let (from, day) = vn_time(start);
    let (to, _) = vn_time(end);
    with_english(
        format!(
            "QuetMa: Ban co the da tiep xuc ca benh tai {} {day} {from}-{to}. Hay theo doi suc khoe, han che tiep xuc, goi tram y te phuong/xa.",
            plain(venue_name, 30)
        ),
        "EN: possible exposure.",
    )
}

fn sealed_json(s: &SealedContact) -> SealedContactJson {
    SealedContactJson::from(s)
}

fn number_record(phone: &str) -> ContactRecord {
    ContactRecord {
        full_name: SMS_CONTACT_NAME.into(),
        id_number: None,
        id_kind: None,
        phone: Some(phone.to_owned()),
        birth_year: None,
        source: ContactSource::Manual,
    }
}

/// Whether check-in by SMS is on: an inbound token and the reply key.
pub fn enabled(state: &AppState) -> bool {
    state
        .config
        .sms_inbound_token
        .as_deref()
        .is_some_and(|t| !t.is_empty())
        && state.keys.sms_reply.is_some()
}

/// Stores a check-in by SMS at `venue` now: the number sealed to the authority (the contact
/// record, source `sms`, in the domestic form a tracer dials) and, as the gateway gave it
/// (`reply_to`: what it takes back), to the reply key (`sms_replies`). The client id.
async fn store_checkin(
    state: &AppState,
    venue: &Venue,
    number: &str,
    reply_to: &str,
) -> Result<(String, i64)> {
    let reply_key = state
        .keys
        .sms_reply
        .as_ref()
        .ok_or_else(|| ServiceError::Internal("no SMS reply key".into()))?;
    let seal_err = |e: quetma_core::payload::contact::SealError| {
        ServiceError::Internal(format!("seal SMS check-in: {e}"))
    };
    let contact = number_record(&domestic(number))
        .seal(&state.keys.sealing)
        .map_err(seal_err)?;
    let reply = number_record(reply_to)
        .seal(reply_key.public())
        .map_err(seal_err)?;
    let now = state.now_ms();
    let planned_end = now + venue.default_stay_minutes.max(1) * 60_000;
    let client_id = format!("S-{}", random_token::<10>()?);
    let reply = sealed_json(&reply);
    state
        .db
        .exec(
            "INSERT INTO sms_replies (venue_id, client_id, started_at, reply_kid, reply_enc, \
             reply_ct) VALUES ($1, $2, $3, $4, $5, $6)",
            &params![
                &venue.id, &client_id, now, &reply.kid, &reply.enc, &reply.ct
            ],
        )
        .await?;
    let row = CheckinRow {
        venue_id: venue.id.clone(),
        client_id: client_id.clone(),
        source: "sms".into(),
        started_at: now,
        ended_at: None,
        planned_end,
        poster_kid: state.keys.signing.kid().as_str().to_owned(),
        contact: sealed_json(&contact),
        received_at: now,
    };
    if let Err(e) = uploads::store(state, &[row], &[], &[]).await {
        // No check-in, no reply channel for it.
        let _ = state
            .db
            .exec(
                "DELETE FROM sms_replies WHERE venue_id = $1 AND client_id = $2",
                &params![&venue.id, &client_id],
            )
            .await;
        return Err(e);
    }
    Ok((client_id, planned_end))
}

/// Sends `text` to `to` once under `key`; whether it was handed to the gateway now. A failure
/// is logged (by key, never by number) and answered `false`.
async fn reply(state: &AppState, to: &str, text: String, key: String, purpose: &str) -> bool {
    let Some(gateway) = state.sms.clone() else {
        tracing::warn!(%key, "no SMS gateway configured: reply not sent");
        return false;
    };
    let m = SmsMessage {
        to: to.to_owned(),
        text,
        key,
    };
    match send_once(state, gateway.as_ref(), &m, purpose).await {
        Ok(sms::Sent::Now(_)) => true,
        Ok(sms::Sent::Already) => false,
        Err(e) => {
            tracing::error!(key = %m.key, error = %e, "SMS reply failed");
            false
        }
    }
}

/// Frees a message id reserved in `sms_inbound` (its processing failed or was refused), so
/// the gateway's retry of it is processed.
async fn release(state: &AppState, message_key: &str) {
    if let Err(e) = state
        .db
        .exec(
            "DELETE FROM sms_inbound WHERE message_key = $1",
            &params![message_key],
        )
        .await
    {
        tracing::error!(error = %e, "inbound SMS: releasing the message id");
    }
}

/// Processes one inbound SMS: at most once per message id (a resend answers `duplicate` and
/// does nothing), rate-limited per sending number, then a check-in and its receipt, or a
/// helpful reply. Counted in `sms_inbound` by outcome; the number and the text are not logged.
pub async fn inbound(state: &AppState, msg: &InboundSms) -> Result<Inbound> {
    let number = international(&msg.from).ok_or_else(|| {
        ServiceError::Invalid(
            "số gửi không hợp lệ / `from` is not a phone number (9–15 digits)".into(),
        )
    })?;
    if !uploads::id_ok(&msg.message_id) {
        return Err(ServiceError::Invalid(
            "mã tin nhắn không hợp lệ / `message_id`: 1–100 printable ASCII characters".into(),
        ));
    }
    if msg.text.chars().count() > 1000 {
        return Err(ServiceError::Invalid(
            "tin nhắn quá dài / `text`: at most 1000 characters".into(),
        ));
    }
    let message_key = hash_token(&msg.message_id);
    let now = state.now_ms();
    // Reserve the message id first: two deliveries of one message race to one row.
    match state
        .db
        .exec(
            "INSERT INTO sms_inbound (message_key, received_at, outcome) VALUES ($1, $2, 'pending')",
            &params![&message_key, now],
        )
        .await
    {
        Ok(_) => {}
        Err(e) if e.is_unique_violation() => {
            let row = state
                .db
                .query_opt(
                    "SELECT outcome FROM sms_inbound WHERE message_key = $1",
                    &params![&message_key],
                )
                .await?;
            let status = row
                .map(|r| r.text(0))
                .transpose()?
                .and_then(|s| InboundStatus::parse(&s))
                // Still being processed by the first delivery: it will check in.
                .unwrap_or(InboundStatus::CheckedIn);
            tracing::info!(outcome = status.as_str(), "inbound SMS: duplicate");
            return Ok(Inbound::Done(InboundAnswer {
                status,
                duplicate: true,
                reply_sent: false,
            }));
        }
        Err(e) => return Err(e.into()),
    }
    // Keyed by a hash: the limiter holds no number either.
    if let Err(not_until) = state.sms_number_limiter.check_key(&hash_token(&number)) {
        use governor::clock::{Clock as _, DefaultClock};
        release(state, &message_key).await;
        tracing::info!("inbound SMS: rate-limited");
        return Ok(Inbound::Limited(
            not_until.wait_time_from(DefaultClock::default().now()),
        ));
    }
    let venue = match venue_for_text(state, &msg.text).await {
        Ok(v) => v,
        Err(e) => {
            release(state, &message_key).await;
            return Err(e);
        }
    };
    let reply_key = format!("receipt-{message_key}");
    let (status, text) = match venue {
        None if code_keys(&msg.text).is_empty() => (InboundStatus::Malformed, help_text()),
        None => (InboundStatus::UnknownVenue, unknown_text(&msg.text)),
        Some(v) if v.suspended => (InboundStatus::VenueSuspended, suspended_text(&v.name)),
        Some(v) => match store_checkin(state, &v, &number, &msg.from).await {
            Ok((_, until)) => (InboundStatus::CheckedIn, receipt_text(&v.name, now, until)),
            Err(e) => {
                release(state, &message_key).await;
                return Err(e);
            }
        },
    };
    state
        .db
        .exec(
            "UPDATE sms_inbound SET outcome = $2 WHERE message_key = $1",
            &params![&message_key, status.as_str()],
        )
        .await?;
    let purpose = if status == InboundStatus::CheckedIn {
        "checkin_receipt"
    } else {
        "checkin_help"
    };
    let reply_sent = reply(state, &msg.from, text, reply_key, purpose).await;
    tracing::info!(outcome = status.as_str(), reply_sent, "inbound SMS");
    Ok(Inbound::Done(InboundAnswer {
        status,
        duplicate: false,
        reply_sent,
    }))
}

/// What the exposure SMS of one notice did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExposureTally {
    /// Check-ins by SMS the notice reaches.
    pub reached: u32,
    /// SMS handed to the gateway now.
    pub sent: u32,
    /// Sent before (not again).
    pub already: u32,
    /// Not sent (no reply record, no key, gateway failure).
    pub failed: u32,
}

/// Sends the exposure SMS of one published notice to every check-in by SMS it reaches (by the
/// unified overlap rule, as the tracing query), once per notice and check-in. A withdrawn
/// notice sends nothing. Audited as `sms.exposure` by `actor` when it reaches anyone.
pub async fn send_exposure_sms(
    state: &AppState,
    actor: &Actor,
    notice: &ExposureNotice,
) -> Result<ExposureTally> {
    let mut tally = ExposureTally::default();
    let live = state
        .db
        .query_opt(
            "SELECT withdrawn FROM notices WHERE id = $1",
            &params![&notice.id],
        )
        .await?
        .map(|r| r.flag(0))
        .transpose()?;
    if live != Some(false) {
        return Ok(tally);
    }
    let w = Window {
        venue_id: notice.venue_id.clone(),
        start: notice.start,
        end: notice.end,
    };
    let contacts: Vec<_> = cases::query_window(state, &w, notice.tail_ms, notice.min_overlap_ms)
        .await?
        .into_iter()
        .filter(|r| r.contact.kind == "sms")
        .collect();
    if contacts.is_empty() {
        return Ok(tally);
    }
    let name = super::venues::get_venue(state, &notice.venue_id)
        .await?
        .map(|v| v.name)
        .unwrap_or_else(|| notice.venue_id.clone());
    let text = exposure_text(&name, notice.start, notice.end);
    for r in contacts {
        tally.reached += 1;
        let Some(number) = reply_number(state, &r.contact.venue_id, &r.contact.client_id).await?
        else {
            tally.failed += 1;
            continue;
        };
        let Some(gateway) = state.sms.clone() else {
            tally.failed += 1;
            continue;
        };
        let m = SmsMessage {
            to: number,
            text: text.clone(),
            key: format!("exposure-{}-{}", notice.id, r.contact.client_id),
        };
        match send_once(state, gateway.as_ref(), &m, "exposure").await {
            Ok(sms::Sent::Now(_)) => tally.sent += 1,
            Ok(sms::Sent::Already) => tally.already += 1,
            Err(e) => {
                tracing::error!(key = %m.key, error = %e, "exposure SMS failed");
                tally.failed += 1;
            }
        }
    }
    if tally.sent + tally.failed == 0 {
        // Everything was sent before (a second pass): nothing new to audit.
        return Ok(tally);
    }
    super::audit::append(
        state,
        actor,
        "sms.exposure",
        &notice.id,
        &serde_json::to_string(&tally).map_err(|e| ServiceError::Internal(e.to_string()))?,
    )
    .await?;
    Ok(tally)
}

/// The number of a check-in by SMS, opened from the reply channel (none: no record, no key).
async fn reply_number(state: &AppState, venue_id: &str, client_id: &str) -> Result<Option<String>> {
    let Some(key) = state.keys.sms_reply.as_ref() else {
        return Ok(None);
    };
    let row = state
        .db
        .query_opt(
            "SELECT reply_kid, reply_enc, reply_ct FROM sms_replies \
             WHERE venue_id = $1 AND client_id = $2",
            &params![venue_id, client_id],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let sealed = SealedContactJson {
        kid: row.text(0)?,
        enc: row.text(1)?,
        ct: row.text(2)?,
    };
    Ok(sealed
        .to_sealed()
        .and_then(|s| s.open(key).ok())
        .and_then(|r| r.phone))
}

/// `POST /api/v1/cases/{id}/sms`: the tracer has the server text one contact of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseSmsInput {
    /// The record's kind, as in the case (`web`, `sms`, `visitor`; app contacts are alerted by
    /// the app).
    #[schema(pattern = "^(visit|web|sms|visitor)$", example = "visitor")]
    pub kind: String,
    /// The record's venue.
    #[schema(max_length = 100, example = "V7K2M9")]
    pub venue_id: String,
    /// The record's client id.
    #[schema(max_length = 100, example = "g-1")]
    pub client_id: String,
    /// The number to text, as the tracer opened it offline (`quetma trace decrypt`); absent
    /// for an `sms` record, whose number the server's reply channel holds. Not stored.
    #[serde(default)]
    #[schema(pattern = "^\\+?[0-9]{9,15}$", example = "0912345678")]
    pub phone: Option<String>,
}

/// What [`text_contact`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseSmsResult {
    /// Handed to the gateway now.
    pub sent: bool,
    /// Sent to this record for this case before: not sent again.
    pub already: bool,
}

/// Texts one "to call" contact of a case the exposure SMS (tracing officers only): an `sms`
/// record through the reply channel, any other through the number the tracer gives (opened
/// offline; passed to the gateway, never stored). Once per case and record; audited with the
/// record's id, never the number.
pub async fn text_contact(
    state: &AppState,
    officer: &super::accounts::Account,
    case_id: &str,
    input: &CaseSmsInput,
) -> Result<CaseSmsResult> {
    if officer.role != super::accounts::Role::TracingOfficer {
        return Err(ServiceError::Forbidden);
    }
    let case = cases::get_case(state, officer, case_id).await?;
    let Some(c) = case.contacts.iter().find(|c| {
        c.kind == input.kind && c.venue_id == input.venue_id && c.client_id == input.client_id
    }) else {
        return Err(ServiceError::Conflict(
            "không có bản ghi này trong hồ sơ / no such record in the case".into(),
        ));
    };
    let to = match (c.kind.as_str(), input.phone.as_deref()) {
        ("visit", _) => {
            return Err(ServiceError::Invalid(
                "bản ghi này nhận cảnh báo qua ứng dụng / this record is alerted by the app".into(),
            ));
        }
        ("sms", None) => reply_number(state, &c.venue_id, &c.client_id)
            .await?
            .ok_or_else(|| {
                ServiceError::Conflict(
                    "không còn số để nhắn / the reply channel holds no number for it".into(),
                )
            })?,
        ("sms", Some(_)) => {
            return Err(ServiceError::Invalid(
                "bản ghi SMS không cần số / an sms record needs no phone".into(),
            ));
        }
        (_, Some(p)) if international(p).is_some() => p.to_owned(),
        (_, _) => {
            return Err(ServiceError::Invalid(
                "cần số điện thoại 9–15 chữ số / phone: 9–15 digits".into(),
            ));
        }
    };
    let Some(gateway) = state.sms.clone() else {
        return Err(ServiceError::Conflict(
            "chưa cấu hình cổng SMS / no SMS gateway configured".into(),
        ));
    };
    let name = super::venues::get_venue(state, &c.venue_id)
        .await?
        .map(|v| v.name)
        .unwrap_or_else(|| c.venue_id.clone());
    let m = SmsMessage {
        to,
        text: exposure_text(&name, c.started_at, c.ended_at),
        key: format!(
            "case-{case_id}-{}",
            hash_token(&format!("{}|{}|{}", c.kind, c.venue_id, c.client_id))
        ),
    };
    let sent = send_once(state, gateway.as_ref(), &m, "case_sms")
        .await
        .map_err(|e| match e {
            sms::SmsError::Db(e) => ServiceError::Db(e),
            e => ServiceError::Internal(format!("SMS gateway: {e}")),
        })?;
    let result = CaseSmsResult {
        sent: matches!(sent, sms::Sent::Now(_)),
        already: sent == sms::Sent::Already,
    };
    super::audit::append(
        state,
        &officer.actor(),
        "case.sms",
        case_id,
        &serde_json::json!({
            "kind": c.kind, "venue_id": c.venue_id, "client_id": c.client_id,
            "sent": result.sent, "already": result.already,
        })
        .to_string(),
    )
    .await?;
    Ok(result)
}

/// How far back [`catch_up`] looks: notices published in the last day.
pub const CATCH_UP_MS: i64 = 86_400_000;

/// A second pass over the notices published in the last day that are still live: any exposure
/// SMS not sent yet goes now (the background send was cut short by a restart, the gateway was
/// down, or an SMS check-in arrived later inside a notice's window); nothing goes twice. Run by
/// the periodic job. How many were sent.
pub async fn catch_up(state: &AppState) -> Result<u32> {
    if state.sms.is_none() || state.keys.sms_reply.is_none() {
        return Ok(0);
    }
    let rows = state
        .db
        .query(
            &format!(
                "SELECT {} FROM notices WHERE withdrawn = 0 AND published_at > $1",
                super::exposures::NOTICE_COLS
            ),
            &params![state.now_ms() - CATCH_UP_MS],
        )
        .await?;
    let mut sent = 0;
    for r in &rows {
        let n = super::exposures::notice_from(r)?;
        sent += send_exposure_sms(state, &Actor::default(), &n).await?.sent;
    }
    Ok(sent)
}

/// Sends the exposure SMS of `notices` in the background (the publishing request does not wait
/// for the gateway); failures are logged and audited in the tally.
pub fn spawn_exposure_sms(state: &AppState, actor: Actor, notices: Vec<ExposureNotice>) {
    if notices.is_empty() || state.sms.is_none() || state.keys.sms_reply.is_none() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        for n in &notices {
            if let Err(e) = send_exposure_sms(&state, &actor, n).await {
                tracing::error!(notice = %n.id, error = %e, "exposure SMS");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_tolerantly() {
        for text in [
            "QM V-SU5DZ7CF",
            "qm v-su5dz7cf",
            "QM V SU5DZ7CF",
            "V-SU5DZ7CF",
            "vsu5dz7cf",
            "QMV-SU5DZ7CF",
            "  Qm:  V-SU5D-Z7CF. ",
            "QM V-SU5DZ7CF cam on",
        ] {
            assert!(
                code_keys(text).contains(&"VSU5DZ7CF".to_owned()),
                "{text}: {:?}",
                code_keys(text)
            );
        }
        // Digits a person may type for Base32 letters.
        assert!(code_keys("qm v-0o1i 8b").contains(&"VOOIIBB".to_owned()));
        assert!(code_keys("qm v-0o1i 8b").contains(&"V0O1I8B".to_owned()));
        assert!(code_keys("").is_empty());
        assert!(code_keys("QM").is_empty());
        assert!(code_keys("!!! ???").is_empty());
    }

    #[test]
    fn numbers_are_normalised() {
        assert_eq!(international("0912345678").as_deref(), Some("+84912345678"));
        assert_eq!(
            international("84912345678").as_deref(),
            Some("+84912345678")
        );
        assert_eq!(
            international("+84912345678").as_deref(),
            Some("+84912345678")
        );
        assert_eq!(international("12345").as_deref(), None);
        assert_eq!(international("09123abc78").as_deref(), None);
        assert_eq!(domestic("+84912345678"), "0912345678");
        assert_eq!(domestic("+447700900123"), "+447700900123");
    }

    #[test]
    fn every_reply_fits_one_gsm_sms() {
        let long = "Trung tâm Thương mại và Dịch vụ Tổng hợp Hà Đông Chi nhánh Số Hai Mươi Ba";
        let at = 1_800_000_000_000;
        for t in [
            receipt_text(long, at, at + 3_600_000),
            receipt_text("Chợ Hà Đông", at, at + 3_600_000),
            help_text(),
            unknown_text(&"X".repeat(500)),
            suspended_text(long),
            exposure_text(long, at, at + 3_600_000),
        ] {
            assert!(t.chars().count() <= SMS_CHARS, "{} chars: {t}", t.len());
            assert!(t.is_ascii(), "{t}");
            assert!(t.starts_with("QuetMa: "), "{t}");
        }
        assert!(receipt_text("Chợ Hà Đông", at, at).contains("Cho Ha Dong"));
        assert!(receipt_text("Chợ Hà Đông", at, at).contains("EN:"));
    }
}
