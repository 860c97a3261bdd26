//! The app-link documents: served from the configured app ids, 404 when not configured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use quetma_server::state::Config;
use quetma_server::well_known::AppLinks;

const AASA: &str = "/.well-known/apple-app-site-association";
const ASSETLINKS: &str = "/.well-known/assetlinks.json";

#[tokio::test]
async fn not_configured_is_not_found() {
    let app = common::TestApp::new("sqlite", "sqlite::memory:").await;
    for path in [AASA, ASSETLINKS] {
        let (s, _, _) = app.raw(Method::GET, path, None, None, &[]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn documents_name_the_configured_apps_and_the_link_paths() {
    let fp = "0a".repeat(32);
    let links = AppLinks::new(
        Some("ab12cd34ef"),
        Some("vn.quetma.app"),
        Some("vn.quetma.app"),
        &[fp],
    )
    .unwrap();
    let config = Config {
        app_links: links,
        ..Config::default()
    };
    let app = common::TestApp::with_config("sqlite", "sqlite::memory:", config).await;

    let (s, h, body) = app.raw(Method::GET, AASA, None, None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "application/json");
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let detail = &v["applinks"]["details"][0];
    assert_eq!(
        detail["appIDs"],
        serde_json::json!(["AB12CD34EF.vn.quetma.app"])
    );
    let paths: Vec<&str> = detail["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["/"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/V/*", "/v/*", "/E/*", "/K/*"]);
    assert_eq!(
        detail["paths"],
        serde_json::json!(["/V/*", "/v/*", "/E/*", "/K/*"])
    );

    let (s, h, body) = app.raw(Method::GET, ASSETLINKS, None, None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "application/json");
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        v[0]["relation"],
        serde_json::json!(["delegate_permission/common.handle_all_urls"])
    );
    assert_eq!(v[0]["target"]["namespace"], "android_app");
    assert_eq!(v[0]["target"]["package_name"], "vn.quetma.app");
    assert_eq!(
        v[0]["target"]["sha256_cert_fingerprints"],
        serde_json::json!([vec!["0A"; 32].join(":")])
    );
}

#[tokio::test]
async fn only_one_platform_configured() {
    let links = AppLinks::new(Some("AB12CD34EF"), Some("vn.quetma.app"), None, &[]).unwrap();
    let config = Config {
        app_links: links,
        ..Config::default()
    };
    let app = common::TestApp::with_config("sqlite", "sqlite::memory:", config).await;
    let (s, _, _) = app.raw(Method::GET, AASA, None, None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app.raw(Method::GET, ASSETLINKS, None, None, &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
