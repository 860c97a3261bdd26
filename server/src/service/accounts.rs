//! Accounts (argon2id passwords), roles and sessions.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use serde::{Deserialize, Serialize};

use super::{AppState, Result, ServiceError, hash_token, random_bytes, random_token};
use crate::params;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(utoipa::ToSchema)]
pub enum Role {
    /// Registers venues, prints posters, enrols staff phones.
    VenueOwner,
    /// Watches the venues of one ward, sends reminders.
    WardOfficer,
    /// Runs tracing queries, exports sealed records, publishes notices.
    TracingOfficer,
    /// Manages accounts.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 4] = [
        Self::VenueOwner,
        Self::WardOfficer,
        Self::TracingOfficer,
        Self::Admin,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VenueOwner => "venue_owner",
            Self::WardOfficer => "ward_officer",
            Self::TracingOfficer => "tracing_officer",
            Self::Admin => "admin",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::VenueOwner => "Chủ địa điểm",
            Self::WardOfficer => "Cán bộ phường / xã",
            Self::TracingOfficer => "Cán bộ truy vết",
            Self::Admin => "Quản trị",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = ServiceError;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                ServiceError::Invalid(format!("vai trò không hợp lệ / unknown role: {s}"))
            })
    }
}

/// A signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Account {
    /// Id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Ward (commune) code, for ward officers (and optionally venue owners).
    #[schema(minimum = 0, maximum = 4294967295_i64)]
    pub ward_code: Option<i64>,
}

impl Account {
    /// The audit actor.
    pub fn actor(&self) -> super::audit::Actor {
        super::audit::Actor {
            account_id: Some(self.id.clone()),
            username: Some(self.username.clone()),
        }
    }
}

/// A new session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Bearer token (or cookie value); only its hash is stored.
    pub token: String,
    /// CSRF token bound to the session (for the portal's forms).
    pub csrf_token: String,
    /// Expiry, Unix ms.
    pub expires_at: i64,
    /// Whose.
    pub account: Account,
}

fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks a username: 3–64 of letters, digits, `.`, `_`, `-`, `@`.
pub fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
}

