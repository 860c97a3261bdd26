//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the JSON API.
//!
//! Every schema is derived from the serde type itself (`utoipa::ToSchema`, on core's wire types
//! behind its `openapi` feature and on the server's): enums, bounds, patterns and examples sit
//! on the types. The operations come from one route table ([`ROUTES`]) that the tests check
//! against the router; create calls carry OpenAPI links to the routes that take their id.

use axum::Json;
use serde_json::{Value, json};
use utoipa::OpenApi as _;

/// One documented route.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// Method, lower case.
    pub method: &'static str,
    /// Path (OpenAPI `{param}` syntax, as axum's).
    pub path: &'static str,
    /// Summary.
    pub summary: &'static str,
    /// Who may call it.
    pub auth: &'static str,
    /// Request body schema name, if any.
    pub request: Option<&'static str>,
    /// Success status and response schema name.
    pub response: (u16, &'static str),
}

const fn r(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    auth: &'static str,
    request: Option<&'static str>,
    response: (u16, &'static str),
) -> RouteDoc {
    RouteDoc {
        method,
        path,
        summary,
        auth,
        request,
        response,
    }
}

/// Every JSON route.
pub const ROUTES: &[RouteDoc] = &[
    r(
        "get",
        "/api/v1/trust-list",
        "Signed trust list (signing keys, sealing key)",
        "device",
        None,
        (200, "SignedTrustList"),
    ),
    r(
        "post",
        "/api/v1/uploads",
        "Upload a batch of visits and visitor-log entries",
        "device (+ scanner token for visitors)",
        Some("UploadBatchRequest"),
        (200, "UploadResponse"),
    ),
    r(
        "get",
        "/api/v1/exposures",
        "Signed exposure list; ?since=SEQ for a delta; ETag / If-None-Match",
        "device",
        None,
        (200, "SignedExposureList"),
    ),
    r(
        "post",
        "/api/v1/enrol",
        "Redeem a one-time enrolment code for a scanner token",
        "device",
        Some("EnrolRequest"),
        (200, "EnrolResponse"),
    ),
    r(
        "get",
        "/api/v1/openapi.json",
        "This document",
        "anyone",
        None,
        (200, "Object"),
    ),
    r(
        "post",
        "/api/v1/session",
        "Sign in: username + password → bearer token",
        "anyone",
        Some("LoginRequest"),
        (200, "LoginResponse"),
    ),
    r(
        "delete",
        "/api/v1/session",
        "Sign out",
        "any account",
        None,
        (204, "Empty"),
    ),
    r(
        "post",
        "/api/v1/accounts",
        "Create an account",
        "admin",
        Some("NewAccount"),
        (201, "Account"),
    ),
    r(
        "post",
        "/api/v1/venues",
        "Register a venue: signed poster QR + PDF",
        "venue_owner, admin",
        Some("VenueDetails"),
        (201, "RegisterResponse"),
    ),
    r(
        "get",
        "/api/v1/venues",
        "The caller's venues",
        "venue_owner, ward_officer, admin",
        None,
        (200, "[Venue]"),
    ),
    r(
        "get",
        "/api/v1/venues/{id}/poster.pdf",
        "Poster PDF (A4, QR ≥ 15 × 15 cm)",
        "owner, ward officer, admin",
        None,
        (200, "Pdf"),
    ),
    r(
        "post",
        "/api/v1/venues/{id}/enrolments",
        "One-time enrolment code for a staff phone",
        "owner, admin",
        Some("NewEnrolment"),
        (201, "Enrolment"),
    ),
    r(
        "post",
        "/api/v1/venues/{id}/reminders",
        "Send a reminder (3 → flagged for suspension)",
        "ward_officer (own ward), admin",
        Some("NewReminder"),
        (200, "Venue"),
    ),
    r(
        "post",
        "/api/v1/venues/{id}/suspension",
        "Suspend or reinstate a venue",
        "ward_officer (own ward), admin",
        Some("Suspension"),
        (200, "Venue"),
    ),
    r(
        "get",
        "/api/v1/wards/{code}/stats",
        "Check-ins per venue of a ward; ?period=day|week",
        "ward_officer (own ward), admin",
        None,
        (200, "[VenueStats]"),
    ),
    r(
        "post",
        "/api/v1/cases",
        "Tracing query: overlapping records (audited)",
        "tracing_officer",
        Some("CaseInput"),
        (201, "CaseResult"),
    ),
    r(
        "post",
        "/api/v1/case-codes",
        "Open a case awaiting the person's history: a one-time case code (text + QR; audited)",
        "tracing_officer",
        Some("CaseCodeRequest"),
        (201, "CaseCode"),
    ),
    r(
        "post",
        "/api/v1/case-share",
        "A confirmed person's phone sends its history with a case code (once; audited)",
        "device",
        Some("CaseShare"),
        (200, "CaseShareResult"),
    ),
    r(
        "get",
        "/api/v1/cases/{id}",
        "A case's contacts (audited)",
        "tracing_officer",
        None,
        (200, "CaseResult"),
    ),
    r(
        "get",
        "/api/v1/cases/{id}/export",
        "Sealed records for `quetma trace decrypt` (audited)",
        "tracing_officer",
        None,
        (200, "CaseExport"),
    ),
    r(
        "get",
        "/api/v1/cases/{id}/outcomes",
        "Who learns by the app, who is to call, and who is still to reach (audited)",
        "tracing_officer",
        None,
        (200, "ReachSummary"),
    ),
    r(
        "post",
        "/api/v1/cases/{id}/outcomes",
        "Record a call's outcome for one record (reached, no answer, wrong number; audited)",
        "tracing_officer",
        Some("OutcomeInput"),
        (200, "ReachSummary"),
    ),
    r(
        "post",
        "/api/v1/cases/{id}/sms",
        "Text one contact of the case the exposure SMS: an `sms` record through the server's \
         reply channel, another with the number the tracer opened offline (not stored); once \
         per case and record (audited)",
        "tracing_officer",
        Some("CaseSmsInput"),
        (200, "CaseSmsResult"),
    ),
    r(
        "post",
        "/api/v1/notices",
        "Publish an exposure notice (audited)",
        "tracing_officer",
        Some("NoticeInput"),
        (201, "ExposureNotice"),
    ),
    r(
        "post",
        "/api/v1/notices/{id}/withdraw",
        "Withdraw an exposure notice (audited)",
        "tracing_officer",
        None,
        (204, "Empty"),
    ),
    r(
        "post",
        "/api/v1/notice-batches/preview",
        "How many venues and recorded visits a batch of notices would reach, and whether a \
         second officer must approve it",
        "tracing_officer",
        Some("NoticeBatchInput"),
        (200, "NoticeReach"),
    ),
    r(
        "post",
        "/api/v1/notice-batches",
        "Submit a batch of notices: published at once within the threshold, else held for a \
         second officer; hourly cap (audited)",
        "tracing_officer",
        Some("NoticeBatchInput"),
        (201, "NoticeBatch"),
    ),
    r(
        "get",
        "/api/v1/notice-batches",
        "The latest notice batches",
        "tracing_officer",
        None,
        (200, "[NoticeBatch]"),
    ),
    r(
        "get",
        "/api/v1/notice-batches/{id}",
        "One notice batch",
        "tracing_officer",
        None,
        (200, "NoticeBatch"),
    ),
    r(
        "post",
        "/api/v1/notice-batches/{id}/approve",
        "Approve a held batch and publish it (a different tracing officer; audited)",
        "tracing_officer",
        None,
        (200, "NoticeBatch"),
    ),
    r(
        "post",
        "/api/v1/notice-batches/{id}/withdraw",
        "Withdraw a whole batch: phones clear its alerts on their next list (audited)",
        "tracing_officer",
        None,
        (200, "NoticeBatch"),
    ),
    r(
        "post",
        "/api/v1/sms/inbound",
        "The SMS gateway's webhook: a text `QM <venue code>` checks that number in (sealed at \
         once; a receipt by SMS), any other text gets a helpful reply SMS; once per message id; \
         rate-limited per sending number (429). 503 while the deployment has no inbound token",
        "sms_gateway (bearer: the deployment's inbound token)",
        Some("InboundSms"),
        (200, "InboundAnswer"),
    ),
    r(
        "get",
        "/api/v1/audit",
        "Latest audit log entries",
        "admin",
        None,
        (200, "[AuditEntry]"),
    ),
];

/// `Signed<TrustListDoc>`: `payload` is the [`quetma_core::api::TrustListDoc`] JSON,
/// Base64url; `sig` an Ed25519 signature over it by the key `kid`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SignedTrustList {
    /// Signing key id.
    #[schema(example = "ak-2026")]
    kid: String,
    /// The document's JSON bytes, Base64url without padding.
    #[schema(pattern = "^[A-Za-z0-9_-]*$")]
    payload: String,
    /// Ed25519 signature, Base64url (64 bytes).
    #[schema(pattern = "^[A-Za-z0-9_-]{85}[AQgw]$")]
    sig: String,
}

