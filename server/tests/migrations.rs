//! Versioned migrations: a database made by the unversioned server (the DDL of commit ed927e4,
//! kept verbatim in `tests/fixtures/`), filled with a row in every table, is upgraded by
//! `migrate` and loses nothing, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use quetma_server::db::schema::{self, DAY_MS};
use quetma_server::db::{Backend, Db, Row};

const SQLITE_HEAD: &str = include_str!("fixtures/schema-ed927e4-sqlite.sql");
const POSTGRES_HEAD: &str = include_str!("fixtures/schema-ed927e4-postgres.sql");

/// Every table of the old schema.
const TABLES: [&str; 14] = [
    "meta",
    "accounts",
    "sessions",
    "venues",
    "enrolments",
    "scanners",
    "declarations",
    "notices",
    "cases",
    "case_records",
    "audit_log",
    "reminders",
    "checkins",
    "visitors",
];

/// A day well inside the PostgreSQL partition the fill makes.
const DAY: i64 = 20_000 * DAY_MS;

/// One row in every table (the same SQL on both engines), NULLs and non-ASCII text included.
fn fill_sql() -> String {
    let t = DAY + 3_600_000;
    format!(
        "INSERT INTO meta (key, value) VALUES ('k', 'v');
INSERT INTO accounts (id, username, password_hash, role, ward_code, created_at, disabled)
  VALUES ('a1', 'chủ quán', '$argon2id$x', 'venue_owner', 9619, {t}, 0),
         ('a2', 'admin', '$argon2id$y', 'admin', NULL, {t}, 1);
INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at)
  VALUES ('th', 'a1', 'csrf', {t}, {t} + 1000);
INSERT INTO venues (id, name, address, ward_code, category, default_stay_minutes, owner_id,
  suspended, flagged, reminder_count, max_stay_ms, poster_kid, poster_text, issued_at, created_at)
  VALUES ('v1', 'Phở Hà Nội', '12 Lê Lợi', 9619, 'restaurant', 60, 'a1', 0, 1, 3, 7200000,
          'kid1', 'HTTPS://QR.TEST/V/ABC', {t}, {t});
INSERT INTO enrolments (code_hash, venue_id, checkpoint, created_by, created_at, expires_at, used_at)
  VALUES ('ch', 'v1', 'Cổng A', 'a1', {t}, {t} + 600000, NULL);
INSERT INTO scanners (token_hash, venue_id, checkpoint, created_at, revoked_at)
  VALUES ('st', 'v1', 'Cổng A', {t}, NULL);
INSERT INTO declarations (id, venue_id, submitted_at, answers)
  VALUES ('d1', 'v1', {t}, '{{\"fever\":false}}');
INSERT INTO notices (id, seq, venue_id, start_at, end_at, tail_ms, min_overlap_ms, level,
  guidance_vi, guidance_en, published_at, withdrawn, case_id, published_by)
  VALUES ('n1', 1, 'v1', {t}, {t} + 1, 1800000, 900000, 'high', 'Tự theo dõi', 'Monitor', {t}, 0,
          'c1', 'a2');
INSERT INTO cases (id, created_by, created_at, tail_ms, min_overlap_ms, windows)
  VALUES ('c1', 'a2', {t}, 1800000, 900000, '[]');
INSERT INTO case_records (case_id, kind, venue_id, client_id, started_at, ended_at, overlap_ms,
  contact_kid, contact_enc, contact_ct)
  VALUES ('c1', 'checkin', 'v1', 'cl1', {t}, {t} + 1, 1, 'sk', 'ENC', 'CT');
INSERT INTO audit_log (at, account_id, username, action, target, detail)
  VALUES ({t}, 'a2', 'admin', 'case.create', 'c1', '{{}}');
INSERT INTO reminders (venue_id, sent_by, sent_at, message) VALUES ('v1', 'a2', {t}, 'Nhắc');
INSERT INTO checkins (venue_id, client_id, source, started_at, ended_at, planned_end, poster_kid,
  contact_kid, contact_enc, contact_ct, received_at)
  VALUES ('v1', 'cl1', 'app', {t}, NULL, {t} + 3600000, 'kid1', 'sk', 'ENC', 'CT', {t}),
         ('v1', 'cl2', 'web', {t}, {t} + 60000, {t} + 3600000, 'kid1', 'sk', 'E2', 'C2', {t});
INSERT INTO visitors (venue_id, client_id, checkpoint, direction, scanned_at, source, contact_kid,
  contact_enc, contact_ct, received_at)
  VALUES ('v1', 'vi1', 'Cổng A', 'entry', {t}, 'cccd', 'sk', 'ENC', 'CT', {t});
"
    )
}

