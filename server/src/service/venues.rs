//! The venue registry: registration (signed poster QR + PDF), lookups, suspension, reminders.

use quetma_core::payload::venue::{self, VenueCategory, VenueInfo};
use quetma_core::render::{self, PosterContent};
use serde::{Deserialize, Serialize};

use super::accounts::{Account, Role};
use super::{AppState, Result, ServiceError, random_token};
use crate::db::Row;
use crate::params;

/// What an owner fills in (step 1 of the three-step registration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VenueDetails {
    /// Wanted id (letters, digits, `-`); a random one when absent or empty.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9-]{0,40}$", example = "PHO-HN-1")]
    pub venue_id: Option<String>,
    /// Name: 1–120 characters, not only white space (core's `MAX_NAME_CHARS`).
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = "\\S",
        example = "Phở Hà Nội"
    )]
    pub name: String,
    /// Address: at most 200 characters (core's `MAX_ADDRESS_CHARS`).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: String,
    /// Ward (xã / phường) code.
    #[schema(example = 9619)]
    pub ward_code: u32,
    /// Category word (`shop`, `market`, … as core names them).
    #[schema(value_type = quetma_core::payload::venue::VenueCategory)]
    pub category: String,
    /// Default stay, minutes (the category's typical stay when absent).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 20160)]
    pub default_stay_minutes: Option<u32>,
}

/// A registered venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Venue {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Ward code.
    #[schema(minimum = 0, maximum = 4294967295_i64)]
    pub ward_code: i64,
    /// Category word.
    #[schema(value_type = quetma_core::payload::venue::VenueCategory)]
    pub category: String,
    /// Default stay, minutes.
    pub default_stay_minutes: i64,
    /// Owner account id.
    pub owner_id: Option<String>,
    /// Suspended (uploads for it are refused).
    pub suspended: bool,
    /// Flagged for suspension (after three reminders).
    pub flagged: bool,
    /// Reminders sent so far.
    pub reminder_count: i64,
    /// The poster's QR text.
    pub poster_text: String,
    /// Registered, Unix ms.
    pub created_at: i64,
}

/// What registration hands back (steps 2 and 3: the QR and the printable poster).
#[derive(Debug, Clone)]
pub struct Registered {
    /// The venue.
    pub venue: Venue,
    /// The poster QR text (`HTTPS://HOST/V/…`).
    pub qr_text: String,
    /// The poster PDF (A4, QR ≥ 15 × 15 cm).
    pub pdf: Vec<u8>,
}

/// Columns [`venue_from`] reads.
pub const VENUE_COLS: &str = "id, name, address, ward_code, category, default_stay_minutes, \
     owner_id, suspended, flagged, reminder_count, poster_text, created_at";

/// A [`Venue`] from a row of [`VENUE_COLS`].
pub fn venue_from(r: &Row) -> Result<Venue> {
    Ok(Venue {
        id: r.text(0)?,
        name: r.text(1)?,
        address: r.text(2)?,
        ward_code: r.int(3)?,
        category: r.text(4)?,
        default_stay_minutes: r.int(5)?,
        owner_id: r.opt_text(6)?,
        suspended: r.flag(7)?,
        flagged: r.flag(8)?,
        reminder_count: r.int(9)?,
        poster_text: r.text(10)?,
        created_at: r.int(11)?,
    })
}

fn issued_label(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year()))
        .unwrap_or_default()
}

/// Renders the poster PDF of a venue; with the deployment's SMS number (`Config::sms_number`)
/// it carries the line for check-in by SMS.
pub fn poster_pdf(venue: &Venue, sms_number: Option<&str>) -> Result<Vec<u8>> {
    render::venue_poster_pdf(&PosterContent {
        qr_text: venue.poster_text.clone(),
        venue_name: venue.name.clone(),
        address: venue.address.clone(),
        venue_code: venue.id.clone(),
        issued_at_label: issued_label(venue.created_at),
        sms_number: sms_number.unwrap_or_default().to_owned(),
    })
    .map_err(|e| ServiceError::Internal(format!("poster: {e}")))
}

