//! The OpenAPI document against the code: every route the router has is documented, every
//! `$ref` resolves, every example validates against its own schema, and the bodies the real
//! handlers take and give (serialised serde values) validate against the documented schemas —
//! while values the server refuses (a negative ward code, a bad device header, an unknown
//! category) do not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use quetma_server::api::openapi::{self, ROUTES};
use quetma_server::service::accounts::Role;
use serde_json::{Value, json};

/// A validator for `schema` (resolved inside the whole document).
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    if let Value::Object(m) = &mut root {
        m.insert("components".into(), doc["components"].clone());
    } else {
        root = json!({"allOf": [schema], "components": doc["components"]});
    }
    jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("schema {schema} does not compile: {e}"))
}

fn errors(doc: &Value, schema: &Value, v: &Value) -> Vec<String> {
    validator(doc, schema)
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

fn assert_valid(doc: &Value, schema: &Value, v: &Value, what: &str) {
    let e = errors(doc, schema, v);
    assert!(e.is_empty(), "{what}: {v}\n  against {schema}\n  {e:?}");
}

fn named(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The documented request and success schemas of a route.
fn route_schemas(doc: &Value, method: &str, path: &str) -> (Option<Value>, Value) {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} undocumented");
    let req = op["requestBody"]["content"]["application/json"]["schema"].clone();
    let responses = op["responses"].as_object().unwrap();
    let ok = responses
        .iter()
        .find(|(k, _)| k.starts_with('2'))
        .map(|(_, v)| v["content"]["application/json"]["schema"].clone())
        .unwrap_or(Value::Null);
    ((!req.is_null()).then_some(req), ok)
}

/// Walks every `$ref` in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().unwrap_or_default().to_owned());
                }
                refs(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// The routes `src/api.rs` gives the router: `.route(PATH, method(…).method(…))`.
fn router_routes() -> Vec<(String, String)> {
    let src = include_str!("../src/api.rs");
    let consts = [
        ("c::PATH_TRUST_LIST", quetma_core::api::PATH_TRUST_LIST),
        ("c::PATH_UPLOADS", quetma_core::api::PATH_UPLOADS),
        ("c::PATH_EXPOSURES", quetma_core::api::PATH_EXPOSURES),
        ("c::PATH_ENROL", quetma_core::api::PATH_ENROL),
        ("c::PATH_OPENAPI", quetma_core::api::PATH_OPENAPI),
    ];
    let mut out = Vec::new();
    for chunk in src.split(".route(").skip(1) {
        // The call's text up to its closing parenthesis.
        let mut depth = 1;
        let end = chunk
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        let call = &chunk[..end];
        let (first, rest) = call.split_once(',').unwrap();
        let first = first.trim();
        let path = match first.strip_prefix('"') {
            Some(p) => p.trim_end_matches('"').to_owned(),
            None => consts
                .iter()
                .find(|(k, _)| *k == first)
                .unwrap_or_else(|| panic!("unknown path constant {first}"))
                .1
                .to_owned(),
        };
        for m in ["get", "post", "put", "patch", "delete"] {
            let calls = rest.matches(&format!("{m}(")).count();
            let dotted = rest.matches(&format!(".{m}(")).count();
            let bare = rest.trim_start().starts_with(&format!("{m}("));
            if calls > 0 && (bare || dotted > 0) {
                out.push((m.to_owned(), path.clone()));
            }
        }
    }
    assert!(out.len() >= 20, "parsed only {out:?}");
    out
}

#[tokio::test]
async fn every_router_route_is_documented_and_every_ref_resolves() {
    let doc = openapi::openapi();
    for (method, path) in router_routes() {
        assert!(
            doc["paths"][&path][&method].is_object(),
            "{method} {path} is routed but not documented"
        );
    }
    assert_eq!(
        router_routes().len(),
        ROUTES.len(),
        "documented routes that the router does not have"
    );
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(doc["components"]["schemas"][name].is_object(), "{r}");
    }
    // Operation ids are unique and every link names one.
    let mut ids = Vec::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            ids.push(op["operationId"].as_str().unwrap().to_owned());
        }
    }
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate operationId");
    let mut links = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for resp in op["responses"].as_object().unwrap().values() {
                for link in resp["links"]
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.values())
                {
                    assert!(ids.contains(&link["operationId"].as_str().unwrap().to_owned()));
                    links += 1;
                }
            }
        }
    }
    assert_eq!(
        links, 13,
        "links from venues, cases, notices and notice batches"
    );
}

