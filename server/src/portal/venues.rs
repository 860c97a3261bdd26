//! Venue registration in three steps — details → QR → print — and the owner's venue list.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use quetma_core::render::{self, POSTER_EC, POSTER_QR_MM, QrMatrix};

use super::auth::{Ctx, PostForm};
use super::form::{CategoryOption, FieldErrors, VenueForm, category_options};
use super::page::{Chrome, PortalError, html, html_status, see_other};
use super::store;
use crate::service::AppState;
use crate::service::accounts::Role;
use crate::service::venues::{self as svc, Venue, VenueDetails};

/// Roles that register venues one by one.
pub const REGISTER_ROLES: &[Role] = &[Role::VenueOwner, Role::Admin];

/// A venue row of the owner's list.
#[derive(Debug, Clone)]
pub struct VenueRow {
    /// Id.
    pub venue_id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Suspended.
    pub suspended: bool,
    /// Check-ins today.
    pub today: i64,
    /// Reminders the ward sent.
    pub reminders: i64,
    /// Flagged for suspension.
    pub flagged: bool,
    /// `Phường Hà Đông (09556)` (the code alone when the list does not know it).
    pub ward: String,
}

#[derive(Template)]
#[template(path = "portal/venues.html")]
struct ListPage {
    c: Chrome,
    venues: Vec<VenueRow>,
}

/// `GET /portal/venues`: the owner's venues with today's check-ins.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PortalError> {
    let account = ctx.require(REGISTER_ROLES)?;
    let l = ctx.lang;
    let venues = svc::venues_of_owner(&state, &account.id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let ids: Vec<String> = venues.iter().map(|v| v.id.clone()).collect();
    let today = store::scan_counts(&state, &ids, store::today_start(state.now_ms()))
        .await
        .map_err(|e| PortalError::internal(l, &e))?;
    let venues = venues
        .into_iter()
        .map(|v| VenueRow {
            today: today.get(&v.id).copied().unwrap_or(0),
            ward: state.config.wards.label(v.ward_code),
            venue_id: v.id,
            name: v.name,
            address: v.address,
            suspended: v.suspended,
            reminders: v.reminder_count,
            flagged: v.flagged,
        })
        .collect();
    Ok(html(&ListPage {
        c: ctx.chrome(),
        venues,
    }))
}

#[derive(Template)]
#[template(path = "portal/venue_new.html")]
struct NewPage {
    c: Chrome,
    form: VenueForm,
    errors: FieldErrors,
    categories: Vec<CategoryOption>,
    ward_choices: Vec<String>,
}

/// `GET /portal/venues/new`: step 1, the details form.
pub async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PortalError> {
    ctx.require(REGISTER_ROLES)?;
    let form = VenueForm {
        category: "shop".into(),
        ..VenueForm::default()
    };
    Ok(html(&NewPage {
        categories: category_options(ctx.lang, &form.category),
        ward_choices: super::ward_choices(&state.config.wards),
        c: ctx.chrome(),
        form,
        errors: FieldErrors::default(),
    }))
}

/// `POST /portal/venues/new`: validates (errors inline), signs and stores, then step 2.
pub async fn create(
    State(state): State<AppState>,
    PostForm(ctx, form): PostForm<VenueForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(REGISTER_ROLES)?.clone();
    let draft = match form.validate(&state.config.wards) {
        Ok(d) => d,
        Err(errors) => {
            return Ok(html_status(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                &NewPage {
                    categories: category_options(ctx.lang, &form.category),
                    ward_choices: super::ward_choices(&state.config.wards),
                    errors: FieldErrors::new(ctx.lang, errors),
                    c: ctx.chrome(),
                    form,
                },
            ));
        }
    };
    let details = VenueDetails {
        venue_id: None,
        name: draft.name,
        address: draft.address,
        ward_code: draft.commune_code,
        category: draft.category.as_str().to_owned(),
        default_stay_minutes: Some(draft.default_stay_minutes),
    };
    let registered = svc::register_venue(&state, &account, &details)
        .await
        .map_err(|e| PortalError::from_service(ctx.lang, e))?;
    Ok(see_other(&format!(
        "/portal/venues/{}/qr",
        registered.venue.id
    )))
}

