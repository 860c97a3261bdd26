//! Staff phones: the owner makes a one-time enrolment QR for a checkpoint; a staff phone scans
//! it (`POST /api/v1/enrol`) and becomes the venue's scanner; the owner can revoke it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use quetma_core::render::{self, EcLevel, QrMatrix};
use serde::Deserialize;

use super::auth::{Ctx, PostForm};
use super::page::{Chrome, PortalError, html, see_other};
use super::store;
use crate::service::AppState;
use crate::service::accounts::Role;
use crate::service::{audit, enrol, venues as svc};

/// Roles that manage venues' staff phones (the venue's owner, or an admin).
pub const STAFF_ROLES: &[Role] = &[Role::VenueOwner, Role::Admin];

/// A fresh enrolment code as the page shows it.
#[derive(Debug, Clone)]
pub struct EnrolView {
    /// Checkpoint.
    pub checkpoint: String,
    /// The QR, SVG.
    pub svg: String,
    /// The code, for typing in.
    pub code: String,
    /// Expiry, Vietnam time.
    pub expires: String,
}

/// A scanner row.
#[derive(Debug, Clone)]
pub struct ScannerView {
    /// Short id.
    pub id: String,
    /// Checkpoint.
    pub checkpoint: String,
    /// Status text.
    pub status: String,
    /// Whether it can still be revoked.
    pub revocable: bool,
}

#[derive(Template)]
#[template(path = "portal/staff.html")]
struct StaffPage {
    c: Chrome,
    venue_id: String,
    venue_name: String,
    enrolment: Option<EnrolView>,
    scanners: Vec<ScannerView>,
}

/// Unix ms as `dd/mm/yyyy HH:MM` in Vietnam time.
pub fn vn_time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp((ms + store::VN_OFFSET_MS).div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute()
    )
}

async fn render_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    enrolment: Option<EnrolView>,
    flash: Option<String>,
) -> Result<Response, PortalError> {
    let account = ctx.require(STAFF_ROLES)?;
    let l = ctx.lang;
    let venue = svc::managed_venue(state, account, id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let scanners = store::scanners(state, &venue.id)
        .await
        .map_err(|e| PortalError::internal(l, &e))?
        .into_iter()
        .map(|s| ScannerView {
            status: match s.revoked_at {
                Some(at) => format!("{} {}", l.t("Đã thu hồi", "Revoked"), vn_time(at)),
                None => format!(
                    "{} {}",
                    l.t("Hoạt động từ", "Active since"),
                    vn_time(s.created_at)
                ),
            },
            revocable: s.revoked_at.is_none(),
            id: s.id,
            checkpoint: s.checkpoint,
        })
        .collect();
    let mut c = ctx.chrome();
    if let Some(f) = flash {
        c = c.with_flash(f);
    }
    Ok(html(&StaffPage {
        c,
        venue_id: venue.id,
        venue_name: venue.name,
        enrolment,
        scanners,
    }))
}

/// `GET /portal/venues/{id}/staff`: the venue's scanners.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    render_page(&state, &ctx, &id, None, None).await
}

/// The new-enrolment form.
#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    checkpoint: String,
    #[serde(default)]
    direction: String,
}

/// `POST /portal/venues/{id}/staff`: a one-time enrolment QR for a checkpoint.
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostForm(ctx, form): PostForm<EnrolForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(STAFF_ROLES)?.clone();
    let l = ctx.lang;
    let name = form.checkpoint.trim();
    let name = if name.is_empty() {
        "Cổng chính"
    } else {
        name
    };
    // The direction is part of the checkpoint's name, which the scanner shows and stores.
    let checkpoint = match form.direction.as_str() {
        "entry" => format!("{name} (vào)"),
        "exit" => format!("{name} (ra)"),
        _ => name.to_owned(),
    };
    let e = enrol::create_enrolment(&state, &account, &id, &checkpoint)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let qr = QrMatrix::encode(&e.qr_text, EcLevel::M).map_err(|e| PortalError::internal(l, &e))?;
    let svg = render::to_svg(&qr, 50.0);
    let svg = svg
        .find("<svg")
        .map_or(svg.clone(), |i| svg[i..].to_owned());
    let view = EnrolView {
        checkpoint: e.checkpoint,
        svg,
        code: e.code,
        expires: vn_time(e.expires_at),
    };
    render_page(&state, &ctx, &id, Some(view), None).await
}

/// `POST /portal/venues/{id}/staff/{scanner}/revoke`: the phone can no longer upload.
pub async fn revoke(
    State(state): State<AppState>,
    Path((id, scanner)): Path<(String, String)>,
    PostForm(ctx, _): PostForm<super::EmptyForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(STAFF_ROLES)?.clone();
    let l = ctx.lang;
    let venue = svc::managed_venue(&state, &account, &id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    if !store::revoke_scanner(&state, &venue.id, &scanner)
        .await
        .map_err(|e| PortalError::internal(l, &e))?
    {
        return Err(PortalError::NotFound(l));
    }
    audit::append(&state, &account.actor(), "scanner.revoke", &venue.id, "{}")
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    Ok(see_other(&format!("/portal/venues/{}/staff", venue.id)))
}