/// `Signed<ExposureList>`: `payload` is the [`quetma_core::api::ExposureList`] JSON, Base64url.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SignedExposureList {
    /// Signing key id.
    #[schema(example = "ak-2026")]
    kid: String,
    /// The document's JSON bytes, Base64url without padding.
    #[schema(pattern = "^[A-Za-z0-9_-]*$")]
    payload: String,
    /// Ed25519 signature, Base64url (64 bytes).
    #[schema(pattern = "^[A-Za-z0-9_-]{85}[AQgw]$")]
    sig: String,
}

/// The schemas, each derived from its type.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    SignedTrustList,
    SignedExposureList,
    quetma_core::keys::files::PublicKeyEntry,
    quetma_core::api::TrustListDoc,
    quetma_core::outbox::SealedContactJson,
    quetma_core::outbox::VisitUpload,
    quetma_core::outbox::VisitorUpload,
    quetma_core::api::UploadBatch,
    quetma_core::api::RejectReason,
    quetma_core::api::Rejected,
    quetma_core::api::UploadResponse,
    quetma_core::api::ExposureLevel,
    quetma_core::api::ExposureNotice,
    quetma_core::api::ExposureList,
    quetma_core::api::EnrolRequest,
    quetma_core::api::EnrolResponse,
    quetma_core::api::ApiError,
    quetma_core::payload::venue::VenueCategory,
    crate::api::tools::LoginRequest,
    crate::api::tools::LoginResponse,
    crate::api::tools::NewAccount,
    crate::api::tools::RegisterResponse,
    crate::api::tools::NewEnrolment,
    crate::api::tools::NewReminder,
    crate::api::tools::Suspension,
    crate::service::accounts::Role,
    crate::service::accounts::Account,
    crate::service::venues::VenueDetails,
    crate::service::venues::Venue,
    crate::service::enrol::Enrolment,
    crate::service::stats::Period,
    crate::service::stats::VenueStats,
    crate::service::cases::Window,
    crate::service::cases::CaseVisit,
    crate::service::cases::CaseInput,
    crate::service::cases::Contact,
    crate::service::cases::CaseResult,
    crate::service::cases::ExportRecord,
    crate::service::cases::CaseExport,
    crate::service::cases::CaseCode,
    crate::service::cases::CaseCodeRequest,
    crate::service::cases::CaseShare,
    crate::service::cases::CaseShareResult,
    crate::service::exposures::NoticeInput,
    crate::service::outcomes::Outcome,
    crate::service::outcomes::OutcomeInput,
    crate::service::outcomes::ContactOutcome,
    crate::service::outcomes::ReachSummary,
    crate::service::exposures::NoticeBatchInput,
    crate::service::exposures::NoticeReach,
    crate::service::exposures::NoticeBatch,
    crate::service::audit::AuditEntry,
    crate::service::sms_checkin::InboundSms,
    crate::service::sms_checkin::InboundStatus,
    crate::service::sms_checkin::InboundAnswer,
    crate::service::sms_checkin::CaseSmsInput,
    crate::service::sms_checkin::CaseSmsResult,
)))]
struct Schemas;

