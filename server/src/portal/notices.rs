//! The tracing officer's notice desk: every batch of exposure notices with what it reached, the
//! batches waiting for a second officer's approval, and one action to withdraw a whole batch
//! (the phones clear those alerts on their next exposure list). The service audits each step.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::auth::{Ctx, PostForm};
use super::page::{Chrome, PortalError, html, see_other};
use super::staff::vn_time;
use super::tracing_view::TRACING_ROLES;
use crate::params;
use crate::service::AppState;
use crate::service::accounts::Account;
use crate::service::exposures::{self, NoticeBatch};

/// One batch as a row.
#[derive(Debug, Clone)]
pub struct BatchView {
    /// Id.
    pub id: String,
    /// `pending`, `published`, `withdrawn`.
    pub status: String,
    /// Status label.
    pub status_label: &'static str,
    /// Submitted by (username).
    pub by: String,
    /// Submitted, Vietnam time.
    pub at: String,
    /// Approved by (username), if it needed approval.
    pub approved_by: Option<String>,
    /// Approved, Vietnam time.
    pub approved_at: Option<String>,
    /// Withdrawn by (username).
    pub withdrawn_by: Option<String>,
    /// Withdrawn, Vietnam time.
    pub withdrawn_at: Option<String>,
    /// The case.
    pub case_id: Option<String>,
    /// Venues reached.
    pub venues: i64,
    /// Recorded visits reached.
    pub visits: i64,
    /// `(venue, from, to, level)` per notice.
    pub notices: Vec<(String, String, String, &'static str)>,
    /// The viewer may approve it (pending, and not theirs).
    pub can_approve: bool,
    /// The viewer submitted it (and so may not approve it).
    pub own: bool,
}

async fn username(state: &AppState, id: &str) -> String {
    state
        .db
        .query_opt("SELECT username FROM accounts WHERE id = $1", &params![id])
        .await
        .ok()
        .flatten()
        .and_then(|r| r.text(0).ok())
        .unwrap_or_else(|| id.to_owned())
}

/// The view of a batch for `viewer`.
pub async fn batch_view(
    state: &AppState,
    lang: super::i18n::Lang,
    viewer: &Account,
    b: &NoticeBatch,
) -> BatchView {
    let status_label = match b.status.as_str() {
        "pending" => lang.t(
            "Chờ cán bộ thứ hai phê duyệt",
            "Waiting for a second officer",
        ),
        "published" => lang.t("Đã công bố", "Published"),
        _ => lang.t("Đã rút lại", "Withdrawn"),
    };
    let by = username(state, &b.created_by).await;
    let approved_by = match &b.approved_by {
        Some(a) => Some(username(state, a).await),
        None => None,
    };
    let withdrawn_by = match &b.withdrawn_by {
        Some(a) => Some(username(state, a).await),
        None => None,
    };
    let level = |low: bool| {
        if low {
            lang.t("Thấp", "Low")
        } else {
            lang.t("Cao", "High")
        }
    };
    BatchView {
        id: b.id.clone(),
        status: b.status.clone(),
        status_label,
        by,
        at: vn_time(b.created_at),
        approved_by,
        approved_at: b.approved_at.map(vn_time),
        withdrawn_by,
        withdrawn_at: b.withdrawn_at.map(vn_time),
        case_id: b.case_id.clone(),
        venues: b.venues,
        visits: b.visits,
        notices: b
            .inputs
            .iter()
            .map(|n| {
                (
                    n.venue_id.clone(),
                    vn_time(n.start),
                    vn_time(n.end),
                    level(n.level == Some(quetma_core::api::ExposureLevel::Low)),
                )
            })
            .collect(),
        can_approve: b.status == "pending" && b.created_by != viewer.id,
        own: b.created_by == viewer.id,
    }
}

#[derive(Template)]
#[template(path = "portal/notices.html")]
struct NoticesPage {
    c: Chrome,
    pending: Vec<BatchView>,
    others: Vec<BatchView>,
    threshold_visits: i64,
    threshold_venues: i64,
    hourly_cap: i64,
}

/// `GET /portal/tracing/notices`: batches waiting for approval first, then the rest.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?;
    let l = ctx.lang;
    let batches = exposures::list_batches(&state, account, None)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let (mut pending, mut others) = (Vec::new(), Vec::new());
    for b in &batches {
        let v = batch_view(&state, l, account, b).await;
        if b.status == "pending" {
            pending.push(v);
        } else {
            others.push(v);
        }
    }
    Ok(html(&NoticesPage {
        c: ctx.chrome(),
        pending,
        others,
        threshold_visits: state.config.notice_approval_visits,
        threshold_venues: state.config.notice_approval_venues,
        hourly_cap: state.config.notices_per_hour,
    }))
}

#[derive(Template)]
#[template(path = "portal/notice_batch.html")]
struct BatchPage {
    c: Chrome,
    b: BatchView,
}

/// `GET /portal/tracing/notices/{batch}`: one batch, with approve and withdraw.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?;
    let l = ctx.lang;
    let b = exposures::get_batch(&state, account, &id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let b = batch_view(&state, l, account, &b).await;
    Ok(html(&BatchPage { c: ctx.chrome(), b }))
}

/// `POST /portal/tracing/notices/{batch}/approve`: a second officer publishes a held batch.
pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostForm(ctx, _): PostForm<super::EmptyForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?.clone();
    let l = ctx.lang;
    match exposures::approve_batch(&state, &account, &id).await {
        Ok(b) => Ok(see_other(&format!("/portal/tracing/notices/{}", b.id))),
        Err(crate::service::ServiceError::Forbidden) => Err(PortalError::Invalid(
            l,
            l.t(
                "Người gửi không tự phê duyệt được: cần một cán bộ truy vết khác.",
                "The submitter cannot approve their own batch: another tracing officer must.",
            )
            .to_owned(),
        )),
        Err(e) => Err(PortalError::from_service(l, e)),
    }
}

/// `POST /portal/tracing/notices/{batch}/withdraw`: the whole batch, at once.
pub async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostForm(ctx, _): PostForm<super::EmptyForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?.clone();
    let b = exposures::withdraw_batch(&state, &account, &id)
        .await
        .map_err(|e| PortalError::from_service(ctx.lang, e))?;
    Ok(see_other(&format!("/portal/tracing/notices/{}", b.id)))
}
