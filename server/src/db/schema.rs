//! The schema, for both engines, and the PostgreSQL day partitions.
//!
//! Every time is Unix milliseconds (`BIGINT`), every flag `BIGINT` 0 / 1, every sealed contact
//! record three Base64url `TEXT` columns, exactly as the phone sent them: the server never holds
//! a key that opens them. The check-in tables (`checkins`, `visitors`) lead with `venue_id` —
//! the Citus distribution key — and on PostgreSQL are partitioned by range on their time, one
//! partition a day (`checkins_p20261125`), so the retention purge drops whole days.

use super::{Backend, Db, DbError, Tx};

/// One day in ms.
pub const DAY_MS: i64 = 86_400_000;

/// Tables shared by both engines (`{SERIAL}` is the engine's auto-increment key).
const COMMON: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('venue_owner', 'ward_officer', 'tracing_officer', 'admin')),
    ward_code     BIGINT,
    created_at    BIGINT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS venues (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    address              TEXT NOT NULL,
    ward_code            BIGINT NOT NULL,
    category             TEXT NOT NULL,
    default_stay_minutes BIGINT NOT NULL,
    owner_id             TEXT REFERENCES accounts(id),
    suspended            BIGINT NOT NULL DEFAULT 0,
    flagged              BIGINT NOT NULL DEFAULT 0,
    reminder_count       BIGINT NOT NULL DEFAULT 0,
    max_stay_ms          BIGINT NOT NULL DEFAULT 0,
    poster_kid           TEXT NOT NULL,
    poster_text          TEXT NOT NULL,
    issued_at            BIGINT NOT NULL,
    created_at           BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS venues_ward ON venues (ward_code);
CREATE INDEX IF NOT EXISTS venues_owner ON venues (owner_id);
CREATE TABLE IF NOT EXISTS enrolments (
    code_hash  TEXT PRIMARY KEY,
    venue_id   TEXT NOT NULL REFERENCES venues(id),
    checkpoint TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE TABLE IF NOT EXISTS scanners (
    token_hash TEXT PRIMARY KEY,
    venue_id   TEXT NOT NULL REFERENCES venues(id),
    checkpoint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX IF NOT EXISTS scanners_venue ON scanners (venue_id);
CREATE TABLE IF NOT EXISTS declarations (
    id           TEXT PRIMARY KEY,
    venue_id     TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    answers      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS declarations_time ON declarations (submitted_at);
CREATE TABLE IF NOT EXISTS notices (
    id             TEXT PRIMARY KEY,
    seq            BIGINT NOT NULL UNIQUE,
    venue_id       TEXT NOT NULL,
    start_at       BIGINT NOT NULL,
    end_at         BIGINT NOT NULL,
    tail_ms        BIGINT NOT NULL,
    min_overlap_ms BIGINT NOT NULL,
    level          TEXT NOT NULL,
    guidance_vi    TEXT NOT NULL,
    guidance_en    TEXT NOT NULL,
    published_at   BIGINT NOT NULL,
    withdrawn      BIGINT NOT NULL DEFAULT 0,
    case_id        TEXT,
    published_by   TEXT
);
CREATE TABLE IF NOT EXISTS cases (
    id             TEXT PRIMARY KEY,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    tail_ms        BIGINT NOT NULL,
    min_overlap_ms BIGINT NOT NULL,
    windows        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS case_records (
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    venue_id    TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT NOT NULL,
    overlap_ms  BIGINT NOT NULL,
    contact_kid TEXT NOT NULL,
    contact_enc TEXT NOT NULL,
    contact_ct  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_records_case ON case_records (case_id);
CREATE TABLE IF NOT EXISTS audit_log (
    id         {SERIAL},
    at         BIGINT NOT NULL,
    account_id TEXT,
    username   TEXT,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reminders (
    id       {SERIAL},
    venue_id TEXT NOT NULL REFERENCES venues(id),
    sent_by  TEXT NOT NULL,
    sent_at  BIGINT NOT NULL,
    message  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reminders_venue ON reminders (venue_id);
"#;

/// The check-in tables' columns (shared; PostgreSQL adds the partitioning clause).
const CHECKINS_COLS: &str = r#"(
    venue_id    TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    source      TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    planned_end BIGINT NOT NULL,
    poster_kid  TEXT NOT NULL,
    contact_kid TEXT NOT NULL,
    contact_enc TEXT NOT NULL,
    contact_ct  TEXT NOT NULL,
    received_at BIGINT NOT NULL
)"#;

const VISITORS_COLS: &str = r#"(
    venue_id    TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    checkpoint  TEXT NOT NULL,
    direction   TEXT NOT NULL,
    scanned_at  BIGINT NOT NULL,
    source      TEXT NOT NULL,
    contact_kid TEXT NOT NULL,
    contact_enc TEXT NOT NULL,
    contact_ct  TEXT NOT NULL,
    received_at BIGINT NOT NULL
)"#;

const INDEXES: &str = r#"
CREATE INDEX IF NOT EXISTS checkins_venue_time ON checkins (venue_id, started_at);
CREATE INDEX IF NOT EXISTS checkins_venue_client ON checkins (venue_id, client_id);
CREATE INDEX IF NOT EXISTS visitors_venue_time ON visitors (venue_id, scanned_at);
CREATE INDEX IF NOT EXISTS visitors_venue_client ON visitors (venue_id, client_id);
"#;

const SQLITE_AUDIT: &str = r#"
CREATE INDEX IF NOT EXISTS checkins_time ON checkins (started_at);
CREATE INDEX IF NOT EXISTS visitors_time ON visitors (scanned_at);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"#;

const PG_AUDIT: &str = r#"
CREATE OR REPLACE FUNCTION quetma_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION quetma_audit_append_only();
"#;

/// The SQLite DDL of migration 1 (the schema as it stood before versioning).
fn baseline_sqlite() -> String {
    let mut sql = COMMON.replace("{SERIAL}", "INTEGER PRIMARY KEY AUTOINCREMENT");
    sql.push_str(&format!(
        "CREATE TABLE IF NOT EXISTS checkins {CHECKINS_COLS};\n"
    ));
    sql.push_str(&format!(
        "CREATE TABLE IF NOT EXISTS visitors {VISITORS_COLS};\n"
    ));
    sql.push_str(INDEXES);
    sql.push_str(SQLITE_AUDIT);
    sql
}

/// The PostgreSQL DDL of migration 1.
fn baseline_postgres() -> String {
    let mut sql = COMMON.replace("{SERIAL}", "BIGSERIAL PRIMARY KEY");
    sql.push_str(&format!(
        "CREATE TABLE IF NOT EXISTS checkins {CHECKINS_COLS} PARTITION BY RANGE (started_at);\n"
    ));
    sql.push_str(&format!(
        "CREATE TABLE IF NOT EXISTS visitors {VISITORS_COLS} PARTITION BY RANGE (scanned_at);\n"
    ));
    sql.push_str(INDEXES);
    sql.push_str(PG_AUDIT);
    sql.push_str(
        "ALTER TABLE venues ADD COLUMN IF NOT EXISTS max_stay_ms BIGINT NOT NULL DEFAULT 0;\n",
    );
    sql
}

/// One numbered schema change, written for each engine.
#[derive(Debug, Clone)]
pub struct Migration {
    /// Version (1, 2, …): applied in order, each once.
    pub version: i64,
    /// Short name, stored beside the version.
    pub name: &'static str,
    /// The SQLite statements.
    pub sqlite: String,
    /// The PostgreSQL statements.
    pub postgres: String,
}

impl Migration {
    /// The statements for `backend`.
    pub fn sql(&self, backend: Backend) -> &str {
        match backend {
            Backend::Sqlite => &self.sqlite,
            Backend::Postgres => &self.postgres,
        }
    }

    /// SHA-256 (hex) of the statements for `backend`: an applied migration edited afterwards is
    /// refused rather than silently skipped.
    pub fn checksum(&self, backend: Backend) -> String {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(self.sql(backend).as_bytes()))
    }
}

/// Every migration, oldest first. Append only: never edit or renumber one that has shipped.
///
/// Migration 1 is the schema as it stood before versioning, written with `IF NOT EXISTS`
/// throughout, so a database made by an unversioned server (no `schema_migrations` table)
/// is adopted by it without change.
pub fn migrations() -> Vec<Migration> {
    let mut all = vec![Migration {
        version: 1,
        name: "baseline",
        sqlite: baseline_sqlite(),
        postgres: baseline_postgres(),
    }];
    all.push(Migration {
        version: 2,
        name: "case_codes",
        sqlite: CASE_CODES.into(),
        postgres: CASE_CODES.into(),
    });
    all.push(Migration {
        version: 10,
        name: "notice_batches",
        sqlite: NOTICE_BATCHES.into(),
        postgres: NOTICE_BATCHES.into(),
    });
    all.push(Migration {
        version: 11,
        name: "contact_outcomes",
        sqlite: CONTACT_OUTCOMES.into(),
        postgres: CONTACT_OUTCOMES.into(),
    });
    all.push(Migration {
        version: 12,
        name: "sms_sent",
        sqlite: SMS_SENT.into(),
        postgres: SMS_SENT.into(),
    });
    all.push(Migration {
        version: 17,
        name: "upload_keys",
        sqlite: UPLOAD_KEYS_SQLITE.into(),
        postgres: UPLOAD_KEYS_PG.into(),
    });
    all.push(Migration {
        version: 20,
        name: "sms_checkin",
        sqlite: SMS_CHECKIN.into(),
        postgres: SMS_CHECKIN.into(),
    });
    all.sort_by_key(|m| m.version);
    all
}

/// Migration 17 on SQLite: nothing — `checkins` and `visitors` are single tables there, and
/// their `(venue_id, client_id)` index finds an earlier body in one probe.
const UPLOAD_KEYS_SQLITE: &str = "-- nothing on SQLite (single tables)\n";

/// Migration 17 on PostgreSQL: where each stored check-in and visitor-log entry lies, one row
/// per (venue, client id). Replacing a body (a resend, a check-out) used to probe the
/// `(venue_id, client_id)` index of every day partition (22–26 probes an item, most of the
/// upload's time); now one primary-key probe finds the earlier body's time and so its one
/// partition. Filled from the stored rows (the latest received wins, as uploads do); rows leave
/// with their day partition (`drop_partitions_before`). Keyed by `venue_id` first, like the
/// check-in tables: Citus co-locates it with them. `COLLATE "C"`: the key is only ever looked
/// up by equality, and byte order spares the locale's `strcoll` on every index comparison.
const UPLOAD_KEYS_PG: &str = r#"
CREATE TABLE checkin_keys (
    venue_id   TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    started_at BIGINT NOT NULL,
    PRIMARY KEY (venue_id, client_id)
);
INSERT INTO checkin_keys (venue_id, client_id, started_at)
SELECT DISTINCT ON (venue_id, client_id) venue_id, client_id, started_at FROM checkins
ORDER BY venue_id, client_id, received_at DESC, started_at DESC;
CREATE TABLE visitor_keys (
    venue_id   TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    scanned_at BIGINT NOT NULL,
    PRIMARY KEY (venue_id, client_id)
);
INSERT INTO visitor_keys (venue_id, client_id, scanned_at)
SELECT DISTINCT ON (venue_id, client_id) venue_id, client_id, scanned_at FROM visitors
ORDER BY venue_id, client_id, received_at DESC, scanned_at DESC;
"#;

/// PostgreSQL: the key table of a partitioned table (migration 17) and its time column.
pub fn key_table(table: &str) -> Option<(&'static str, &'static str)> {
    match table {
        "checkins" => Some(("checkin_keys", "started_at")),
        "visitors" => Some(("visitor_keys", "scanned_at")),
        _ => None,
    }
}

/// Migration 20: check-in by SMS (`service::sms_checkin`). `sms_inbound` makes an inbound
/// message count once: the SHA-256 of the gateway's message id and what became of it, never
/// the number or the text. `sms_replies` is the reply channel: an SMS check-in's number sealed
/// to the server-held reply key, beside the check-in (same venue and client id), used only for
/// the exposure SMS and purged with the check-ins. The expression index serves the venue-code
/// lookup of a text (`UPPER(REPLACE(id, '-', ''))`, the same expression on both engines).
const SMS_CHECKIN: &str = r#"
CREATE TABLE sms_inbound (
    message_key TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN
        ('pending', 'checked_in', 'malformed', 'unknown_venue', 'venue_suspended'))
);
CREATE INDEX sms_inbound_time ON sms_inbound (received_at);
CREATE TABLE sms_replies (
    venue_id   TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    reply_kid  TEXT NOT NULL,
    reply_enc  TEXT NOT NULL,
    reply_ct   TEXT NOT NULL,
    PRIMARY KEY (venue_id, client_id)
);
CREATE INDEX sms_replies_time ON sms_replies (started_at);
CREATE INDEX venues_sms_code ON venues ((UPPER(REPLACE(id, '-', ''))));
"#;

/// Migration 12: the SMS gateway's idempotency keys — a message whose key is here was handed
/// to the gateway and is never sent again. No number and no text are kept.
const SMS_SENT: &str = r#"
CREATE TABLE sms_sent (
    key       TEXT PRIMARY KEY,
    purpose   TEXT NOT NULL,
    sent_at   BIGINT NOT NULL,
    attempts  BIGINT NOT NULL
);
CREATE INDEX sms_sent_time ON sms_sent (sent_at);
"#;

/// Migration 11: what came of the tracer's call to a contact who has no app alert, keyed by
/// the case and the record (kind, venue, client id): the server learns that record N was
/// reached, never who it is.
const CONTACT_OUTCOMES: &str = r#"
CREATE TABLE contact_outcomes (
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    venue_id    TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'wrong_number')),
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, kind, venue_id, client_id)
);
"#;

/// Migration 10: the circuit breaker for exposure notices. A batch is what one officer
/// publishes at once (a case's venues); above the deployment's threshold it waits, `pending`,
/// for a second officer. `inputs` holds the notices' venue ids and times (JSON), never
/// personal data. Each published notice names its batch, so one action withdraws them all.
const NOTICE_BATCHES: &str = r#"
CREATE TABLE notice_batches (
    id           TEXT PRIMARY KEY,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'published', 'withdrawn')),
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    case_id      TEXT,
    venues       BIGINT NOT NULL,
    visits       BIGINT NOT NULL,
    inputs       TEXT NOT NULL,
    approved_by  TEXT,
    approved_at  BIGINT,
    withdrawn_by TEXT,
    withdrawn_at BIGINT
);
CREATE INDEX notice_batches_created ON notice_batches (created_at);
ALTER TABLE notices ADD COLUMN batch_id TEXT;
CREATE INDEX notices_batch ON notices (batch_id);
CREATE INDEX notices_published ON notices (published_at);
"#;