/// The venue if the signed-in account may see it (its manager or its ward officer).
async fn viewable(state: &AppState, ctx: &Ctx, id: &str) -> Result<Venue, PortalError> {
    let account = ctx.require(&[Role::VenueOwner, Role::WardOfficer, Role::Admin])?;
    let v = svc::get_venue(state, id)
        .await
        .map_err(|e| PortalError::from_service(ctx.lang, e))?
        .ok_or(PortalError::NotFound(ctx.lang))?;
    if svc::can_view(account, &v) {
        Ok(v)
    } else {
        Err(PortalError::Forbidden(ctx.lang))
    }
}

/// The poster's QR as an SVG at its printed size (XML declaration stripped for inlining).
fn poster_svg(v: &Venue, lang: super::i18n::Lang) -> Result<(String, i16), PortalError> {
    let qr =
        QrMatrix::encode(&v.poster_text, POSTER_EC).map_err(|e| PortalError::internal(lang, &e))?;
    let svg = render::to_svg(&qr, POSTER_QR_MM);
    let svg = match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    };
    Ok((svg, qr.version()))
}

/// What the QR and print pages show of a venue.
#[derive(Debug, Clone)]
pub struct VenueView {
    /// Id.
    pub venue_id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Ward name and code.
    pub ward: String,
}

impl VenueView {
    /// What the pages show of `v`, its ward named from `wards`.
    pub fn new(v: &Venue, wards: &crate::wards::Wards) -> Self {
        Self {
            venue_id: v.id.clone(),
            name: v.name.clone(),
            address: v.address.clone(),
            ward: wards.label(v.ward_code),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/venue_qr.html")]
struct QrPage {
    c: Chrome,
    venue: VenueView,
    qr_svg: String,
    qr_version: i16,
}

/// `GET /portal/venues/{id}/qr`: step 2, the signed QR.
pub async fn qr_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let v = viewable(&state, &ctx, &id).await?;
    let (qr_svg, qr_version) = poster_svg(&v, ctx.lang)?;
    Ok(html(&QrPage {
        c: ctx.chrome(),
        venue: VenueView::new(&v, &state.config.wards),
        qr_svg,
        qr_version,
    }))
}

/// `GET /portal/venues/{id}/qr.svg`: the QR alone, 160 mm.
pub async fn qr_svg(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let v = viewable(&state, &ctx, &id).await?;
    let qr = QrMatrix::encode(&v.poster_text, POSTER_EC)
        .map_err(|e| PortalError::internal(ctx.lang, &e))?;
    Ok((
        [
            (CONTENT_TYPE, "image/svg+xml".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-qr.svg\"", v.id),
            ),
        ],
        render::to_svg(&qr, POSTER_QR_MM),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "portal/venue_print.html")]
struct PrintPage {
    c: Chrome,
    venue: VenueView,
}

/// `GET /portal/venues/{id}/print`: step 3, the download and placement advice.
pub async fn print_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let v = viewable(&state, &ctx, &id).await?;
    Ok(html(&PrintPage {
        c: ctx.chrome(),
        venue: VenueView::new(&v, &state.config.wards),
    }))
}

/// `GET /portal/venues/{id}/poster.pdf`: the A4 poster.
pub async fn poster_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let v = viewable(&state, &ctx, &id).await?;
    let sms = state.config.sms_number.clone();
    let pdf =
        tokio::task::spawn_blocking(move || svc::poster_pdf(&v, sms.as_deref()).map(|p| (v.id, p)))
            .await
            .map_err(|e| PortalError::internal(ctx.lang, &e))?
            .map_err(|e| PortalError::from_service(ctx.lang, e))?;
    Ok((
        [
            (CONTENT_TYPE, "application/pdf".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"poster-{}.pdf\"", pdf.0),
            ),
        ],
        pdf.1,
    )
        .into_response())
}