/// Signs the venue record, stores the venue, and renders its poster.
pub async fn register_venue(
    state: &AppState,
    owner: &Account,
    details: &VenueDetails,
) -> Result<Registered> {
    let category: VenueCategory = details.category.parse().map_err(|_| {
        ServiceError::Invalid("loại địa điểm không hợp lệ / unknown category".into())
    })?;
    let venue_id = match details
        .venue_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => id.to_owned(),
        None => format!("V-{}", random_token::<5>()?),
    };
    let now = state.now_ms();
    let info = VenueInfo {
        venue_id,
        name: details.name.clone(),
        address: details.address.clone(),
        commune_code: details.ward_code,
        category,
        default_stay_minutes: details
            .default_stay_minutes
            .unwrap_or_else(|| category.typical_stay_minutes()),
        issued_at: now / 1000,
    }
    .normalised()
    .map_err(|e| ServiceError::Invalid(format!("thông tin địa điểm / venue details: {e}")))?;
    let qr_text = venue::encode(&info, &state.keys.signing, &state.config.public_base_url)
        .map_err(|e| ServiceError::Invalid(format!("mã QR / poster: {e}")))?;
    let venue = Venue {
        id: info.venue_id.clone(),
        name: info.name.clone(),
        address: info.address.clone(),
        ward_code: i64::from(info.commune_code),
        category: category.as_str().to_owned(),
        default_stay_minutes: i64::from(info.default_stay_minutes),
        owner_id: Some(owner.id.clone()),
        suspended: false,
        flagged: false,
        reminder_count: 0,
        poster_text: qr_text.clone(),
        created_at: now,
    };
    let pdf = poster_pdf(&venue, state.config.sms_number.as_deref())?;
    let r = state
        .db
        .exec(
            "INSERT INTO venues (id, name, address, ward_code, category, default_stay_minutes, \
             owner_id, poster_kid, poster_text, issued_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &params![
                &venue.id,
                &venue.name,
                &venue.address,
                venue.ward_code,
                &venue.category,
                venue.default_stay_minutes,
                &owner.id,
                state.keys.signing.kid().as_str(),
                &qr_text,
                info.issued_at,
                now
            ],
        )
        .await;
    match r {
        Ok(_) => {}
        Err(e) if e.is_unique_violation() => {
            return Err(ServiceError::Conflict(
                "mã địa điểm đã có / venue id taken".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(venue = %venue.id, "venue registered");
    super::audit::append(
        state,
        &owner.actor(),
        "venue.create",
        &venue.id,
        &serde_json::json!({ "ward_code": details.ward_code }).to_string(),
    )
    .await?;
    Ok(Registered {
        venue,
        qr_text,
        pdf,
    })
}

/// One venue.
pub async fn get_venue(state: &AppState, id: &str) -> Result<Option<Venue>> {
    let row = state
        .db
        .query_opt(
            &format!("SELECT {VENUE_COLS} FROM venues WHERE id = $1"),
            &params![id],
        )
        .await?;
    row.as_ref().map(venue_from).transpose()
}

/// Whether `account` may manage `venue` (its owner, or an admin).
pub fn can_manage(account: &Account, venue: &Venue) -> bool {
    account.role == Role::Admin
        || (account.role == Role::VenueOwner && venue.owner_id.as_deref() == Some(&account.id))
}

/// Whether `account` may see `venue` (managers, and the ward officer of its ward).
pub fn can_view(account: &Account, venue: &Venue) -> bool {
    can_manage(account, venue)
        || (account.role == Role::WardOfficer && account.ward_code == Some(venue.ward_code))
}

/// The venue if `account` may manage it; `NotFound` / `Forbidden` otherwise.
pub async fn managed_venue(state: &AppState, account: &Account, id: &str) -> Result<Venue> {
    let v = get_venue(state, id).await?.ok_or(ServiceError::NotFound)?;
    if can_manage(account, &v) {
        Ok(v)
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// An owner's venues.
pub async fn venues_of_owner(state: &AppState, owner_id: &str) -> Result<Vec<Venue>> {
    let rows = state
        .db
        .query(
            &format!("SELECT {VENUE_COLS} FROM venues WHERE owner_id = $1 ORDER BY created_at, id"),
            &params![owner_id],
        )
        .await?;
    rows.iter().map(venue_from).collect()
}

/// A ward's venues.
pub async fn venues_in_ward(state: &AppState, ward_code: i64) -> Result<Vec<Venue>> {
    let rows = state
        .db
        .query(
            &format!("SELECT {VENUE_COLS} FROM venues WHERE ward_code = $1 ORDER BY name, id"),
            &params![ward_code],
        )
        .await?;
    rows.iter().map(venue_from).collect()
}

/// Suspends or reinstates a venue.
pub async fn set_suspended(state: &AppState, venue_id: &str, suspended: bool) -> Result<()> {
    let n = state
        .db
        .exec(
            "UPDATE venues SET suspended = $1 WHERE id = $2",
            &params![suspended, venue_id],
        )
        .await?;
    if n == 0 {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// Reminders after which a venue is flagged for suspension.
pub const REMINDERS_BEFORE_FLAG: i64 = 3;

/// Records a reminder to a venue; after [`REMINDERS_BEFORE_FLAG`] the venue is flagged for
/// suspension. The venue afterwards.
pub async fn send_reminder(
    state: &AppState,
    officer: &Account,
    venue_id: &str,
    message: &str,
) -> Result<Venue> {
    let venue = get_venue(state, venue_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !(officer.role == Role::Admin
        || (officer.role == Role::WardOfficer && officer.ward_code == Some(venue.ward_code)))
    {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    tx.exec(
        "INSERT INTO reminders (venue_id, sent_by, sent_at, message) VALUES ($1, $2, $3, $4)",
        &params![venue_id, &officer.id, state.now_ms(), message],
    )
    .await?;
    tx.exec(
        "UPDATE venues SET reminder_count = reminder_count + 1, \
         flagged = CASE WHEN reminder_count + 1 >= $1 THEN 1 ELSE flagged END WHERE id = $2",
        &params![REMINDERS_BEFORE_FLAG, venue_id],
    )
    .await?;
    tx.commit().await?;
    super::audit::append(state, &officer.actor(), "venue.remind", venue_id, "{}").await?;
    get_venue(state, venue_id)
        .await?
        .ok_or(ServiceError::NotFound)
}