/// Migration 2 (issue 15): one-time case codes (hash only) through which a confirmed person's
/// phone shares its history, and each case's own visits with where they came from.
const CASE_CODES: &str = "
CREATE TABLE IF NOT EXISTS case_codes (
    code_hash   TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    window_days BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE TABLE IF NOT EXISTS case_visits (
    case_id    TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    venue_id   TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT NOT NULL,
    source     TEXT NOT NULL,
    added_at   BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_visits_case ON case_visits (case_id);
";

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    migrations().last().map_or(0, |m| m.version)
}

const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at BIGINT NOT NULL
);";

/// Brings the schema up to [`latest_version`]: every pending migration in order, all in one
/// transaction (both engines have transactional DDL, so a failure leaves the database as it
/// was), each recorded in `schema_migrations`. On PostgreSQL a transaction-scoped advisory
/// lock serialises servers starting at once. Refuses a database whose schema is newer than
/// this build, or whose applied migration differs from this build's text.
pub async fn migrate(db: &Db) -> Result<Vec<i64>, DbError> {
    let backend = db.backend();
    let mut tx = db.begin().await?;
    if backend == Backend::Postgres {
        tx.exec("SELECT pg_advisory_xact_lock(7263516)", &[])
            .await?;
    }
    tx.batch(MIGRATIONS_TABLE).await?;
    let applied = tx
        .query(
            "SELECT version, checksum FROM schema_migrations ORDER BY version",
            &[],
        )
        .await?;
    let known = migrations();
    let mut done = std::collections::HashSet::new();
    for row in &applied {
        let (version, checksum) = (row.int(0)?, row.text(1)?);
        let Some(m) = known.iter().find(|m| m.version == version) else {
            return Err(DbError::Other(format!(
                "the database has schema version {version}, newer than this server knows ({}): \
                 run a newer quetma",
                latest_version()
            )));
        };
        if m.checksum(backend) != checksum {
            return Err(DbError::Other(format!(
                "schema migration {version} ({}) differs from the one applied to this database",
                m.name
            )));
        }
        done.insert(version);
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let mut ran = Vec::new();
    for m in known.iter().filter(|m| !done.contains(&m.version)) {
        if backend == Backend::Sqlite && m.version == 1 {
            legacy_sqlite_columns(&mut tx).await?;
        }
        tx.batch(m.sql(backend)).await?;
        tx.exec(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) \
             VALUES ($1, $2, $3, $4)",
            &crate::params![m.version, m.name, m.checksum(backend), now],
        )
        .await?;
        tracing::info!(
            version = m.version,
            name = m.name,
            "schema migration applied"
        );
        ran.push(m.version);
    }
    tx.commit().await?;
    Ok(ran)
}

