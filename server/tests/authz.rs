//! The authorisation matrix: every route × every role (anonymous, venue_owner, ward_officer,
//! tracing_officer, admin) → the expected status, on SQLite and PostgreSQL. A route added to
//! the server must be added here (the test fails on an OpenAPI route missing from the table).
//! Portal pages go in the same table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use quetma_server::service::accounts::Role;
use serde_json::{Value, json};

/// Roles in table order.
const ROLES: [&str; 5] = [
    "anonymous",
    "venue_owner",
    "ward_officer",
    "tracing_officer",
    "admin",
];

struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
    /// Device API: sent with the QuetMa-Device header.
    device: bool,
    expect: [u16; 5],
}

fn case(method: Method, path: &str, body: Option<Value>, expect: [u16; 5]) -> Case {
    Case {
        method,
        path: path.to_owned(),
        body,
        device: false,
        expect,
    }
}

#[tokio::test]
async fn every_route_for_every_role() {
    for (backend, url) in common::backends("authz").await {
        let app = common::TestApp::new(backend, &url).await;
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let ward = app.login_as("ward1", Role::WardOfficer, Some(100)).await;
        let tracer = app.login_as("tracer1", Role::TracingOfficer, None).await;
        let admin = app.login_as("admin1", Role::Admin, None).await;
        let tokens: [Option<&str>; 5] =
            [None, Some(&owner), Some(&ward), Some(&tracer), Some(&admin)];
        let (v1, qr) = app.venue(&owner, "Quán nước", 100).await;
        let code = qr.split("/V/").nth(1).unwrap().to_owned();
        let now = app.now();
        let window = json!({"windows": [{"venue_id": v1, "start": now - 3_600_000, "end": now}]});
        let (_, _, c) = app
            .call(
                Method::POST,
                "/api/v1/cases",
                Some(&tracer),
                Some(window.clone()),
            )
            .await;
        let case_id = c["case_id"].as_str().unwrap().to_owned();
        let notice = json!({"venue_id": v1, "start": now - 3_600_000, "end": now});
        let (_, _, n) = app
            .call(
                Method::POST,
                "/api/v1/notices",
                Some(&tracer),
                Some(notice.clone()),
            )
            .await;
        let notice_id = n["id"].as_str().unwrap().to_owned();
        let batch = json!({"notices": [{"venue_id": v1, "start": now - 3_600_000, "end": now}]});
        let (_, _, b) = app
            .call(
                Method::POST,
                "/api/v1/notice-batches",
                Some(&tracer),
                Some(batch.clone()),
            )
            .await;
        let batch_id = b["id"].as_str().unwrap().to_owned();

        let mut cases = vec![
            Case {
                device: true,
                ..case(Method::GET, "/api/v1/trust-list", None, [200; 5])
            },
            Case {
                device: true,
                ..case(
                    Method::POST,
                    "/api/v1/uploads",
                    Some(json!({"sent_at": now})),
                    [200; 5],
                )
            },
            Case {
                device: true,
                ..case(Method::GET, "/api/v1/exposures", None, [200; 5])
            },
            Case {
                device: true,
                ..case(
                    Method::POST,
                    "/api/v1/enrol",
                    Some(json!({"code": "NOPE"})),
                    [404; 5],
                )
            },
            Case {
                device: true,
                ..case(
                    Method::POST,
                    "/api/v1/case-share",
                    Some(
                        json!({"code": "NOPE", "visits": [{"venue_id": v1, "started_at": now - 60_000, "ended_at": now}]}),
                    ),
                    [404; 5],
                )
            },
            case(Method::GET, "/api/v1/openapi.json", None, [200; 5]),
            case(
                Method::POST,
                "/api/v1/session",
                Some(json!({"username": "x", "password": "y"})),
                [401; 5],
            ),
            case(
                Method::POST,
                "/api/v1/accounts",
                Some(
                    json!({"username": "new-{role}", "password": "long enough password", "role": "venue_owner"}),
                ),
                [401, 403, 403, 403, 201],
            ),
            case(
                Method::POST,
                "/api/v1/venues",
                Some(json!({"name": "Quán {role}", "ward_code": 100, "category": "shop"})),
                [401, 201, 403, 403, 201],
            ),
            case(
                Method::GET,
                "/api/v1/venues",
                None,
                [401, 200, 200, 403, 200],
            ),
            case(
                Method::GET,
                &format!("/api/v1/venues/{v1}/poster.pdf"),
                None,
                [401, 200, 200, 403, 200],
            ),
            case(
                Method::POST,
                &format!("/api/v1/venues/{v1}/enrolments"),
                Some(json!({})),
                [401, 201, 403, 403, 201],
            ),
            case(
                Method::POST,
                &format!("/api/v1/venues/{v1}/reminders"),
                Some(json!({"message": "x"})),
                [401, 403, 200, 403, 200],
            ),
            case(
                Method::POST,
                &format!("/api/v1/venues/{v1}/suspension"),
                Some(json!({"suspended": false})),
                [401, 403, 200, 403, 200],
            ),
            case(
                Method::GET,
                "/api/v1/wards/100/stats",
                None,
                [401, 403, 200, 403, 200],
            ),
            case(
                Method::POST,
                "/api/v1/cases",
                Some(window),
                [401, 403, 403, 201, 403],
            ),
            case(
                Method::POST,
                "/api/v1/case-codes",
                Some(json!({"window_days": 14})),
                [401, 403, 403, 201, 403],
            ),
            case(
                Method::GET,
                &format!("/api/v1/cases/{case_id}"),
                None,
                [401, 403, 403, 200, 403],
            ),
            case(
                Method::GET,
                &format!("/api/v1/cases/{case_id}/export"),
                None,
                [401, 403, 403, 200, 403],
            ),
            case(
                Method::GET,
                &format!("/api/v1/cases/{case_id}/outcomes"),
                None,
                [401, 403, 403, 200, 403],
            ),
            // No such record in the case: past the role gate, a conflict with the case.
            case(
                Method::POST,
                &format!("/api/v1/cases/{case_id}/outcomes"),
                Some(
                    json!({"kind": "web", "venue_id": v1, "client_id": "nope", "outcome": "reached"}),
                ),
                [401, 403, 403, 409, 403],
            ),
            case(
                Method::POST,
                &format!("/api/v1/cases/{case_id}/sms"),
                Some(
                    json!({"kind": "web", "venue_id": v1, "client_id": "nope", "phone": "0912345678"}),
                ),
                [401, 403, 403, 409, 403],
            ),
            case(
                Method::POST,
                "/api/v1/notices",
                Some(notice),
                [401, 403, 403, 201, 403],
            ),
            case(
                Method::POST,
                &format!("/api/v1/notices/{notice_id}/withdraw"),
                None,
                [401, 403, 403, 204, 403],
            ),
            case(
                Method::POST,
                "/api/v1/notice-batches/preview",
                Some(batch.clone()),
                [401, 403, 403, 200, 403],
            ),
            case(
                Method::POST,
                "/api/v1/notice-batches",
                Some(batch),
                [401, 403, 403, 201, 403],
            ),
            case(
                Method::GET,
                "/api/v1/notice-batches",
                None,
                [401, 403, 403, 200, 403],
            ),
            case(
                Method::GET,
                &format!("/api/v1/notice-batches/{batch_id}"),
                None,
                [401, 403, 403, 200, 403],
            ),
            // Published at once (within the threshold): nothing to approve.
            case(
                Method::POST,
                &format!("/api/v1/notice-batches/{batch_id}/approve"),
                None,
                [401, 403, 403, 409, 403],
            ),
            case(
                Method::POST,
                &format!("/api/v1/notice-batches/{batch_id}/withdraw"),
                None,
                [401, 403, 403, 200, 403],
            ),
            case(
                Method::GET,
                "/api/v1/audit",
                None,
                [401, 403, 403, 403, 200],
            ),
            // Not an account route: the gateway's own token (none configured here: 503 for
            // everyone; tests/sms_checkin.rs covers 401 and the rest).
            case(
                Method::POST,
                "/api/v1/sms/inbound",
                Some(json!({"from": "0912345678", "text": "QM X", "message_id": "m-{role}"})),
                [503; 5],
            ),
            case(Method::GET, &format!("/V/{code}"), None, [200; 5]),
            case(Method::GET, "/E/SOMECODE", None, [200; 5]),
            case(Method::GET, "/K/SOMECODE", None, [200; 5]),
            case(Method::GET, "/healthz", None, [200; 5]),
        ];
        // Last: signing out ends each session.
        cases.push(case(
            Method::DELETE,
            "/api/v1/session",
            None,
            [401, 204, 204, 204, 204],
        ));

        let mut failures = Vec::new();
        for c in &cases {
            for (i, role) in ROLES.iter().enumerate() {
                let body = c.body.as_ref().map(|b| {
                    serde_json::from_str::<Value>(&b.to_string().replace("{role}", role)).unwrap()
                });
                let device = format!("DEVICE{:0>14}", i);
                let headers: Vec<(&str, &str)> = if c.device {
                    vec![("QuetMa-Device", device.as_str())]
                } else {
                    vec![]
                };
                let (s, _, _) = app
                    .raw(
                        c.method.clone(),
                        &c.path,
                        tokens[i],
                        body.map(|b| serde_json::to_vec(&b).unwrap()),
                        &headers,
                    )
                    .await;
                if s.as_u16() != c.expect[i] {
                    failures.push(format!(
                        "{backend}: {} {} as {role}: got {}, expected {}",
                        c.method,
                        c.path,
                        s.as_u16(),
                        c.expect[i]
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "authorisation matrix:\n{}",
            failures.join("\n")
        );

        // Every documented JSON route is in the table.
        for r in quetma_server::api::openapi::ROUTES {
            let pattern = r.path.split('/').collect::<Vec<_>>();
            let covered = cases.iter().any(|c| {
                let segs: Vec<&str> = c.path.split('?').next().unwrap().split('/').collect();
                c.method.as_str().eq_ignore_ascii_case(r.method)
                    && segs.len() == pattern.len()
                    && segs
                        .iter()
                        .zip(&pattern)
                        .all(|(a, b)| a == b || b.starts_with('{'))
            });
            assert!(
                covered,
                "{} {} is not in the authorisation matrix",
                r.method, r.path
            );
        }
    }
}

#[tokio::test]
async fn openapi_documents_every_api_route() {
    let app = common::TestApp::new("sqlite", "sqlite::memory:").await;
    let (s, _, doc) = app
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], json!("3.1.0"));
    for r in quetma_server::api::openapi::ROUTES {
        assert!(
            doc["paths"][r.path][r.method].is_object(),
            "{} {}",
            r.method,
            r.path
        );
        // And the router serves it (not 404 / 405 for its method).
        let path = r.path.replace("{id}", "X").replace("{code}", "1");
        let (s, _, _) = app
            .raw(
                r.method.to_uppercase().parse::<Method>().unwrap(),
                &path,
                None,
                None,
                &[("QuetMa-Device", common::DEVICE)],
            )
            .await;
        assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED, "{} {}", r.method, r.path);
        if !path.contains("/X") {
            assert_ne!(s, StatusCode::NOT_FOUND, "{} {}", r.method, r.path);
        }
    }
    // Every schema a route names exists.
    for r in quetma_server::api::openapi::ROUTES {
        for name in r.request.into_iter().chain([r.response.1]) {
            // `[T]` is an array of T; the rest are inline (no body, a PDF, any object).
            let name = name.trim_start_matches('[').trim_end_matches(']');
            if matches!(name, "Empty" | "Pdf" | "Object") {
                continue;
            }
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "schema {name}"
            );
        }
    }
}
