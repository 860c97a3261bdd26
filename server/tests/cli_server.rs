//! The server's command-line parts: `quetma serve` from nothing, `quetma account add`,
//! `quetma trace decrypt`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use quetma_core::keys::files::PublicKeys;
use quetma_core::outbox::SealedContactJson;
use quetma_core::payload::{ContactRecord, ContactSource, IdKind};
use quetma_server::service::cases::{CaseExport, Contact, EXPORT_FORMAT, ExportRecord};

fn quetma(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_quetma"));
    c.args(args).current_dir(cwd).env_remove("DATABASE_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn trace_decrypt_writes_a_safe_contact_csv() {
    let dir = tempfile::tempdir().unwrap();
    let o = quetma(&["keygen", "--out", "keys"], dir.path(), &[]);
    assert!(o.status.success());
    let public: PublicKeys = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("keys/public.json")).unwrap(),
    )
    .unwrap();
    let sealing = public.sealing_key().unwrap().unwrap();
    let record = |name: &str, phone: &str| ContactRecord {
        full_name: name.into(),
        id_number: Some("001099012345".into()),
        id_kind: Some(IdKind::Cccd),
        phone: Some(phone.into()),
        birth_year: Some(1990),
        source: ContactSource::Cccd,
    };
    let rec = |id: &str, r: ContactRecord| ExportRecord {
        contact: Contact {
            kind: "visit".into(),
            venue_id: "V-1".into(),
            client_id: id.into(),
            started_at: 1_764_000_000_000,
            ended_at: 1_764_000_000_000 + 3_600_000,
            overlap_ms: 1_800_000,
            learns_by: "app".into(),
        },
        sealed: SealedContactJson::from(&r.seal(&sealing).unwrap()),
    };
    let export = CaseExport {
        format: EXPORT_FORMAT.into(),
        case_id: "C-1".into(),
        created_at: 1,
        exported_at: 2,
        records: vec![
            rec("a", record("Nguyễn Văn \"An\"", "0912345678")),
            rec("b", record("=HYPERLINK(\"http://x\")", "+84912345678")),
        ],
    };
    std::fs::write(
        dir.path().join("export.json"),
        serde_json::to_string(&export).unwrap(),
    )
    .unwrap();
    let o = quetma(
        &[
            "trace",
            "decrypt",
            "--key",
            "keys/sealing.key.json",
            "--input",
            "export.json",
            "--output",
            "contacts.csv",
        ],
        dir.path(),
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(dir.path().join("contacts.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("case_id,kind,venue_id"));
    assert!(
        lines[1].contains("\"Nguyễn Văn \"\"An\"\"\""),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("\"0912345678\""));
    assert!(lines[1].contains("\"30\""));
    // Formula guard.
    assert!(
        lines[2].contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains("\"'+84912345678\""));
    // The signing key cannot open them.
    let o = quetma(
        &[
            "trace",
            "decrypt",
            "--key",
            "keys/signing.key.json",
            "--input",
            "export.json",
            "--output",
            "x.csv",
        ],
        dir.path(),
        &[],
    );
    assert!(!o.status.success());
}

#[test]
fn account_add_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("q.db").display());
    let o = quetma(
        &[
            "account",
            "add",
            "--database-url",
            &db,
            "--role",
            "ward_officer",
            "--username",
            "phuong-van-quan",
            "--ward",
            "9552",
        ],
        dir.path(),
        &[("QUETMA_NEW_PASSWORD", "a long password 123")],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("a long password"));
    let o = quetma(
        &[
            "account",
            "add",
            "--database-url",
            &db,
            "--role",
            "tracing_officer",
            "--username",
            "cdc-ha-dong",
        ],
        dir.path(),
        &[],
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("password:"),
        "a random password is printed"
    );
    let o = quetma(&["account", "list", "--database-url", &db], dir.path(), &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("phuong-van-quan\tward_officer\t9552"), "{out}");
    assert!(out.contains("cdc-ha-dong\ttracing_officer"));
    let o = quetma(
        &[
            "account",
            "add",
            "--database-url",
            &db,
            "--role",
            "king",
            "--username",
            "x-y-z",
        ],
        dir.path(),
        &[],
    );
    assert!(!o.status.success());
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nQuetMa-Device: DEVICEAAAAAAAAAAAAAA\r\nConnection: close\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn serve_starts_from_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_quetma"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("QUETMA_ADMIN_PASSWORD")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut ok = None;
    while start.elapsed() < Duration::from_secs(60) {
        if let Some(r) = http_get(port, "/healthz") {
            ok = Some(r);
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let trust = http_get(port, "/api/v1/trust-list");
    child.kill().ok();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        ok.unwrap_or_default().starts_with("HTTP/1.1 200"),
        "{stderr}"
    );
    assert!(trust.unwrap_or_default().contains("\"payload\""));
    assert!(stderr.contains("DEVELOPMENT keys"), "{stderr}");
    assert!(
        stderr.contains("admin") && stderr.contains("password"),
        "{stderr}"
    );
    assert!(dir.path().join("quetma-data/quetma.db").exists());
    assert!(
        dir.path()
            .join("quetma-data/keys/signing.key.json")
            .exists()
    );
}