/// SQLite databases made before `venues.max_stay_ms` existed (SQLite has no `ADD COLUMN IF
/// NOT EXISTS`): adds it before the baseline runs.
async fn legacy_sqlite_columns(tx: &mut Tx) -> Result<(), DbError> {
    let venues = tx
        .query("SELECT name FROM pragma_table_info('venues')", &[])
        .await?;
    if !venues.is_empty()
        && !venues
            .iter()
            .any(|r| r.text(0).is_ok_and(|c| c == "max_stay_ms"))
    {
        tx.batch("ALTER TABLE venues ADD COLUMN max_stay_ms BIGINT NOT NULL DEFAULT 0")
            .await?;
    }
    Ok(())
}

/// The day (UTC, `YYYYMMDD`) a time falls in, and its start.
pub fn day_of(ms: i64) -> (String, i64) {
    let start = ms.div_euclid(DAY_MS) * DAY_MS;
    let date = time::OffsetDateTime::from_unix_timestamp(start / 1000)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN);
    (
        format!(
            "{:04}{:02}{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        ),
        start,
    )
}

/// The partitioned tables.
pub const PARTITIONED: [&str; 2] = ["checkins", "visitors"];

/// PostgreSQL: makes sure a partition exists for every day from `from_ms` to `to_ms`.
pub async fn ensure_partitions(db: &Db, from_ms: i64, to_ms: i64) -> Result<u32, DbError> {
    if db.backend() != Backend::Postgres {
        return Ok(0);
    }
    let mut made = 0;
    let mut day = from_ms.div_euclid(DAY_MS) * DAY_MS;
    while day <= to_ms {
        let (name, start) = day_of(day);
        for table in PARTITIONED {
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS {table}_p{name} PARTITION OF {table} \
                 FOR VALUES FROM ({start}) TO ({})",
                start + DAY_MS
            );
            match db.batch(&sql).await {
                Ok(()) => made += 1,
                // Two servers making the same partition at once: the loser sees a duplicate.
                Err(e) if e.to_string().contains("already exists") => {}
                Err(e) => return Err(e),
            }
        }
        day += DAY_MS;
    }
    Ok(made)
}

