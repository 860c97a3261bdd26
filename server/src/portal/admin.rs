//! Admin pages: accounts (create, list) and the append-only audit log.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::auth::{Ctx, PostForm};
use super::page::{Chrome, PortalError, html_status, role_label};
use super::staff::vn_time;
use crate::service::accounts::{self, Role};
use crate::service::{AppState, ServiceError, audit};

/// An account row.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// Login name.
    pub username: String,
    /// Role label.
    pub role: &'static str,
    /// Ward code or empty.
    pub ward: String,
}

#[derive(Template)]
#[template(path = "portal/accounts.html")]
struct AccountsPage {
    c: Chrome,
    error: Option<String>,
    roles: Vec<(&'static str, &'static str)>,
    accounts: Vec<AccountRow>,
}

async fn accounts_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    error: Option<String>,
    flash: Option<String>,
) -> Result<Response, PortalError> {
    ctx.require(&[Role::Admin])?;
    let l = ctx.lang;
    let list = accounts::list_accounts(state)
        .await
        .map_err(|e| PortalError::from_service(l, e))?
        .into_iter()
        .map(|a| AccountRow {
            username: a.username,
            role: role_label(l, a.role),
            ward: a.ward_code.map(|w| format!("{w:05}")).unwrap_or_default(),
        })
        .collect();
    let mut c = ctx.chrome();
    if let Some(f) = flash {
        c = c.with_flash(f);
    }
    Ok(html_status(
        status,
        &AccountsPage {
            c,
            error,
            roles: Role::ALL
                .into_iter()
                .map(|r| (r.as_str(), role_label(l, r)))
                .collect(),
            accounts: list,
        },
    ))
}

/// `GET /portal/admin/accounts`.
pub async fn accounts(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PortalError> {
    accounts_page(&state, &ctx, StatusCode::OK, None, None).await
}

/// The new-account form.
#[derive(Debug, Deserialize)]
pub struct NewAccount {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    ward: String,
}

/// `POST /portal/admin/accounts`: creates an account (argon2id hash).
pub async fn create_account(
    State(state): State<AppState>,
    PostForm(ctx, form): PostForm<NewAccount>,
) -> Result<Response, PortalError> {
    let admin = ctx.require(&[Role::Admin])?.clone();
    let l = ctx.lang;
    let role: Role = match form.role.parse() {
        Ok(r) => r,
        Err(_) => return Err(PortalError::BadRequest(l)),
    };
    let ward = form.ward.trim();
    let ward = if ward.is_empty() {
        None
    } else {
        match ward.parse::<i64>() {
            Ok(w) if (1..=99_999).contains(&w) => Some(w),
            _ => {
                let e = l
                    .t("Mã phường/xã không hợp lệ.", "Invalid ward code.")
                    .to_owned();
                return accounts_page(
                    &state,
                    &ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(e),
                    None,
                )
                .await;
            }
        }
    };
    match accounts::create_account(&state, form.username.trim(), &form.password, role, ward).await {
        Ok(a) => {
            audit::append(
                &state,
                &admin.actor(),
                "account.create",
                &a.id,
                &serde_json::json!({ "role": role.as_str() }).to_string(),
            )
            .await
            .map_err(|e| PortalError::from_service(l, e))?;
            let flash = format!(
                "{} {}",
                l.t("Đã tạo tài khoản", "Account created:"),
                a.username
            );
            accounts_page(&state, &ctx, StatusCode::OK, None, Some(flash)).await
        }
        Err(ServiceError::Invalid(m) | ServiceError::Conflict(m)) => {
            accounts_page(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(m),
                None,
            )
            .await
        }
        Err(e) => Err(PortalError::from_service(l, e)),
    }
}

/// An audit row.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// When (Vietnam time).
    pub at: String,
    /// Who.
    pub actor: String,
    /// Action.
    pub action: String,
    /// Target and details.
    pub detail: String,
}

#[derive(Template)]
#[template(path = "portal/audit.html")]
struct AuditPage {
    c: Chrome,
    entries: Vec<AuditRow>,
}

/// `GET /portal/admin/audit`: the latest 200 entries (read only).
pub async fn audit(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PortalError> {
    ctx.require(&[Role::Admin])?;
    let l = ctx.lang;
    let entries = audit::recent(&state, 200)
        .await
        .map_err(|e| PortalError::from_service(l, e))?
        .into_iter()
        .map(|e| AuditRow {
            at: vn_time(e.at),
            actor: e.username.unwrap_or_else(|| "—".into()),
            action: e.action,
            detail: format!("{} {}", e.target, e.detail),
        })
        .collect();
    Ok(html_status(
        StatusCode::OK,
        &AuditPage {
            c: ctx.chrome(),
            entries,
        },
    ))
}
