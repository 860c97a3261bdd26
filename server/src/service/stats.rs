//! The ward officer's view: which venues have a QR and how many check-ins they get.

use serde::{Deserialize, Serialize};

use super::accounts::{Account, Role};
use super::venues::{VENUE_COLS, Venue, venue_from};
use super::{AppState, Result, ServiceError};
use crate::db::schema::DAY_MS;
use crate::params;

/// The period counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[derive(utoipa::ToSchema)]
pub enum Period {
    /// The last 24 hours.
    #[default]
    Day,
    /// The last 7 days.
    Week,
}

impl Period {
    /// Length, ms.
    pub fn ms(self) -> i64 {
        match self {
            Self::Day => DAY_MS,
            Self::Week => 7 * DAY_MS,
        }
    }
}

/// One venue's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VenueStats {
    /// The venue.
    pub venue: Venue,
    /// Citizen check-ins (app and web) in the period.
    pub checkins: i64,
    /// Visitor-log entries in the period.
    pub visitors: i64,
    /// Latest check-in ever kept, Unix ms.
    pub last_checkin_at: Option<i64>,
    /// No check-in at all in the period: the poster may be missing or in the wrong place.
    pub idle: bool,
}

/// Whether `account` may see ward `ward_code`.
pub fn can_see_ward(account: &Account, ward_code: i64) -> bool {
    account.role == Role::Admin
        || (account.role == Role::WardOfficer && account.ward_code == Some(ward_code))
}

/// Figures for every venue of a ward, idle venues first.
pub async fn ward_stats(
    state: &AppState,
    account: &Account,
    ward_code: i64,
    period: Period,
) -> Result<Vec<VenueStats>> {
    if !can_see_ward(account, ward_code) {
        return Err(ServiceError::Forbidden);
    }
    let since = state.now_ms() - period.ms();
    let cols = VENUE_COLS
        .split(", ")
        .map(|c| format!("v.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = state
        .db
        .query(
            &format!(
                "SELECT {cols}, \
                 (SELECT COUNT(*) FROM checkins c WHERE c.venue_id = v.id AND c.started_at >= $2), \
                 (SELECT COUNT(*) FROM visitors s WHERE s.venue_id = v.id AND s.scanned_at >= $2), \
                 (SELECT MAX(c.started_at) FROM checkins c WHERE c.venue_id = v.id) \
                 FROM venues v WHERE v.ward_code = $1 ORDER BY v.name, v.id"
            ),
            &params![ward_code, since],
        )
        .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            let checkins = r.int(12)?;
            let visitors = r.int(13)?;
            Ok(VenueStats {
                venue: venue_from(r)?,
                checkins,
                visitors,
                last_checkin_at: r.opt_int(14)?,
                idle: checkins + visitors == 0,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|s| !s.idle);
    Ok(out)
}

/// Every venue (admin overview).
pub async fn all_venues(state: &AppState) -> Result<Vec<Venue>> {
    let rows = state
        .db
        .query(
            &format!("SELECT {VENUE_COLS} FROM venues ORDER BY ward_code, name"),
            &[],
        )
        .await?;
    rows.iter().map(venue_from).collect()
}