async fn columns(db: &Db, table: &str) -> Vec<String> {
    let sql = match db.backend() {
        Backend::Sqlite => "SELECT name FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    db.query(sql, &[table.into()])
        .await
        .unwrap()
        .iter()
        .map(|r| r.text(0).unwrap())
        .collect()
}

/// Every table's rows (its old columns, in a fixed order).
async fn dump(db: &Db, old_columns: &[(String, Vec<String>)]) -> Vec<(String, Vec<Row>)> {
    let mut out = Vec::new();
    for (table, cols) in old_columns {
        let list = cols.join(", ");
        let rows = db
            .query(&format!("SELECT {list} FROM {table} ORDER BY {list}"), &[])
            .await
            .unwrap();
        out.push((table.clone(), rows));
    }
    out
}

async fn upgrade_loses_nothing(backend: &str, url: &str, head_ddl: &str) {
    let db = Db::connect(url).await.unwrap();
    db.batch(head_ddl).await.unwrap();
    if db.backend() == Backend::Postgres {
        schema::ensure_partitions(&db, DAY, DAY).await.unwrap();
    }
    db.batch(&fill_sql()).await.unwrap();
    let mut old = Vec::new();
    for t in TABLES {
        let cols = columns(&db, t).await;
        assert!(!cols.is_empty(), "{backend}: fixture has no table {t}");
        old.push((t.to_owned(), cols));
    }
    let before = dump(&db, &old).await;
    assert!(before.iter().all(|(_, rows)| !rows.is_empty()));

    let ran = schema::migrate(&db).await.unwrap();
    assert_eq!(
        ran,
        schema::migrations()
            .iter()
            .map(|m| m.version)
            .collect::<Vec<_>>(),
        "{backend}"
    );
    assert_eq!(
        dump(&db, &old).await,
        before,
        "{backend}: rows changed by the upgrade"
    );

    // Recorded, and a second start applies nothing.
    let versions = db
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(versions.len(), schema::migrations().len(), "{backend}");
    assert_eq!(schema::migrate(&db).await.unwrap(), Vec::<i64>::new());
    assert_eq!(dump(&db, &old).await, before, "{backend}");

    // The upgraded schema is the one a fresh database gets.
    let fresh_url = match backend {
        "sqlite" => "sqlite::memory:".to_owned(),
        _ => {
            common::backends(&format!("migrations_fresh_{}", rand_suffix()))
                .await
                .into_iter()
                .find(|(b, _)| *b == "postgres")
                .unwrap()
                .1
        }
    };
    let fresh = Db::connect(&fresh_url).await.unwrap();
    schema::migrate(&fresh).await.unwrap();
    for t in TABLES.iter().chain(&["schema_migrations"]) {
        let mut a = columns(&db, t).await;
        let mut b = columns(&fresh, t).await;
        a.sort();
        b.sort();
        assert_eq!(
            a, b,
            "{backend}: table {t} differs between upgraded and fresh"
        );
    }

    // The audit log is still append-only.
    assert!(
        db.exec("UPDATE audit_log SET detail = 'x'", &[])
            .await
            .is_err(),
        "{backend}"
    );
}

fn rand_suffix() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).unwrap();
    data_encoding::HEXLOWER.encode(&b)
}

#[tokio::test]
async fn a_database_of_the_unversioned_schema_upgrades_without_loss() {
    for (backend, url) in common::backends("migrations_upgrade").await {
        let ddl = if backend == "sqlite" {
            SQLITE_HEAD
        } else {
            POSTGRES_HEAD
        };
        upgrade_loses_nothing(backend, &url, ddl).await;
    }
}

#[tokio::test]
async fn a_sqlite_database_from_before_max_stay_upgrades_without_loss() {
    // Older still: venues had no `max_stay_ms` (the unversioned server added it with ALTER).
    let ddl = SQLITE_HEAD.replace("    max_stay_ms          BIGINT NOT NULL DEFAULT 0,\n", "");
    assert_ne!(ddl, SQLITE_HEAD);
    let db = Db::connect("sqlite::memory:").await.unwrap();
    db.batch(&ddl).await.unwrap();
    db.batch(
        "INSERT INTO venues (id, name, address, ward_code, category, default_stay_minutes, \
         poster_kid, poster_text, issued_at, created_at) \
         VALUES ('v1', 'Quán', 'Phố', 1, 'other', 60, 'k', 'T', 1, 1)",
    )
    .await
    .unwrap();
    schema::migrate(&db).await.unwrap();
    let row = db
        .query_opt("SELECT name, max_stay_ms FROM venues", &[])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.text(0).unwrap(), "Quán");
    assert_eq!(row.int(1).unwrap(), 0);
}

#[tokio::test]
async fn a_newer_or_edited_schema_is_refused() {
    for (backend, url) in common::backends("migrations_refuse").await {
        let db = Db::connect(&url).await.unwrap();
        schema::migrate(&db).await.unwrap();
        db.exec(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) \
             VALUES ($1, 'future', 'x', 0)",
            &[(schema::latest_version() + 1).into()],
        )
        .await
        .unwrap();
        let e = schema::migrate(&db).await.unwrap_err().to_string();
        assert!(e.contains("newer"), "{backend}: {e}");
        db.exec("DELETE FROM schema_migrations WHERE name = 'future'", &[])
            .await
            .unwrap();
        db.exec(
            "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1",
            &[],
        )
        .await
        .unwrap();
        let e = schema::migrate(&db).await.unwrap_err().to_string();
        assert!(e.contains("differs"), "{backend}: {e}");
    }
}
