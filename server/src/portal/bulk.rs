//! Bulk venue creation from a CSV, for mobile support teams: validate every row, create all in
//! one transaction or nothing, then one ZIP with every poster.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::auth::{Ctx, PostMultipart};
use super::csv_import::{self, RowError};
use super::form::{CategoryOption, category_options};
use super::i18n::Msg;
use super::page::{Chrome, PortalError, html, html_status};
use super::store;
use crate::service::AppState;
use crate::service::accounts::Role;
use crate::service::venues as svc;

/// Roles that may bulk-create venues.
pub const BULK_ROLES: &[Role] = &[Role::VenueOwner, Role::WardOfficer, Role::Admin];

/// A row error as the page shows it.
#[derive(Debug, Clone)]
pub struct RowErrorView {
    /// Line of the file (0: the file as a whole).
    pub line: usize,
    /// Column.
    pub field: &'static str,
    /// Message in the page's language.
    pub message: String,
}

#[derive(Template)]
#[template(path = "portal/bulk.html")]
struct FormPage {
    c: Chrome,
    errors: Vec<RowErrorView>,
    categories: Vec<CategoryOption>,
}

/// `GET /portal/venues/bulk`: the upload form.
pub async fn form(ctx: Ctx) -> Result<Response, PortalError> {
    ctx.require(BULK_ROLES)?;
    Ok(html(&FormPage {
        categories: category_options(ctx.lang, ""),
        c: ctx.chrome(),
        errors: Vec::new(),
    }))
}

/// A created venue as the result page lists it.
#[derive(Debug, Clone)]
pub struct CreatedView {
    /// Id.
    pub venue_id: String,
    /// Name.
    pub name: String,
}

#[derive(Template)]
#[template(path = "portal/bulk_done.html")]
struct DonePage {
    c: Chrome,
    batch_id: i64,
    venues: Vec<CreatedView>,
}

/// `POST /portal/venues/bulk` (multipart: `file` or `text`): all rows or none.
pub async fn upload(
    State(state): State<AppState>,
    PostMultipart(ctx, parts): PostMultipart,
) -> Result<Response, PortalError> {
    let account = ctx.require(BULK_ROLES)?.clone();
    let file = parts
        .iter()
        .find(|p| p.name == "file" && !p.data.is_empty())
        .or_else(|| {
            parts
                .iter()
                .find(|p| p.name == "text" && !p.data.is_empty())
        })
        .map(|p| p.data.as_slice())
        .unwrap_or_default();
    let wards = &state.config.wards;
    let mut result = csv_import::parse(file, wards);
    // A ward officer's team registers venues of its own ward only.
    if let (Ok(drafts), Role::WardOfficer, Some(ward)) = (&result, account.role, account.ward_code)
    {
        let outside: Vec<RowError> = drafts
            .iter()
            .enumerate()
            .filter(|(_, d)| i64::from(d.commune_code) != ward)
            .map(|(i, _)| RowError {
                line: i + 2,
                field: "ward",
                message: Msg::new(
                    format!(
                        "Địa điểm không thuộc phường/xã của bạn ({}).",
                        wards.label(ward)
                    ),
                    format!("The venue is not in your ward ({}).", wards.label(ward)),
                ),
            })
            .collect();
        if !outside.is_empty() {
            result = Err(outside);
        }
    }
    let drafts = match result {
        Ok(d) => d,
        Err(errors) => {
            tracing::info!(errors = errors.len(), "bulk upload refused");
            let errors = errors
                .into_iter()
                .map(|e| RowErrorView {
                    line: e.line,
                    field: e.field,
                    message: e.message.get(ctx.lang).to_owned(),
                })
                .collect();
            return Ok(html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage {
                    categories: category_options(ctx.lang, ""),
                    c: ctx.chrome(),
                    errors,
                },
            ));
        }
    };
    let (batch_id, venues) = store::create_batch(&state, &account, &drafts)
        .await
        .map_err(|e| PortalError::from_service(ctx.lang, e))?;
    tracing::info!(venues = venues.len(), "bulk upload created venues");
    crate::service::audit::append(
        &state,
        &account.actor(),
        "venue.bulk_create",
        &batch_id.to_string(),
        &serde_json::json!({ "venues": venues.len() }).to_string(),
    )
    .await
    .map_err(|e| PortalError::from_service(ctx.lang, e))?;
    Ok(html(&DonePage {
        c: ctx.chrome(),
        batch_id,
        venues: venues
            .into_iter()
            .map(|v| CreatedView {
                venue_id: v.id,
                name: v.name,
            })
            .collect(),
    }))
}

/// `GET /portal/bulk/{batch}/posters.zip`: every poster of one of the caller's batches.
pub async fn zip(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(batch): Path<i64>,
) -> Result<Response, PortalError> {
    let account = ctx.require(BULK_ROLES)?;
    let venues = store::batch(&state, &account.id, batch)
        .await
        .map_err(|e| PortalError::from_service(ctx.lang, e))?;
    if venues.is_empty() {
        return Err(PortalError::NotFound(ctx.lang));
    }
    let lang = ctx.lang;
    let sms = state.config.sms_number.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let mut entries = Vec::with_capacity(venues.len());
        for v in &venues {
            entries.push((
                format!("poster-{}.pdf", v.id),
                svc::poster_pdf(v, sms.as_deref())?,
            ));
        }
        super::zip::stored_zip(&entries)
            .map_err(|e| crate::service::ServiceError::Internal(format!("zip: {e}")))
    })
    .await
    .map_err(|e| PortalError::internal(lang, &e))?
    .map_err(|e| PortalError::from_service(lang, e))?;
    Ok((
        [
            (CONTENT_TYPE, "application/zip".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"posters-{batch}.zip\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
