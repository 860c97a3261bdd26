//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document of the JSON API, written by hand from
//! one route table ([`ROUTES`]) that the tests check against the router.

use axum::Json;
use serde_json::{Value, json};

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
        Some("UploadBatch"),
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
        (200, "VenueList"),
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
        (200, "WardStats"),
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
        "get",
        "/api/v1/audit",
        "Latest audit log entries",
        "admin",
        None,
        (200, "AuditList"),
    ),
];

fn obj(props: &[(&str, &str)], required: &[&str]) -> Value {
    let mut p = serde_json::Map::new();
    for (name, ty) in props {
        let schema = match *ty {
            "string" | "integer" | "boolean" | "object" => json!({"type": ty}),
            "string?" => json!({"type": ["string", "null"]}),
            "integer?" => json!({"type": ["integer", "null"]}),
            t if t.starts_with('[') => {
                json!({"type": "array", "items": {"$ref": format!("#/components/schemas/{}", &t[1..t.len() - 1])}})
            }
            t => json!({"$ref": format!("#/components/schemas/{t}")}),
        };
        p.insert((*name).into(), schema);
    }
    json!({"type": "object", "properties": p, "required": required})
}

fn schemas() -> Value {
    let signed = obj(
        &[("kid", "string"), ("payload", "string"), ("sig", "string")],
        &["kid", "payload", "sig"],
    );
    json!({
        "Signed": signed,
        "SignedTrustList": {"allOf": [{"$ref": "#/components/schemas/Signed"}], "description": "payload: TrustListDoc JSON, Base64url"},
        "SignedExposureList": {"allOf": [{"$ref": "#/components/schemas/Signed"}], "description": "payload: ExposureList JSON, Base64url"},
        "PublicKeyEntry": obj(&[("kid", "string"), ("public", "string")], &["kid", "public"]),
        "TrustListDoc": obj(&[("issued_at", "integer"), ("signing", "[PublicKeyEntry]"), ("sealing", "PublicKeyEntry")], &["issued_at", "signing"]),
        "SealedContact": obj(&[("kid", "string"), ("enc", "string"), ("ct", "string")], &["kid", "enc", "ct"]),
        "VisitUpload": obj(&[("client_id", "string"), ("venue_id", "string"), ("poster_kid", "string"), ("started_at", "integer"), ("ended_at", "integer?"), ("planned_end", "integer"), ("cancelled", "boolean"), ("contact", "SealedContact")], &["client_id", "venue_id", "poster_kid", "started_at", "planned_end", "cancelled", "contact"]),
        "VisitorUpload": obj(&[("client_id", "string"), ("venue_id", "string"), ("checkpoint", "string"), ("direction", "string"), ("scanned_at", "integer"), ("source", "string"), ("contact", "SealedContact")], &["client_id", "venue_id", "checkpoint", "direction", "scanned_at", "source", "contact"]),
        "UploadBatch": obj(&[("sent_at", "integer"), ("visits", "[VisitUpload]"), ("visitors", "[VisitorUpload]")], &["sent_at"]),
        "Rejected": {"type": "object", "properties": {"client_id": {"type": "string"}, "reason": {"type": "string", "enum": ["unknown_venue", "venue_suspended", "invalid", "expired", "not_enrolled"]}}, "required": ["client_id", "reason"]},
        "UploadResponse": obj(&[("accepted", "[String]"), ("rejected", "[Rejected]"), ("server_time", "integer")], &["accepted", "rejected", "server_time"]),
        "String": {"type": "string"},
        "ExposureNotice": obj(&[("id", "string"), ("venue_id", "string"), ("start", "integer"), ("end", "integer"), ("tail_ms", "integer"), ("min_overlap_ms", "integer"), ("level", "string"), ("guidance_vi", "string"), ("guidance_en", "string"), ("published_at", "integer"), ("seq", "integer"), ("withdrawn", "boolean")], &["id", "venue_id", "start", "end", "tail_ms", "min_overlap_ms", "level", "guidance_vi", "guidance_en", "published_at", "seq"]),
        "ExposureList": obj(&[("issued_at", "integer"), ("since", "integer"), ("latest_seq", "integer"), ("notices", "[ExposureNotice]")], &["issued_at", "since", "latest_seq", "notices"]),
        "EnrolRequest": obj(&[("code", "string")], &["code"]),
        "EnrolResponse": obj(&[("venue_id", "string"), ("venue_name", "string"), ("checkpoint", "string"), ("scanner_token", "string")], &["venue_id", "venue_name", "checkpoint", "scanner_token"]),
        "ApiError": obj(&[("code", "string"), ("message", "string")], &["code", "message"]),
        "LoginRequest": obj(&[("username", "string"), ("password", "string")], &["username", "password"]),
        "LoginResponse": obj(&[("token", "string"), ("csrf_token", "string"), ("expires_at", "integer"), ("role", "string"), ("account_id", "string")], &["token", "csrf_token", "expires_at", "role", "account_id"]),
        "NewAccount": obj(&[("username", "string"), ("password", "string"), ("role", "string"), ("ward_code", "integer?")], &["username", "password", "role"]),
        "Account": obj(&[("id", "string"), ("username", "string"), ("role", "string"), ("ward_code", "integer?")], &["id", "username", "role"]),
        "VenueDetails": obj(&[("venue_id", "string?"), ("name", "string"), ("address", "string"), ("ward_code", "integer"), ("category", "string"), ("default_stay_minutes", "integer?")], &["name", "ward_code", "category"]),
        "RegisterResponse": obj(&[("venue_id", "string"), ("qr_text", "string"), ("poster_pdf_url", "string")], &["venue_id", "qr_text", "poster_pdf_url"]),
        "Venue": obj(&[("id", "string"), ("name", "string"), ("address", "string"), ("ward_code", "integer"), ("category", "string"), ("default_stay_minutes", "integer"), ("owner_id", "string?"), ("suspended", "boolean"), ("flagged", "boolean"), ("reminder_count", "integer"), ("poster_text", "string"), ("created_at", "integer")], &["id", "name", "ward_code", "category"]),
        "VenueList": {"type": "array", "items": {"$ref": "#/components/schemas/Venue"}},
        "NewEnrolment": obj(&[("checkpoint", "string")], &[]),
        "Enrolment": obj(&[("code", "string"), ("qr_text", "string"), ("venue_id", "string"), ("checkpoint", "string"), ("expires_at", "integer")], &["code", "qr_text", "venue_id", "checkpoint", "expires_at"]),
        "NewReminder": obj(&[("message", "string")], &[]),
        "Suspension": obj(&[("suspended", "boolean")], &["suspended"]),
        "VenueStats": obj(&[("venue", "Venue"), ("checkins", "integer"), ("visitors", "integer"), ("last_checkin_at", "integer?"), ("idle", "boolean")], &["venue", "checkins", "visitors", "idle"]),
        "WardStats": {"type": "array", "items": {"$ref": "#/components/schemas/VenueStats"}},
        "Window": obj(&[("venue_id", "string"), ("start", "integer"), ("end", "integer")], &["venue_id", "start", "end"]),
        "CaseVisit": obj(&[("venue_id", "string"), ("started_at", "integer"), ("ended_at", "integer?"), ("planned_end", "integer?")], &["venue_id", "started_at"]),
        "CaseInput": obj(&[("windows", "[Window]"), ("visits", "[CaseVisit]"), ("tail_ms", "integer?"), ("min_overlap_ms", "integer?")], &[]),
        "Contact": obj(&[("kind", "string"), ("venue_id", "string"), ("client_id", "string"), ("started_at", "integer"), ("ended_at", "integer"), ("overlap_ms", "integer")], &["kind", "venue_id", "client_id", "started_at", "ended_at", "overlap_ms"]),
        "CaseResult": obj(&[("case_id", "string"), ("windows", "[Window]"), ("tail_ms", "integer"), ("min_overlap_ms", "integer"), ("contacts", "[Contact]")], &["case_id", "windows", "tail_ms", "min_overlap_ms", "contacts"]),
        "ExportRecord": {"allOf": [{"$ref": "#/components/schemas/Contact"}, obj(&[("sealed", "SealedContact")], &["sealed"])]},
        "CaseExport": obj(&[("format", "string"), ("case_id", "string"), ("created_at", "integer"), ("exported_at", "integer"), ("records", "[ExportRecord]")], &["format", "case_id", "created_at", "exported_at", "records"]),
        "NoticeInput": obj(&[("venue_id", "string"), ("start", "integer"), ("end", "integer"), ("tail_ms", "integer?"), ("min_overlap_ms", "integer?"), ("level", "string?"), ("guidance_vi", "string?"), ("guidance_en", "string?"), ("case_id", "string?")], &["venue_id", "start", "end"]),
        "AuditEntry": obj(&[("id", "integer"), ("at", "integer"), ("username", "string?"), ("action", "string"), ("target", "string"), ("detail", "string")], &["id", "at", "action", "target", "detail"]),
        "AuditList": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
        "Object": {"type": "object"},
        "Empty": {"type": "null"},
        "Pdf": {"type": "string", "contentMediaType": "application/pdf"}
    })
}

/// The document.
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        let mut op = json!({
            "summary": route.summary,
            "description": format!("Who: {}", route.auth),
            "responses": {
                route.response.0.to_string(): {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", route.response.1)}}}
                },
                "default": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
                }
            }
        });
        let params: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .chain(route.auth.starts_with("device").then(|| {
                json!({"name": quetma_core::api::DEVICE_HEADER, "in": "header", "required": true, "schema": {"type": "string"}})
            }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(req) = route.request {
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{req}")}}}
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
            "schemas": schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(openapi())
}
