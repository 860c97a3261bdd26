//! `/.well-known/` documents that let the phone apps open the server's links:
//!
//! - `apple-app-site-association` (iOS Universal Links) for the configured team and bundle id;
//! - `assetlinks.json` (Android App Links) for the configured package and signing-certificate
//!   fingerprints.
//!
//! Both cover the poster paths (`/V/*`, `/v/*`: the web check-in page a stock camera opens), the
//! enrolment path (`/E/*`) and the health worker's case code (`/K/*`, "share my history"). A
//! platform that is not configured gets a 404, so a deployment without apps answers as before.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::state::AppState;

/// The link paths the apps handle (Apple's `components` syntax; Android matches the host).
pub const APP_PATHS: [&str; 4] = ["/V/*", "/v/*", "/E/*", "/K/*"];

/// Which apps may open the server's links (each platform optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppLinks {
    /// iOS: `TEAMID.bundle.id`.
    pub apple_app_id: Option<String>,
    /// Android: the package and its signing certificates' SHA-256 fingerprints.
    pub android: Option<AndroidApp>,
}

/// One Android app allowed to open the links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndroidApp {
    /// Package name (`vn.quetma.app`).
    pub package: String,
    /// `AB:CD:…` (32 upper-case hex pairs), at least one.
    pub sha256_fingerprints: Vec<String>,
}

/// A rejected app-link setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppLinksError {
    /// An Apple team id is 10 upper-case letters and digits.
    #[error("apple team id must be 10 letters or digits")]
    TeamId,
    /// A bundle id / package name is dot-separated letters, digits, `-` (bundle) or `_`.
    #[error("{0} is not a valid identifier")]
    Identifier(&'static str),
    /// The team id and bundle id come together.
    #[error("set both the apple team id and the bundle id, or neither")]
    AppleHalf,
    /// The package and at least one fingerprint come together.
    #[error("set both the android package and at least one certificate fingerprint, or neither")]
    AndroidHalf,
    /// A fingerprint is 32 bytes of hex (colons optional).
    #[error("certificate fingerprint {0} is not 32 bytes of hex")]
    Fingerprint(usize),
}

fn identifier(s: &str, extra: char, what: &'static str) -> Result<String, AppLinksError> {
    let parts: Vec<&str> = s.split('.').collect();
    let ok = parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == extra));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(AppLinksError::Identifier(what))
    }
}

fn fingerprint(i: usize, s: &str) -> Result<String, AppLinksError> {
    let hex: String = s.chars().filter(|c| *c != ':').collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppLinksError::Fingerprint(i));
    }
    let upper = hex.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..32).map(|k| &upper[2 * k..2 * k + 2]).collect();
    Ok(pairs.join(":"))
}

impl AppLinks {
    /// From the serve options; every field empty means "no apps".
    pub fn new(
        apple_team_id: Option<&str>,
        apple_bundle_id: Option<&str>,
        android_package: Option<&str>,
        android_fingerprints: &[String],
    ) -> Result<Self, AppLinksError> {
        let apple_app_id = match (apple_team_id, apple_bundle_id) {
            (None, None) => None,
            (Some(team), Some(bundle)) => {
                if team.len() != 10 || !team.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(AppLinksError::TeamId);
                }
                let bundle = identifier(bundle, '-', "bundle id")?;
                Some(format!("{}.{bundle}", team.to_ascii_uppercase()))
            }
            _ => return Err(AppLinksError::AppleHalf),
        };
        let android = match (android_package, android_fingerprints.is_empty()) {
            (None, true) => None,
            (Some(package), false) => Some(AndroidApp {
                package: identifier(package, '_', "android package")?,
                sha256_fingerprints: android_fingerprints
                    .iter()
                    .enumerate()
                    .map(|(i, f)| fingerprint(i, f.trim()))
                    .collect::<Result<_, _>>()?,
            }),
            _ => return Err(AppLinksError::AndroidHalf),
        };
        Ok(Self {
            apple_app_id,
            android,
        })
    }

    /// The `apple-app-site-association` document (components for iOS 13+, `paths` for older).
    pub fn apple_document(&self) -> Option<Value> {
        let app_id = self.apple_app_id.as_ref()?;
        let components: Vec<Value> = APP_PATHS.iter().map(|p| json!({ "/": p })).collect();
        Some(json!({
            "applinks": {
                "apps": [],
                "details": [{
                    "appIDs": [app_id],
                    "appID": app_id,
                    "components": components,
                    "paths": APP_PATHS,
                }],
            },
        }))
    }

    /// The `assetlinks.json` statement list.
    pub fn android_document(&self) -> Option<Value> {
        let app = self.android.as_ref()?;
        Some(json!([{
            "relation": ["delegate_permission/common.handle_all_urls"],
            "target": {
                "namespace": "android_app",
                "package_name": app.package,
                "sha256_cert_fingerprints": app.sha256_fingerprints,
            },
        }]))
    }
}

/// The two routes (merged into the app's router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/apple-app-site-association",
            get(apple_app_site_association),
        )
        .route("/.well-known/assetlinks.json", get(assetlinks))
}

fn document(doc: Option<Value>) -> Response {
    match doc {
        // `Json` answers `application/json`, which both platforms require (no redirect).
        Some(v) => Json(v).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn apple_app_site_association(State(state): State<AppState>) -> Response {
    document(state.config.app_links.apple_document())
}

async fn assetlinks(State(state): State<AppState>) -> Response {
    document(state.config.app_links.android_document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let fp = "ab".repeat(32);
        assert_eq!(
            AppLinks::new(None, None, None, &[]).unwrap(),
            AppLinks::default()
        );
        assert_eq!(
            AppLinks::new(Some("ABCDE12345"), None, None, &[]),
            Err(AppLinksError::AppleHalf)
        );
        assert_eq!(
            AppLinks::new(Some("ABC"), Some("vn.quetma.app"), None, &[]),
            Err(AppLinksError::TeamId)
        );
        assert_eq!(
            AppLinks::new(Some("ABCDE12345"), Some("quetma"), None, &[]),
            Err(AppLinksError::Identifier("bundle id"))
        );
        assert_eq!(
            AppLinks::new(None, None, Some("vn.quetma.app"), &[]),
            Err(AppLinksError::AndroidHalf)
        );
        assert_eq!(
            AppLinks::new(
                None,
                None,
                Some("vn.quetma.app"),
                &[fp.clone(), "12:34".into()]
            ),
            Err(AppLinksError::Fingerprint(1))
        );
        let links = AppLinks::new(None, None, Some("vn.quetma.app"), &[fp]).unwrap();
        let want = vec!["AB"; 32].join(":");
        assert_eq!(links.android.unwrap().sha256_fingerprints, vec![want]);
    }
}