/// PostgreSQL: drops every day partition that ends at or before `cutoff_ms`; how many.
pub async fn drop_partitions_before(db: &Db, cutoff_ms: i64) -> Result<u32, DbError> {
    if db.backend() != Backend::Postgres {
        return Ok(0);
    }
    let mut dropped = 0;
    for table in PARTITIONED {
        let rows = db
            .query(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                 JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1 ORDER BY c.relname",
                &[table.into()],
            )
            .await?;
        for r in rows {
            let name = r.text(0)?;
            let Some(day) = name.strip_prefix(&format!("{table}_p")) else {
                continue;
            };
            let Ok(date) = time::Date::parse(
                day,
                &time::macros::format_description!("[year][month][day]"),
            ) else {
                continue;
            };
            let start = date.midnight().assume_utc().unix_timestamp() * 1000;
            if start + DAY_MS <= cutoff_ms {
                // The partition's rows leave the key table first (a key whose body moved to
                // another day points there and stays), in the same transaction as the drop.
                let mut tx = db.begin().await?;
                if let Some((keys, col)) = key_table(table) {
                    tx.exec(
                        &format!(
                            "DELETE FROM {keys} k USING {name} t WHERE k.venue_id = t.venue_id \
                             AND k.client_id = t.client_id AND k.{col} = t.{col}"
                        ),
                        &[],
                    )
                    .await?;
                }
                tx.batch(&format!("DROP TABLE IF EXISTS {name}")).await?;
                tx.commit().await?;
                dropped += 1;
            }
        }
    }
    Ok(dropped)
}
