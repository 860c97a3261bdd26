//! The ward officer's view: venues with and without check-ins today and this week, venues whose
//! posters get far fewer scans than their peers, per-checkpoint counts, reminders and suspension.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use quetma_core::payload::venue::VenueCategory;
use serde::Deserialize;

use super::auth::{Ctx, PostForm};
use super::form::parse_category;
use super::page::{Chrome, PortalError, html, see_other};
use super::staff::vn_time;
use super::store::{self, DAY_MS};
use crate::service::AppState;
use crate::service::accounts::{Account, Role};
use crate::service::{audit, stats, venues as svc};

/// Roles that see a ward.
pub const WARD_ROLES: &[Role] = &[Role::WardOfficer, Role::Admin];
/// Fewest peers (same category, same ward) a comparison needs.
pub const MIN_PEERS: usize = 3;
/// A venue is "low" below this share of its peers' median.
pub const LOW_SHARE: f64 = 0.25;

/// The median of the *other* venues' counts (`None` with fewer than [`MIN_PEERS`]).
pub fn peer_median(counts: &[i64], me: usize) -> Option<f64> {
    let mut peers: Vec<i64> = counts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != me)
        .map(|(_, c)| *c)
        .collect();
    if peers.len() < MIN_PEERS {
        return None;
    }
    peers.sort_unstable();
    let n = peers.len();
    let mid = if n % 2 == 1 {
        peers[n / 2] as f64
    } else {
        (peers[n / 2 - 1] + peers[n / 2]) as f64 / 2.0
    };
    Some(mid)
}

/// Whether `count` is far below `median` (a quarter of it), with a median above zero.
pub fn is_low(count: i64, median: Option<f64>) -> bool {
    median.is_some_and(|m| m > 0.0 && (count as f64) < m * LOW_SHARE)
}

/// The totals at the top of the page.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Venues in the ward.
    pub venues: usize,
    /// With at least one scan today.
    pub with_today: usize,
    /// With at least one scan in the last 7 days.
    pub with_week: usize,
    /// Far below their peers.
    pub low: usize,
}

/// One venue's row.
#[derive(Debug, Clone)]
pub struct WardRow {
    /// Id.
    pub venue_id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Category label.
    pub category: String,
    /// Scans today.
    pub today: i64,
    /// Scans in 7 days.
    pub week: i64,
    /// Peer median (7 days), or "—".
    pub peer_median: String,
    /// Far below peers.
    pub low: bool,
    /// `(checkpoint label, 7-day count)`.
    pub checkpoints: Vec<(String, i64)>,
    /// Reminders sent.
    pub reminders: i64,
    /// Date of the last reminder.
    pub last_reminder: Option<String>,
    /// Flagged for suspension.
    pub flagged: bool,
    /// Suspended.
    pub suspended: bool,
}

#[derive(Template)]
#[template(path = "portal/ward.html")]
struct WardPage {
    c: Chrome,
    /// `Phường Hà Đông (09556)`, or the code when the list does not know it.
    ward_label: String,
    /// The ward box's list entries (admins).
    ward_choices: Vec<String>,
    /// Admins pick the ward.
    pick_ward: bool,
    summary: Summary,
    rows: Vec<WardRow>,
}

/// `?ward=` for admins: a code, a list entry or a name (see [`crate::wards::Wards::resolve`]).
#[derive(Debug, Deserialize)]
pub struct WardQuery {
    #[serde(default)]
    ward: Option<String>,
}

async fn ward_of(
    state: &AppState,
    account: &Account,
    asked: Option<i64>,
) -> Result<i64, PortalError> {
    match account.role {
        Role::WardOfficer => account
            .ward_code
            .ok_or(PortalError::Forbidden(super::i18n::Lang::Vi)),
        _ => match asked {
            Some(w) => Ok(w),
            None => Ok(store::all_wards(state)
                .await
                .map_err(|e| PortalError::internal(super::i18n::Lang::Vi, &e))?
                .first()
                .copied()
                .unwrap_or(0)),
        },
    }
}