/// The `components.schemas` object, derived from the types.
pub fn schemas() -> Value {
    serde_json::to_value(Schemas::openapi())
        .ok()
        .and_then(|v| v.pointer("/components/schemas").cloned())
        .unwrap_or_else(|| json!({}))
}

/// What `POST /api/v1/uploads` reads as a whole: [`quetma_core::api::UploadBatch`] with each
/// item's *shape* (fields, types) but not its content rules. The server takes the batch apart
/// item by item: an item that breaks [`quetma_core::outbox::VisitUpload`]'s or
/// `VisitorUpload`'s rules (patterns, lengths, times) is answered in `rejected` with reason
/// `invalid` and the rest of the batch is stored, so one bad item never blocks a phone's outbox.
/// A batch whose shape is wrong (not JSON, a field of the wrong type or missing, more than 500
/// items, `sent_at` outside 1970–2100) is refused whole.
fn upload_request_schemas(schemas: &mut serde_json::Map<String, Value>) {
    fn loosen(v: &Value, renames: &[(&str, &str)]) -> Value {
        match v {
            Value::Object(o) => Value::Object(
                o.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "pattern" | "minLength" | "maxLength"))
                    .map(|(k, x)| {
                        let x = match (k.as_str(), x) {
                            ("$ref", Value::String(r)) => renames
                                .iter()
                                .find(|(from, _)| r.ends_with(&format!("/{from}")))
                                .map(|(_, to)| json!(format!("#/components/schemas/{to}")))
                                .unwrap_or_else(|| x.clone()),
                            _ => loosen(x, renames),
                        };
                        (k.clone(), x)
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|x| loosen(x, renames)).collect()),
            other => other.clone(),
        }
    }
    let renames = [
        ("SealedContactJson", "SealedContactItem"),
        ("VisitUpload", "VisitUploadItem"),
        ("VisitorUpload", "VisitorUploadItem"),
    ];
    for (from, to) in renames {
        if let Some(schema) = schemas.get(from) {
            let mut item = loosen(schema, &renames);
            item["description"] = json!(format!(
                "An item's shape as the batch reads it; its content rules are `{from}`'s, \
                 checked item by item (a breach is answered in `rejected`, reason `invalid`)."
            ));
            schemas.insert(to.to_owned(), item);
        }
    }
    if let Some(batch) = schemas.get("UploadBatch") {
        let mut batch = loosen(batch, &renames);
        batch["description"] = json!(
            "An upload batch as the server reads it whole. Items are checked one by one against \
             `VisitUpload` / `VisitorUpload`: an item breaking their rules is answered in \
             `rejected` and the rest is stored. At most 500 items in all."
        );
        batch["properties"]["sent_at"]["minimum"] = json!(0);
        batch["properties"]["sent_at"]["maximum"] = json!(crate::service::uploads::MAX_TIME_MS);
        schemas.insert("UploadBatchRequest".to_owned(), batch);
    }
}

