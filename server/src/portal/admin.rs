//! Admin pages: accounts (create, list) and the append-only audit log.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::auth::{Ctx, PostForm};
use super::form::{FieldError, FieldErrors};
use super::i18n::Msg;
use super::page::{Chrome, PortalError, html_status, role_label};
use super::staff::vn_time;
use crate::service::accounts::{self, Role};
use crate::service::{AppState, ServiceError, audit};
use crate::wards::{WardLookup, Wards};

/// An account row.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// Login name.
    pub username: String,
    /// Role label.
    pub role: &'static str,
    /// Ward name and code, or empty.
    pub ward: String,
}

#[derive(Template)]
#[template(path = "portal/accounts.html")]
struct AccountsPage {
    c: Chrome,
    /// What was typed (kept on an error; never the password).
    form: NewAccount,
    errors: FieldErrors,
    roles: Vec<RoleOption>,
    accounts: Vec<AccountRow>,
    ward_choices: Vec<String>,
}

/// A role `<option>`.
#[derive(Debug, Clone)]
pub struct RoleOption {
    /// `venue_owner`, …
    pub value: &'static str,
    /// Label in the page's language.
    pub label: &'static str,
    /// The current choice.
    pub selected: bool,
}

async fn accounts_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    form: NewAccount,
    errors: FieldErrors,
    flash: Option<String>,
) -> Result<Response, PortalError> {
    ctx.require(&[Role::Admin])?;
    let l = ctx.lang;
    let wards = &state.config.wards;
    let list = accounts::list_accounts(state)
        .await
        .map_err(|e| PortalError::from_service(l, e))?
        .into_iter()
        .map(|a| AccountRow {
            username: a.username,
            role: role_label(l, a.role),
            ward: a.ward_code.map(|w| wards.label(w)).unwrap_or_default(),
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
            roles: Role::ALL
                .into_iter()
                .map(|r| RoleOption {
                    value: r.as_str(),
                    label: role_label(l, r),
                    selected: r.as_str() == form.role,
                })
                .collect(),
            form,
            errors,
            accounts: list,
            ward_choices: super::ward_choices(wards),
        },
    ))
}

/// `GET /portal/admin/accounts`.
pub async fn accounts(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PortalError> {
    accounts_page(
        &state,
        &ctx,
        StatusCode::OK,
        NewAccount::default(),
        FieldErrors::default(),
        None,
    )
    .await
}

/// The new-account form as shown again (never with the password).
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    /// Login name.
    pub username: String,
    /// Role (`venue_owner`, …).
    pub role: String,
    /// Ward: a code, a list entry or a name.
    pub ward: String,
}

/// The form as posted (with the password).
#[derive(Debug, Deserialize)]
pub struct NewAccountPost {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    ward: String,
}

/// Checks the new-account form field by field (all problems at once): the role, the ward
/// code it needs, the account's name and password.
pub fn check_new_account(
    form: &NewAccountPost,
    wards: &Wards,
) -> Result<(Role, Option<i64>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let e = |field, vi: &str, en: &str| FieldError {
        field,
        message: Msg::new(vi, en),
    };
    if !accounts::valid_username(form.username.trim()) {
        errors.push(e(
            "username",
            "Tên đăng nhập cần 3–64 ký tự: chữ không dấu, số, dấu . _ - @.",
            "A username has 3–64 characters: letters without accents, digits, . _ - @.",
        ));
    }
    if form.password.chars().count() < 10 {
        errors.push(e(
            "password",
            "Mật khẩu cần ít nhất 10 ký tự.",
            "The password needs at least 10 characters.",
        ));
    }
    let role = form.role.parse::<Role>().ok();
    if role.is_none() {
        errors.push(e("role", "Chọn một vai trò.", "Choose a role."));
    }
    let ward = match wards.resolve(&form.ward) {
        Ok(code) => Some(i64::from(code)),
        Err(WardLookup::Empty) => {
            if role == Some(Role::WardOfficer) {
                errors.push(e(
                    "ward",
                    "Cán bộ phường/xã cần có phường/xã.",
                    "A ward officer needs a ward.",
                ));
            }
            None
        }
        Err(WardLookup::Ambiguous(choices)) => {
            let shown = choices
                .iter()
                .take(6)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ");
            errors.push(FieldError {
                field: "ward",
                message: Msg::new(
                    format!("Có nhiều phường/xã tên này: {shown}. Chọn một mục có mã."),
                    format!("Several units have this name: {shown}. Pick one with its code."),
                ),
            });
            None
        }
        Err(WardLookup::BadCode | WardLookup::Unknown) => {
            errors.push(e(
                "ward",
                "Không tìm thấy phường/xã này. Chọn trong danh sách hoặc nhập mã 5 chữ số, ví dụ 09556.",
                "No such ward / commune. Pick one from the list or enter its 5-digit code, e.g. 09556.",
            ));
            None
        }
    };
    match role {
        Some(role) if errors.is_empty() => Ok((role, ward)),
        _ => Err(errors),
    }
}

/// `POST /portal/admin/accounts`: creates an account (argon2id hash). On an error the form
/// comes back with what was typed (except the password) and each message beside its field.
pub async fn create_account(
    State(state): State<AppState>,
    PostForm(ctx, posted): PostForm<NewAccountPost>,
) -> Result<Response, PortalError> {
    let admin = ctx.require(&[Role::Admin])?.clone();
    let l = ctx.lang;
    let kept = NewAccount {
        username: posted.username.trim().to_owned(),
        role: posted.role.clone(),
        ward: posted.ward.trim().to_owned(),
    };
    let refuse = |errors: Vec<FieldError>| {
        accounts_page(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            kept.clone(),
            FieldErrors::new(l, errors),
            None,
        )
    };
    let (role, ward) = match check_new_account(&posted, &state.config.wards) {
        Ok(v) => v,
        Err(errors) => return refuse(errors).await,
    };
    match accounts::create_account(&state, posted.username.trim(), &posted.password, role, ward)
        .await
    {
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
            accounts_page(
                &state,
                &ctx,
                StatusCode::OK,
                NewAccount::default(),
                FieldErrors::default(),
                Some(flash),
            )
            .await
        }
        Err(ServiceError::Conflict(_)) => {
            refuse(vec![FieldError {
                field: "username",
                message: Msg::new(
                    "Tên đăng nhập này đã có người dùng.",
                    "This username is taken.",
                ),
            }])
            .await
        }
        Err(ServiceError::Invalid(m)) => {
            refuse(vec![FieldError {
                field: "username",
                message: Msg::new(m.clone(), m),
            }])
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