/// `GET /portal/ward`: the ward's venues and their figures.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WardQuery>,
) -> Result<Response, PortalError> {
    let account = ctx.require(WARD_ROLES)?;
    let l = ctx.lang;
    let wards = &state.config.wards;
    let asked = match q.ward.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        None => None,
        Some(w) => Some(i64::from(wards.resolve(w).map_err(|_| {
            PortalError::Invalid(
                l,
                l.t(
                    "Không tìm thấy phường/xã này. Chọn trong danh sách hoặc nhập mã 5 chữ số.",
                    "No such ward / commune. Pick one from the list or enter its 5-digit code.",
                )
                .to_owned(),
            )
        })?)),
    };
    let ward = ward_of(&state, account, asked).await?;
    if !stats::can_see_ward(account, ward) {
        return Err(PortalError::Forbidden(l));
    }
    let now = state.now_ms();
    let venues = svc::venues_in_ward(&state, ward)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let ids: Vec<String> = venues.iter().map(|v| v.id.clone()).collect();
    let week_start = now - 7 * DAY_MS;
    let counts = store::ward_counts(&state, &ids, week_start, store::today_start(now))
        .await
        .map_err(|e| PortalError::internal(l, &e))?;
    let last = store::last_reminders(&state, ward)
        .await
        .map_err(|e| PortalError::internal(l, &e))?;
    // Peers: same category in the same ward.
    let mut by_cat: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, v) in venues.iter().enumerate() {
        by_cat.entry(v.category.as_str()).or_default().push(i);
    }
    let none = store::VenueCounts::default();
    let counts_of = |i: usize| counts.get(&venues[i].id).unwrap_or(&none);
    let week_of = |i: usize| counts_of(i).week;
    let mut rows = Vec::with_capacity(venues.len());
    let mut summary = Summary {
        venues: venues.len(),
        ..Summary::default()
    };
    for (i, v) in venues.iter().enumerate() {
        let group = by_cat.get(v.category.as_str()).cloned().unwrap_or_default();
        let counts: Vec<i64> = group.iter().map(|&j| week_of(j)).collect();
        let me = group.iter().position(|&j| j == i).unwrap_or(usize::MAX);
        let median = peer_median(&counts, me);
        let t = counts_of(i).today;
        let w = week_of(i);
        let low = is_low(w, median);
        summary.with_today += usize::from(t > 0);
        summary.with_week += usize::from(w > 0);
        summary.low += usize::from(low);
        let poster = l
            .t("Áp phích (ứng dụng và web)", "Poster (app and web)")
            .to_owned();
        let checkpoints = std::iter::once((poster, counts_of(i).poster_week))
            .chain(counts_of(i).checkpoints.iter().cloned())
            .collect();
        let category = parse_category(&v.category).unwrap_or(VenueCategory::Other);
        rows.push(WardRow {
            venue_id: v.id.clone(),
            name: v.name.clone(),
            address: v.address.clone(),
            category: l.t(category.label_vi(), category.label_en()).to_owned(),
            today: t,
            week: w,
            peer_median: median.map_or_else(|| "—".to_owned(), |m| format!("{m:.1}")),
            low,
            checkpoints,
            reminders: v.reminder_count,
            last_reminder: last.get(&v.id).map(|&ms| vn_time(ms)),
            flagged: v.flagged,
            suspended: v.suspended,
        });
    }
    // The venues that need a visit first: low, then idle this week, then the rest.
    rows.sort_by_key(|r| (!r.low, r.week > 0, r.name.clone()));
    Ok(html(&WardPage {
        c: ctx.chrome(),
        ward_label: wards.label(ward),
        ward_choices: if account.role == Role::Admin {
            super::ward_choices(wards)
        } else {
            Vec::new()
        },
        pick_ward: account.role == Role::Admin,
        summary,
        rows,
    }))
}

/// The reminder text (both languages; the venue owner sees it in their portal and by phone).
pub const REMINDER_TEXT: &str = "Áp phích QR của địa điểm ít được quét. Hãy dán áp phích ở lối vào, \
ngang tầm mắt, nơi đủ sáng và nhắc khách quét mã. / The venue's QR poster is rarely scanned. Put \
it at the entrance, at eye level, well lit, and ask visitors to scan it.";

#[derive(Template)]
#[template(path = "portal/ward_remind.html")]
struct RemindPage {
    c: Chrome,
    venue_id: String,
    name: String,
    address: String,
    ward: String,
    ward_label: String,
    reminders: i64,
    last_reminder: Option<String>,
    /// This reminder is the third (or later): the venue will be flagged for suspension.
    flags: bool,
    text: &'static str,
}

/// The venue `id`, if `account` may send it reminders.
async fn ward_venue(
    state: &AppState,
    account: &Account,
    l: super::i18n::Lang,
    id: &str,
) -> Result<svc::Venue, PortalError> {
    let v = svc::get_venue(state, id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?
        .ok_or(PortalError::NotFound(l))?;
    if !stats::can_see_ward(account, v.ward_code) {
        return Err(PortalError::Forbidden(l));
    }
    Ok(v)
}

/// `GET /portal/ward/venues/{id}/remind`: what the reminder says and to whom, and the button
/// that sends it (a reminder counts towards suspension, so it is never sent in one click).
pub async fn remind_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let account = ctx.require(WARD_ROLES)?;
    let l = ctx.lang;
    let v = ward_venue(&state, account, l, &id).await?;
    let last = store::last_reminders(&state, v.ward_code)
        .await
        .map_err(|e| PortalError::internal(l, &e))?;
    Ok(html(&RemindPage {
        c: ctx.chrome(),
        last_reminder: last.get(&v.id).map(|&ms| vn_time(ms)),
        flags: v.reminder_count + 1 >= 3,
        ward: format!("{:05}", v.ward_code),
        ward_label: state.config.wards.label(v.ward_code),
        venue_id: v.id,
        name: v.name,
        address: v.address,
        reminders: v.reminder_count,
        text: REMINDER_TEXT,
    }))
}