/// Every component schema: the types' and the upload request's.
fn all_schemas() -> Value {
    let mut s = match schemas() {
        Value::Object(o) => o,
        _ => serde_json::Map::new(),
    };
    upload_request_schemas(&mut s);
    rules_across_fields(&mut s);
    Value::Object(s)
}

/// The server's rules that span fields, which a field's `#[schema]` cannot carry, written in
/// JSON Schema on the derived schemas. (Time windows — end not before start, at most
/// `MAX_STAY_MS` — are beyond JSON Schema: the fields' descriptions say them.)
fn rules_across_fields(s: &mut serde_json::Map<String, Value>) {
    // A ward officer needs a ward code (service::accounts::create_account).
    if let Some(a) = s.get_mut("NewAccount") {
        a["allOf"] = json!([{
            "if": {"properties": {"role": {"const": "ward_officer"}}, "required": ["role"]},
            "then": {"properties": {"ward_code": {"type": "integer"}}, "required": ["ward_code"]}
        }]);
    }
    // A tracing query names at least one window or visit (service::cases::create_case).
    if let Some(c) = s.get_mut("CaseInput") {
        c["anyOf"] = json!([
            {"properties": {"windows": {"minItems": 1}}, "required": ["windows"]},
            {"properties": {"visits": {"minItems": 1}}, "required": ["visits"]}
        ]);
    }
    // A refused item's client id is echoed as it came, cut to MAX_ID_BYTES (it may be the
    // very thing that was wrong with it).
    if let Some(id) = s
        .get_mut("Rejected")
        .and_then(|r| r.pointer_mut("/properties/client_id"))
        .and_then(Value::as_object_mut)
    {
        id.remove("pattern");
        id.remove("minLength");
        id.insert(
            "description".into(),
            json!("The item's client id as it was sent, cut to 100 bytes."),
        );
    }
}

/// The device header's value: 16–64 ASCII letters and digits (what `device.rs` accepts).
pub const DEVICE_ID_PATTERN: &str = "^[A-Za-z0-9]{16,64}$";

/// `operationId` of a route: method and path words, `_`-joined.
pub fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<&str> = path
        .trim_start_matches("/api/v1/")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    format!("{method}_{}", words.join("_"))
}