/// Creates an account (argon2id hash; the work runs off the async threads).
pub async fn create_account(
    state: &AppState,
    username: &str,
    password: &str,
    role: Role,
    ward_code: Option<i64>,
) -> Result<Account> {
    if !valid_username(username) {
        return Err(ServiceError::Invalid(
            "tên đăng nhập không hợp lệ / invalid username".into(),
        ));
    }
    if password.chars().count() < 10 {
        return Err(ServiceError::Invalid(
            "mật khẩu cần ít nhất 10 ký tự / password needs at least 10 characters".into(),
        ));
    }
    if ward_code.is_some_and(|c| !(0..=i64::from(u32::MAX)).contains(&c)) {
        return Err(ServiceError::Invalid(
            "mã phường không hợp lệ / ward code must be a number from 0 to 4294967295".into(),
        ));
    }
    if role == Role::WardOfficer && ward_code.is_none() {
        return Err(ServiceError::Invalid(
            "cán bộ phường cần mã phường / a ward officer needs a ward code".into(),
        ));
    }
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))??;
    let id = format!("A-{}", random_token::<10>()?);
    let r = state
        .db
        .exec(
            "INSERT INTO accounts (id, username, password_hash, role, ward_code, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &params![
                &id,
                username,
                hash,
                role.as_str(),
                ward_code,
                state.now_ms()
            ],
        )
        .await;
    match r {
        Ok(_) => Ok(Account {
            id,
            username: username.to_owned(),
            role,
            ward_code,
        }),
        Err(e) if e.is_unique_violation() => Err(ServiceError::Conflict(
            "tên đăng nhập đã có / username taken".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

fn account_from(r: &crate::db::Row) -> Result<Account> {
    Ok(Account {
        id: r.text(0)?,
        username: r.text(1)?,
        role: r.text(2)?.parse()?,
        ward_code: r.opt_int(3)?,
    })
}

/// Checks a password; the account if it matches (and is not disabled).
pub async fn verify_login(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<Option<Account>> {
    let row = state
        .db
        .query_opt(
            "SELECT id, username, role, ward_code, password_hash FROM accounts \
             WHERE username = $1 AND disabled = 0",
            &params![username],
        )
        .await?;
    let Some(row) = row else {
        // Same work as a real check, so timing does not say which usernames exist.
        let pw = password.to_owned();
        let _ = tokio::task::spawn_blocking(move || hash_password(&pw)).await;
        return Ok(None);
    };
    let hash = row.text(4)?;
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    if ok {
        Ok(Some(account_from(&row)?))
    } else {
        Ok(None)
    }
}

/// Opens a session for an account.
pub async fn create_session(state: &AppState, account: &Account) -> Result<Session> {
    let token = random_token::<32>()?;
    let csrf_token = random_token::<20>()?;
    let now = state.now_ms();
    let expires_at = now + state.config.session_ttl_ms;
    state
        .db
        .exec(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &params![
                hash_token(&token),
                &account.id,
                &csrf_token,
                now,
                expires_at
            ],
        )
        .await?;
    Ok(Session {
        token,
        csrf_token,
        expires_at,
        account: account.clone(),
    })
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in.
    Session(Box<Session>),
    /// Wrong username or password.
    Refused,
    /// Too many failures for this account and/or address: try again after this many seconds.
    /// The password was not checked.
    Throttled {
        /// Seconds to wait (`Retry-After`).
        retry_after_s: u64,
    },
}

/// Username + password from a client `address` → a session, through the failed-login
/// throttle ([`super::throttle`]) that the portal and the JSON API share. Every failure is
/// audited (`login.fail`), and so is the failure that starts a delay (`login.throttle`).
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    address: &str,
) -> Result<LoginOutcome> {
    let name = username.trim();
    // The throttle key: a name that cannot be an account still counts (spraying), bounded.
    let key: String = name.chars().take(64).collect();
    let now = state.now_ms();
    if let Some(wait) = state.login_throttle.wait(&key, address, now) {
        tracing::info!("login throttled");
        return Ok(LoginOutcome::Throttled {
            retry_after_s: u64::try_from((wait + 999) / 1000).unwrap_or(1).max(1),
        });
    }
    if let Some(a) = verify_login(state, name, password).await? {
        state.login_throttle.succeeded(&key, address);
        return Ok(LoginOutcome::Session(Box::new(
            create_session(state, &a).await?,
        )));
    }
    let f = state.login_throttle.failed(&key, address, state.now_ms());
    // The name tried is audited only when it is a well-formed username (a password typed
    // into the name field is not written down).
    let target = if valid_username(name) { name } else { "-" };
    let detail = serde_json::json!({ "address": address }).to_string();
    let actor = super::audit::Actor::default();
    super::audit::append(state, &actor, "login.fail", target, &detail).await?;
    if f.delayed {
        let detail = serde_json::json!({ "address": address, "delay_ms": f.wait_ms }).to_string();
        super::audit::append(state, &actor, "login.throttle", target, &detail).await?;
    }
    Ok(LoginOutcome::Refused)
}

/// The account and CSRF token behind a live session token.
pub async fn session_account(state: &AppState, token: &str) -> Result<Option<(Account, String)>> {
    let row = state
        .db
        .query_opt(
            "SELECT a.id, a.username, a.role, a.ward_code, s.csrf_token FROM sessions s \
             JOIN accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
            &params![hash_token(token), state.now_ms()],
        )
        .await?;
    row.map(|r| Ok((account_from(&r)?, r.text(4)?))).transpose()
}

/// Ends a session.
pub async fn logout(state: &AppState, token: &str) -> Result<()> {
    state
        .db
        .exec(
            "DELETE FROM sessions WHERE token_hash = $1",
            &params![hash_token(token)],
        )
        .await?;
    Ok(())
}

/// Every account, by username.
pub async fn list_accounts(state: &AppState) -> Result<Vec<Account>> {
    let rows = state
        .db
        .query(
            "SELECT id, username, role, ward_code FROM accounts ORDER BY username",
            &[],
        )
        .await?;
    rows.iter().map(account_from).collect()
}

/// Whether any admin exists.
pub async fn has_admin(state: &AppState) -> Result<bool> {
    Ok(state
        .db
        .query_opt("SELECT id FROM accounts WHERE role = 'admin' LIMIT 1", &[])
        .await?
        .is_some())
}

/// First start: makes the `admin` account with `password`, or a random one; the random
/// password is handed back to be shown once. `None` when an admin already exists.
pub async fn bootstrap_admin(state: &AppState, password: Option<&str>) -> Result<Option<String>> {
    if has_admin(state).await? {
        return Ok(None);
    }
    let (pw, generated) = match password {
        Some(p) => (p.to_owned(), false),
        None => (random_token::<15>()?.to_lowercase(), true),
    };
    create_account(state, "admin", &pw, Role::Admin, None).await?;
    Ok(Some(if generated { pw } else { String::new() }))
}
