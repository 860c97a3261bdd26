//! The page frame every template shares, rendering, and the portal's error pages.

use askama::Template;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::response::{IntoResponse, Response};

use super::i18n::Lang;
use crate::service::ServiceError;
use crate::service::accounts::{Account, Role};

/// A navigation link.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Target.
    pub href: &'static str,
    /// Label in the page's language.
    pub label: &'static str,
}

/// The signed-in user as the header shows them.
#[derive(Debug, Clone)]
pub struct UserView {
    /// Login name.
    pub username: String,
    /// Role label in the page's language.
    pub role_label: &'static str,
}

/// What the frame of every page needs.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// Page language.
    pub lang: Lang,
    /// Signed-in user.
    pub user: Option<UserView>,
    /// CSRF token for the forms on the page.
    pub csrf: String,
    /// Navigation for the user's role.
    pub nav: Vec<NavItem>,
    /// A one-line confirmation to show.
    pub flash: Option<String>,
}

/// A role's label in `lang`.
pub fn role_label(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::VenueOwner => lang.t("Chủ địa điểm", "Venue owner"),
        Role::WardOfficer => lang.t("Cán bộ phường/xã", "Ward officer"),
        Role::TracingOfficer => lang.t("Cán bộ truy vết", "Tracing officer"),
        Role::Admin => lang.t("Quản trị", "Administrator"),
    }
}

impl Chrome {
    /// The frame for `account` (or a visitor) in `lang`.
    pub fn new(lang: Lang, account: Option<&Account>, csrf: &str) -> Self {
        let l = |vi, en| lang.t(vi, en);
        let mut nav = Vec::new();
        if let Some(a) = account {
            let venues = NavItem {
                href: "/portal/venues",
                label: l("Địa điểm", "Venues"),
            };
            let register = NavItem {
                href: "/portal/venues/new",
                label: l("Đăng ký địa điểm", "Register a venue"),
            };
            let bulk = NavItem {
                href: "/portal/venues/bulk",
                label: l("Tạo hàng loạt", "Bulk CSV"),
            };
            let ward = NavItem {
                href: "/portal/ward",
                label: l("Phường/xã", "Ward"),
            };
            let tracing = NavItem {
                href: "/portal/tracing",
                label: l("Truy vết", "Tracing"),
            };
            match a.role {
                Role::VenueOwner => nav.extend([venues, register, bulk]),
                Role::WardOfficer => nav.extend([ward, bulk]),
                Role::TracingOfficer => nav.extend([
                    tracing,
                    NavItem {
                        href: "/portal/tracing/notices",
                        label: l("Thông báo phơi nhiễm", "Exposure notices"),
                    },
                ]),
                Role::Admin => nav.extend([
                    NavItem {
                        href: "/portal/admin/accounts",
                        label: l("Tài khoản", "Accounts"),
                    },
                    NavItem {
                        href: "/portal/admin/audit",
                        label: l("Nhật ký kiểm toán", "Audit log"),
                    },
                    venues,
                    bulk,
                    ward,
                    tracing,
                ]),
            }
        }
        Self {
            lang,
            user: account.map(|a| UserView {
                username: a.username.clone(),
                role_label: role_label(lang, a.role),
            }),
            csrf: csrf.to_owned(),
            nav,
            flash: None,
        }
    }

    /// The text in the page's language.
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.t(vi, en)
    }

    /// With a confirmation line.
    pub fn with_flash(mut self, flash: impl Into<String>) -> Self {
        self.flash = Some(flash.into());
        self
    }
}

/// Renders a template as an HTML answer.
pub fn html<T: Template>(t: &T) -> Response {
    html_status(StatusCode::OK, t)
}

/// Renders a template as an HTML answer with a status.
pub fn html_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "portal template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// A 303 redirect (after a POST, or to the login page).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

#[derive(Template)]
#[template(path = "portal/forbidden.html")]
struct ForbiddenPage {
    c: Chrome,
}

#[derive(Template)]
#[template(path = "portal/error.html")]
struct ErrorPage {
    c: Chrome,
    heading: &'static str,
    detail: String,
}

/// Why a portal request failed; each becomes a page in the request's language.
#[derive(Debug)]
pub enum PortalError {
    /// Not signed in: go to the login page, then back to this path (a deep link; empty for
    /// none).
    Login(String),
    /// Signed in without the right role (403).
    Forbidden(Lang),
    /// Signed in without the right role (403), with the frame of who is signed in: the page
    /// says who that is and offers the way back and a sign-in as someone else.
    ForbiddenFor(Box<Chrome>),
    /// Missing or wrong CSRF token (403).
    Csrf(Lang),
    /// No such thing (404).
    NotFound(Lang),
    /// A body the portal cannot read (400).
    BadRequest(Lang),
    /// A body over the limit (413).
    TooLarge(Lang),
    /// A rule refused the input (400), with its bilingual message.
    Invalid(Lang, String),
    /// Our fault (500); the cause is logged, never shown.
    Internal(Lang),
}

impl PortalError {
    /// A 500 that logs `e` (service errors never carry personal data).
    pub fn internal(lang: Lang, e: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %e, "portal request failed");
        Self::Internal(lang)
    }

    /// The portal error for a service error.
    pub fn from_service(lang: Lang, e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => Self::NotFound(lang),
            ServiceError::Forbidden => Self::Forbidden(lang),
            ServiceError::Invalid(m) | ServiceError::Conflict(m) | ServiceError::TooMany(m) => {
                Self::Invalid(lang, m)
            }
            other => Self::internal(lang, &other),
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let (status, lang, heading, detail) = match self {
            Self::Login(next) => {
                let next = super::safe_next(&next);
                if next == "/portal" {
                    return see_other("/portal/login");
                }
                let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                return see_other(&format!("/portal/login?{q}"));
            }
            Self::ForbiddenFor(c) => {
                let c = *c;
                return html_status(StatusCode::FORBIDDEN, &ForbiddenPage { c });
            }
            Self::Forbidden(l) => (
                StatusCode::FORBIDDEN,
                l,
                l.t("Không có quyền", "Not allowed"),
                l.t(
                    "Tài khoản của bạn không được dùng trang này.",
                    "Your account may not use this page.",
                )
                .to_owned(),
            ),
            Self::Csrf(l) => (
                StatusCode::FORBIDDEN,
                l,
                l.t("Biểu mẫu đã hết hạn", "The form has expired"),
                l.t(
                    "Vui lòng tải lại trang rồi gửi lại.",
                    "Please reload the page and submit again.",
                )
                .to_owned(),
            ),
            Self::NotFound(l) => (
                StatusCode::NOT_FOUND,
                l,
                l.t("Không tìm thấy", "Not found"),
                String::new(),
            ),
            Self::BadRequest(l) => (
                StatusCode::BAD_REQUEST,
                l,
                l.t("Yêu cầu không hợp lệ", "Bad request"),
                String::new(),
            ),
            Self::TooLarge(l) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                l,
                l.t("Tệp quá lớn", "Too large"),
                String::new(),
            ),
            Self::Invalid(l, m) => (
                StatusCode::BAD_REQUEST,
                l,
                l.t("Không thực hiện được", "Could not do that"),
                m,
            ),
            Self::Internal(l) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                l,
                l.t("Lỗi máy chủ", "Server error"),
                l.t("Vui lòng thử lại sau.", "Please try again later.")
                    .to_owned(),
            ),
        };
        html_status(
            status,
            &ErrorPage {
                c: Chrome::new(lang, None, ""),
                heading,
                detail,
            },
        )
    }
}