/// OpenAPI links from a create call's answer to the routes that take the id it made.
fn links(method: &str, path: &str) -> Option<Value> {
    let (field, targets): (&str, &[(&str, &str)]) = match (method, path) {
        ("post", "/api/v1/venues") => (
            "venue_id",
            &[
                ("get", "/api/v1/venues/{id}/poster.pdf"),
                ("post", "/api/v1/venues/{id}/enrolments"),
                ("post", "/api/v1/venues/{id}/reminders"),
                ("post", "/api/v1/venues/{id}/suspension"),
            ],
        ),
        ("post", "/api/v1/cases") => (
            "case_id",
            &[
                ("get", "/api/v1/cases/{id}"),
                ("get", "/api/v1/cases/{id}/export"),
                ("get", "/api/v1/cases/{id}/outcomes"),
                ("post", "/api/v1/cases/{id}/outcomes"),
                ("post", "/api/v1/cases/{id}/sms"),
            ],
        ),
        ("post", "/api/v1/notices") => ("id", &[("post", "/api/v1/notices/{id}/withdraw")]),
        ("post", "/api/v1/notice-batches") => (
            "id",
            &[
                ("get", "/api/v1/notice-batches/{id}"),
                ("post", "/api/v1/notice-batches/{id}/approve"),
                ("post", "/api/v1/notice-batches/{id}/withdraw"),
            ],
        ),
        _ => return None,
    };
    let mut out = serde_json::Map::new();
    for (m, p) in targets {
        let id = operation_id(m, p);
        out.insert(
            id.clone(),
            json!({"operationId": id, "parameters": {"id": format!("$response.body#/{field}")}}),
        );
    }
    Some(Value::Object(out))
}

fn schema_ref(name: &str) -> Value {
    match name {
        "Object" => json!({"type": "object"}),
        n if n.starts_with('[') => {
            json!({"type": "array", "items": {"$ref": format!("#/components/schemas/{}", &n[1..n.len() - 1])}})
        }
        n => json!({"$ref": format!("#/components/schemas/{n}")}),
    }
}

/// The success response of a route.
fn success(route: &RouteDoc) -> Value {
    let mut r = match route.response.1 {
        "Empty" => json!({"description": "Done (no body)"}),
        "Pdf" => json!({
            "description": "OK",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
        }),
        name => json!({
            "description": "OK",
            "content": {"application/json": {"schema": schema_ref(name)}}
        }),
    };
    if let Some(l) = links(route.method, route.path) {
        r["links"] = l;
    }
    r
}

fn path_param(name: &str) -> Value {
    let schema = match name {
        "code" => json!({"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u64}),
        _ => json!({"type": "string", "pattern": "^[!-~]{1,100}$"}),
    };
    json!({"name": name, "in": "path", "required": true, "schema": schema})
}

/// The document.
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        let mut op = json!({
            "operationId": operation_id(route.method, route.path),
            "summary": route.summary,
            "description": format!("Who: {}", route.auth),
            "responses": {
                route.response.0.to_string(): success(route),
                "default": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
                }
            }
        });
        let device = route.auth.starts_with("device");
        let params: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(path_param)
            .chain(device.then(|| {
                json!({"name": quetma_core::api::DEVICE_HEADER, "in": "header", "required": true,
                       "schema": {"type": "string", "pattern": DEVICE_ID_PATTERN},
                       "example": "a1b2c3d4e5f6a7b8c9d0"})
            }))
            .chain((route.path == "/api/v1/exposures").then(|| {
                json!({"name": "since", "in": "query", "required": false,
                       "schema": {"type": "integer", "minimum": 0}})
            }))
            .chain((route.path == "/api/v1/wards/{code}/stats").then(|| {
                json!({"name": "period", "in": "query", "required": false,
                       "schema": {"$ref": "#/components/schemas/Period"}})
            }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if !device && route.auth != "anyone" {
            op["security"] = json!([{"bearer": []}]);
        }
        if let Some(req) = route.request {
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": schema_ref(req)}}
            });
        }
        entry[route.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "QuetMa API",
            "version": quetma_core::api::VERSION,
            "description": "Device API (quetma_core::api) and the account-authenticated JSON API."
        },
        "paths": paths,
        "components": {
            "schemas": all_schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(openapi())
}