#[tokio::test]
async fn every_example_validates_against_its_schema() {
    let doc = openapi::openapi();
    let mut checked = 0;
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for (prop, s) in schema["properties"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.iter())
        {
            for ex in s["examples"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .chain(s.get("example").cloned())
            {
                assert_valid(&doc, s, &ex, &format!("{name}.{prop} example"));
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} examples");
}

#[tokio::test]
async fn the_schemas_are_tight_where_the_server_is() {
    let doc = openapi::openapi();
    let details = named("VenueDetails");
    let good = json!({"name": "Phở", "ward_code": 9619, "category": "restaurant"});
    assert_valid(&doc, &details, &good, "venue");
    for bad in [
        json!({"name": "Phở", "ward_code": -1, "category": "restaurant"}),
        json!({"name": "Phở", "ward_code": 9619, "category": "spaceport"}),
        json!({"name": "Phở", "category": "restaurant"}),
    ] {
        assert!(!errors(&doc, &details, &bad).is_empty(), "{bad} passes");
    }
    // Enums on the wire.
    for (schema, good, bad) in [
        ("Role", "tracing_officer", "root"),
        ("ExposureLevel", "high", "medium"),
        ("RejectReason", "not_enrolled", "nope"),
        ("Period", "week", "year"),
    ] {
        assert_valid(&doc, &named(schema), &json!(good), schema);
        assert!(
            !errors(&doc, &named(schema), &json!(bad)).is_empty(),
            "{schema}"
        );
    }
    let visitor = json!({"client_id": "g1", "venue_id": "V1", "checkpoint": "Cổng", "direction": "sideways",
        "scanned_at": 1, "source": "cccd", "contact": {"kid": "k", "enc": "AAAA", "ct": "AAAA"}});
    assert!(!errors(&doc, &named("VisitorUpload"), &visitor).is_empty());
    // The device header's pattern is the server's rule.
    let header = doc["paths"]["/api/v1/uploads"]["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["in"] == "header")
        .unwrap()["schema"]
        .clone();
    assert_valid(&doc, &header, &json!(common::DEVICE), "device");
    for bad in ["short", "has space in it 1234", &"x".repeat(65)] {
        assert!(!errors(&doc, &header, &json!(bad)).is_empty(), "{bad}");
    }
}

/// Calls the app and checks the request and the success answer against the route's schemas.
struct Walk<'a> {
    app: &'a common::TestApp,
    doc: Value,
    checked: Vec<String>,
}

impl Walk<'_> {
    async fn call(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        device: bool,
    ) -> Value {
        let m = method.as_str().to_lowercase();
        let (req_schema, ok_schema) = route_schemas(&self.doc, &m, template);
        if let (Some(s), Some(b)) = (&req_schema, &body) {
            assert_valid(&self.doc, s, b, &format!("request {m} {template}"));
        }
        let (status, _, v) = if device {
            self.app
                .device(method, path, common::DEVICE, token, body, &[])
                .await
        } else {
            self.app.call(method, path, token, body).await
        };
        assert!(status.is_success(), "{m} {path}: {status} {v}");
        if status != StatusCode::NO_CONTENT && !ok_schema.is_null() {
            assert_valid(&self.doc, &ok_schema, &v, &format!("answer {m} {template}"));
        }
        self.checked.push(format!("{m} {template}"));
        v
    }
}

#[tokio::test]
async fn real_requests_and_answers_match_the_documented_schemas() {
    for (backend, url) in common::backends("openapi_walk").await {
        let outbox = tempfile::tempdir().unwrap();
        let app = common::TestApp::with_config(
            backend,
            &url,
            quetma_server::state::Config {
                sms_inbound_token: Some("gateway-token".into()),
                sms_gateway: quetma_server::sms::GatewayConfig::File(
                    outbox.path().join("sms.jsonl"),
                ),
                ..quetma_server::state::Config::default()
            },
        )
        .await;
        let doc = openapi::openapi();
        let admin = app.login_as("qtv", Role::Admin, None).await;
        let owner = app.login_as("chu", Role::VenueOwner, None).await;
        let ward = app.login_as("phuong", Role::WardOfficer, Some(9619)).await;
        let tracer = app.login_as("truyvet", Role::TracingOfficer, None).await;
        let mut w = Walk {
            app: &app,
            doc,
            checked: Vec::new(),
        };
        let p = Method::POST;
        let g = Method::GET;
        w.call(
            p.clone(),
            "/api/v1/session",
            "/api/v1/session",
            None,
            Some(json!({"username": "qtv", "password": "correct horse battery"})),
            false,
        )
        .await;
        w.call(p.clone(), "/api/v1/accounts", "/api/v1/accounts", Some(&admin),
            Some(json!({"username": "moi", "password": "mật khẩu đủ dài", "role": "ward_officer", "ward_code": 9619})), false).await;
        let reg = w.call(p.clone(), "/api/v1/venues", "/api/v1/venues", Some(&owner),
            Some(json!({"name": "Phở Hà Nội", "address": "12 Lê Lợi", "ward_code": 9619, "category": "restaurant", "default_stay_minutes": 45})), false).await;
        let venue = reg["venue_id"].as_str().unwrap().to_owned();
        w.call(
            g.clone(),
            "/api/v1/venues",
            "/api/v1/venues",
            Some(&owner),
            None,
            false,
        )
        .await;
        let en = w
            .call(
                p.clone(),
                "/api/v1/venues/{id}/enrolments",
                &format!("/api/v1/venues/{venue}/enrolments"),
                Some(&owner),
                Some(json!({"checkpoint": "Cổng chính"})),
                false,
            )
            .await;
        let scanner = w
            .call(
                p.clone(),
                "/api/v1/enrol",
                "/api/v1/enrol",
                None,
                Some(json!({"code": en["code"]})),
                true,
            )
            .await;
        let token = scanner["scanner_token"].as_str().unwrap().to_owned();
        let now = app.now();
        let visit = serde_json::to_value(app.visit(
            "v-1",
            &venue,
            now - 600_000,
            Some(now - 60_000),
            "Nguyễn Văn A",
        ))
        .unwrap();
        let visitor = json!({"client_id": "g-1", "venue_id": venue, "checkpoint": "Cổng chính", "direction": "entry",
            "scanned_at": now - 300_000, "source": "cccd", "contact": app.sealed("Trần Thị B")});
        // Signed by a known key (an unknown key id is refused as invalid), at a venue that is not.
        let bad = json!({"client_id": "v-2", "venue_id": "NO-SUCH", "poster_kid": visit["poster_kid"], "started_at": now - 1000,
            "ended_at": null, "planned_end": now, "cancelled": false, "contact": app.sealed("C")});
        let up = w
            .call(
                p.clone(),
                "/api/v1/uploads",
                "/api/v1/uploads",
                Some(&token),
                Some(json!({"sent_at": now, "visits": [visit, bad], "visitors": [visitor]})),
                true,
            )
            .await;
        assert_eq!(up["accepted"].as_array().unwrap().len(), 2, "{up}");
        assert_eq!(up["rejected"][0]["reason"], "unknown_venue");
        w.call(
            g.clone(),
            "/api/v1/trust-list",
            "/api/v1/trust-list",
            None,
            None,
            true,
        )
        .await;
        w.call(
            p.clone(),
            "/api/v1/venues/{id}/reminders",
            &format!("/api/v1/venues/{venue}/reminders"),
            Some(&ward),
            Some(json!({"message": "Dán mã ở cửa"})),
            false,
        )
        .await;
        w.call(
            g.clone(),
            "/api/v1/wards/{code}/stats",
            "/api/v1/wards/9619/stats?period=week",
            Some(&ward),
            None,
            false,
        )
        .await;
        w.call(
            p.clone(),
            "/api/v1/venues/{id}/suspension",
            &format!("/api/v1/venues/{venue}/suspension"),
            Some(&ward),
            Some(json!({"suspended": false})),
            false,
        )
        .await;
        let case = w.call(p.clone(), "/api/v1/cases", "/api/v1/cases", Some(&tracer),
            Some(json!({"windows": [{"venue_id": venue, "start": now - 900_000, "end": now - 100_000}], "tail_ms": 0})), false).await;
        assert_eq!(case["contacts"].as_array().unwrap().len(), 2, "{case}");
        let id = case["case_id"].as_str().unwrap().to_owned();
        w.call(
            g.clone(),
            "/api/v1/cases/{id}",
            &format!("/api/v1/cases/{id}"),
            Some(&tracer),
            None,
            false,
        )
        .await;
        let export = w
            .call(
                g.clone(),
                "/api/v1/cases/{id}/export",
                &format!("/api/v1/cases/{id}/export"),
                Some(&tracer),
                None,
                false,
            )
            .await;
        assert_eq!(export["records"].as_array().unwrap().len(), 2);
        // The case has one app check-in and one CCCD scan: the scan is the one to call.
        let reach = w
            .call(
                g.clone(),
                "/api/v1/cases/{id}/outcomes",
                &format!("/api/v1/cases/{id}/outcomes"),
                Some(&tracer),
                None,
                false,
            )
            .await;
        assert_eq!(
            (reach["by_app"].as_i64(), reach["to_call"].as_i64()),
            (Some(1), Some(1)),
            "{reach}"
        );
        let reach = w
            .call(
                p.clone(),
                "/api/v1/cases/{id}/outcomes",
                &format!("/api/v1/cases/{id}/outcomes"),
                Some(&tracer),
                Some(json!({"kind": "visitor", "venue_id": venue, "client_id": "g-1", "outcome": "reached"})),
                false,
            )
            .await;
        assert_eq!(reach["still_to_reach"], 0, "{reach}");
        // The tracer has the server text the visitor, with the number opened offline.
        let texted = w
            .call(
                p.clone(),
                "/api/v1/cases/{id}/sms",
                &format!("/api/v1/cases/{id}/sms"),
                Some(&tracer),
                Some(json!({"kind": "visitor", "venue_id": venue, "client_id": "g-1", "phone": "0912345678"})),
                false,
            )
            .await;
        assert_eq!(texted, json!({"sent": true, "already": false}));
        let code = w
            .call(
                p.clone(),
                "/api/v1/case-codes",
                "/api/v1/case-codes",
                Some(&tracer),
                Some(json!({"window_days": 14})),
                false,
            )
            .await;
        let shared = w
            .call(p.clone(), "/api/v1/case-share", "/api/v1/case-share", None,
                Some(json!({"code": code["qr_text"], "visits": [{"venue_id": venue, "started_at": now - 900_000, "ended_at": now - 100_000}]})), true)
            .await;
        assert_eq!(shared["visits"], 1, "{shared}");
        let notice = w.call(p.clone(), "/api/v1/notices", "/api/v1/notices", Some(&tracer),
            Some(json!({"venue_id": venue, "start": now - 900_000, "end": now - 100_000, "level": "low", "case_id": id})), false).await;
        w.call(
            g.clone(),
            "/api/v1/exposures",
            "/api/v1/exposures?since=0",
            None,
            None,
            true,
        )
        .await;
        let nid = notice["id"].as_str().unwrap().to_owned();
        w.call(
            p.clone(),
            "/api/v1/notices/{id}/withdraw",
            &format!("/api/v1/notices/{nid}/withdraw"),
            Some(&tracer),
            None,
            false,
        )
        .await;
        // The circuit breaker's routes: preview, submit, list, get, approve (by a second
        // officer: the batch is held with a threshold of 0 venues), withdraw.
        let tracer2 = app.login_as("truyvet2", Role::TracingOfficer, None).await;
        let batch_body = json!({"notices": [{"venue_id": venue, "start": now - 900_000, "end": now - 100_000, "case_id": id}]});
        let reach = w
            .call(
                p.clone(),
                "/api/v1/notice-batches/preview",
                "/api/v1/notice-batches/preview",
                Some(&tracer),
                Some(batch_body.clone()),
                false,
            )
            .await;
        assert_eq!(reach["venues"], 1, "{reach}");
        let batch = w
            .call(
                p.clone(),
                "/api/v1/notice-batches",
                "/api/v1/notice-batches",
                Some(&tracer),
                Some(batch_body),
                false,
            )
            .await;
        let bid = batch["id"].as_str().unwrap().to_owned();
        w.call(
            g.clone(),
            "/api/v1/notice-batches",
            "/api/v1/notice-batches",
            Some(&tracer),
            None,
            false,
        )
        .await;
        w.call(
            g.clone(),
            "/api/v1/notice-batches/{id}",
            &format!("/api/v1/notice-batches/{bid}"),
            Some(&tracer),
            None,
            false,
        )
        .await;
        // Held only above the threshold: make one that is, then approve it.
        let held = quetma_server::service::exposures::submit_batch(
            &quetma_server::state::AppState {
                config: std::sync::Arc::new(quetma_server::state::Config {
                    notice_approval_venues: 0,
                    ..(*app.state.config).clone()
                }),
                ..app.state.clone()
            },
            &quetma_server::service::accounts::session_account(&app.state, &tracer)
                .await
                .unwrap()
                .unwrap()
                .0,
            &serde_json::from_value(json!({"notices": [{"venue_id": venue, "start": now - 900_000, "end": now - 100_000}]})).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(held.status, "pending");
        let approved = w
            .call(
                p.clone(),
                "/api/v1/notice-batches/{id}/approve",
                &format!("/api/v1/notice-batches/{}/approve", held.id),
                Some(&tracer2),
                None,
                false,
            )
            .await;
        assert_eq!(approved["status"], "published", "{approved}");
        let withdrawn = w
            .call(
                p.clone(),
                "/api/v1/notice-batches/{id}/withdraw",
                &format!("/api/v1/notice-batches/{}/withdraw", held.id),
                Some(&tracer),
                None,
                false,
            )
            .await;
        assert_eq!(withdrawn["status"], "withdrawn", "{withdrawn}");
        // The SMS gateway's webhook: a check-in by SMS, then a text with no code.
        for (text, id, status) in [
            (format!("QM {venue}"), "sms-1", "checked_in"),
            ("xin chào".to_owned(), "sms-2", "unknown_venue"),
        ] {
            let a = w
                .call(
                    p.clone(),
                    "/api/v1/sms/inbound",
                    "/api/v1/sms/inbound",
                    Some("gateway-token"),
                    Some(json!({"from": "+84912345678", "text": text, "message_id": id})),
                    false,
                )
                .await;
            assert_eq!(a["status"], status, "{a}");
        }
        w.call(
            g.clone(),
            "/api/v1/audit",
            "/api/v1/audit",
            Some(&admin),
            None,
            false,
        )
        .await;
        w.call(
            g.clone(),
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            None,
            None,
            false,
        )
        .await;
        w.call(
            Method::DELETE,
            "/api/v1/session",
            "/api/v1/session",
            Some(&owner),
            None,
            false,
        )
        .await;
        // The signed documents' payloads are the documented inner types.
        let (_, _, tl) = app
            .device(
                g.clone(),
                "/api/v1/trust-list",
                common::DEVICE,
                None,
                None,
                &[],
            )
            .await;
        let (_, _, ex) = app
            .device(
                g.clone(),
                "/api/v1/exposures",
                common::DEVICE,
                None,
                None,
                &[],
            )
            .await;
        for (signed, inner) in [(tl, "TrustListDoc"), (ex, "ExposureList")] {
            let bytes = data_encoding::BASE64URL_NOPAD
                .decode(signed["payload"].as_str().unwrap().as_bytes())
                .unwrap();
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            assert_valid(&w.doc, &named(inner), &v, inner);
        }
        // Every documented route but the PDF was walked (the PDF's content type is checked
        // by tests/api.rs).
        let mut walked = w.checked.clone();
        walked.sort();
        walked.dedup();
        assert_eq!(walked.len(), ROUTES.len() - 1, "{backend}: {walked:?}");
    }
}

#[test]
#[ignore = "prints the document"]
fn print_document() {
    println!(
        "{}",
        serde_json::to_string_pretty(&openapi::openapi()).unwrap()
    );
}

/// What schemathesis (scripts/schemathesis) found, each on SQLite and PostgreSQL: the server
/// takes what the document admits and refuses what it does not.
#[tokio::test]
async fn the_server_keeps_to_the_document_where_schemathesis_probed() {
    let doc = openapi::openapi();
    // The upload request is the server's whole-batch reading: an item breaking VisitUpload's
    // content rules is still a valid request (refused per item), a wrong type is not.
    let odd_item = json!({"sent_at": 1_764_770_400_000_i64, "visits": [{"client_id": "", "venue_id": "×",
        "poster_kid": "", "started_at": 0, "planned_end": 0, "cancelled": false,
        "contact": {"kid": "", "enc": "", "ct": ""}}]});
    assert_valid(&doc, &named("UploadBatchRequest"), &odd_item, "odd item");
    assert!(!errors(&doc, &named("VisitUpload"), &odd_item["visits"][0]).is_empty());
    let bad_shape = json!({"sent_at": "now", "visits": []});
    assert!(!errors(&doc, &named("UploadBatchRequest"), &bad_shape).is_empty());
    // Rules across fields the document now carries.
    let ward = json!({"username": "can-bo", "password": "mat-khau-du-dai", "role": "ward_officer"});
    assert!(!errors(&doc, &named("NewAccount"), &ward).is_empty());
    assert!(!errors(&doc, &named("CaseInput"), &json!({})).is_empty());
    for (backend, url) in common::backends("openapi_probed").await {
        let app = common::TestApp::new(backend, &url).await;
        let admin = app.login_as("qtv", Role::Admin, None).await;
        let tracer = app.login_as("truyvet", Role::TracingOfficer, None).await;
        // 2.0 is an integer in JSON Schema: the server reads it as 2.
        let (s, _, b) = app
            .raw(
                Method::POST,
                "/api/v1/uploads",
                None,
                Some(br#"{"sent_at": 1764770400000.0, "visits": []}"#.to_vec()),
                &[(quetma_core::api::DEVICE_HEADER, common::DEVICE)],
            )
            .await;
        assert_eq!(
            s,
            StatusCode::OK,
            "{backend}: {}",
            String::from_utf8_lossy(&b)
        );
        let (s, _, b) = app
            .upload(common::DEVICE, None, Some(odd_item.clone()))
            .await;
        assert_eq!(s, StatusCode::OK, "{backend}: {b}");
        assert_eq!(b["rejected"][0]["reason"], "invalid");
        let (s, _, _) = app
            .call(
                Method::GET,
                "/api/v1/wards/4294967296/stats",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{backend}: ward code past u32");
        let notice = json!({"venue_id": "V7K2M9", "start": 0, "end": 0});
        let (s, _, _) = app
            .call(Method::POST, "/api/v1/notices", Some(&tracer), Some(notice))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{backend}: unknown venue");
        for bad in [
            json!({"windows": [{"venue_id": "×ø", "start": 0, "end": 0}]}),
            json!({"windows": [{"venue_id": "V1", "start": 0, "end": 0}], "tail_ms": -1}),
            json!({"windows": [{"venue_id": "V1", "start": 0, "end": 0}],
                   "visits": [{"venue_id": "V1", "started_at": 0, "ended_at": 0, "planned_end": -1}]}),
        ] {
            let (s, _, _) = app
                .call(
                    Method::POST,
                    "/api/v1/cases",
                    Some(&tracer),
                    Some(bad.clone()),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {bad}");
        }
        let (s, _, b) = app
            .call(
                Method::POST,
                "/api/v1/accounts",
                Some(&admin),
                Some(json!({"username": "am-1", "password": "mat-khau-du-dai",
                            "role": "venue_owner", "ward_code": -1})),
            )
            .await;
        assert_ne!(s, StatusCode::CREATED, "{backend}: negative ward code {b}");
    }
}