/// The reminder's confirmation form.
#[derive(Debug, Deserialize)]
pub struct RemindForm {
    /// `yes` from the confirmation page's button.
    #[serde(default)]
    confirm: String,
}

/// `POST /portal/ward/venues/{id}/remind`: with `confirm=yes` (the confirmation page's
/// button), a dated, counted reminder (the third flags the venue); without it, the
/// confirmation page.
pub async fn remind(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostForm(ctx, form): PostForm<RemindForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(WARD_ROLES)?.clone();
    if form.confirm != "yes" {
        let v = ward_venue(&state, &account, ctx.lang, &id).await?;
        return Ok(see_other(&format!("/portal/ward/venues/{}/remind", v.id)));
    }
    let v = svc::send_reminder(&state, &account, &id, REMINDER_TEXT)
        .await
        .map_err(|e| PortalError::from_service(ctx.lang, e))?;
    Ok(see_other(&format!(
        "/portal/ward?ward={}#venue-{}",
        v.ward_code, v.id
    )))
}

/// `POST /portal/ward/venues/{id}/suspend`: a flagged venue (any venue, for an admin) is
/// suspended; its uploads are refused from then on.
pub async fn suspend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostForm(ctx, _): PostForm<super::EmptyForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(WARD_ROLES)?.clone();
    let l = ctx.lang;
    let v = svc::get_venue(&state, &id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?
        .ok_or(PortalError::NotFound(l))?;
    if !stats::can_see_ward(&account, v.ward_code) {
        return Err(PortalError::Forbidden(l));
    }
    if !v.flagged && account.role != Role::Admin {
        return Err(PortalError::Invalid(
            l,
            l.t(
                "Chỉ đình chỉ được địa điểm đã bị nhắc nhở 3 lần.",
                "Only a venue reminded three times can be suspended.",
            )
            .to_owned(),
        ));
    }
    svc::set_suspended(&state, &v.id, true)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    audit::append(&state, &account.actor(), "venue.suspend", &v.id, "{}")
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    Ok(see_other(&format!(
        "/portal/ward?ward={}#venue-{}",
        v.ward_code, v.id
    )))
}

#[derive(Template)]
#[template(path = "portal/ward_reinstate.html")]
struct ReinstatePage {
    c: Chrome,
    venue_id: String,
    name: String,
    address: String,
    ward: String,
    ward_label: String,
    reminders: i64,
    last_reminder: Option<String>,
}

/// The suspended venue `id`, if `account` may act on it.
async fn suspended_venue(
    state: &AppState,
    account: &Account,
    l: super::i18n::Lang,
    id: &str,
) -> Result<svc::Venue, PortalError> {
    let v = ward_venue(state, account, l, id).await?;
    if !v.suspended {
        return Err(PortalError::Invalid(
            l,
            l.t(
                "Địa điểm này không bị đình chỉ.",
                "This venue is not suspended.",
            )
            .to_owned(),
        ));
    }
    Ok(v)
}

/// `GET /portal/ward/venues/{id}/reinstate`: what reinstating a suspended venue does, and the
/// button.
pub async fn reinstate_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let account = ctx.require(WARD_ROLES)?;
    let l = ctx.lang;
    let v = suspended_venue(&state, account, l, &id).await?;
    let last = store::last_reminders(&state, v.ward_code)
        .await
        .map_err(|e| PortalError::internal(l, &e))?;
    Ok(html(&ReinstatePage {
        c: ctx.chrome(),
        last_reminder: last.get(&v.id).map(|&ms| vn_time(ms)),
        venue_id: v.id,
        name: v.name,
        address: v.address,
        ward: format!("{:05}", v.ward_code),
        ward_label: state.config.wards.label(v.ward_code),
        reminders: v.reminder_count,
    }))
}

/// `POST /portal/ward/venues/{id}/reinstate`: the venue's check-ins are accepted again
/// (audited `venue.reinstate`).
pub async fn reinstate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostForm(ctx, _): PostForm<super::EmptyForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(WARD_ROLES)?.clone();
    let l = ctx.lang;
    let v = suspended_venue(&state, &account, l, &id).await?;
    svc::set_suspended(&state, &v.id, false)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    audit::append(&state, &account.actor(), "venue.reinstate", &v.id, "{}")
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    Ok(see_other(&format!(
        "/portal/ward?ward={}#venue-{}",
        v.ward_code, v.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_exclude_the_venue_itself() {
        let counts = [100, 80, 120, 10];
        assert_eq!(peer_median(&counts, 3), Some(100.0));
        assert!(is_low(10, peer_median(&counts, 3)));
        assert!(!is_low(100, peer_median(&counts, 0)));
        assert_eq!(peer_median(&[5, 5, 5], 0), None);
        assert!(!is_low(0, Some(0.0)));
    }
}
