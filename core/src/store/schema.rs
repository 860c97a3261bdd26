//! The store's schema and its migrations. `PRAGMA user_version` holds the number of
//! migrations applied; each runs in its own transaction, so a crash leaves the schema at a
//! whole version.
//!
//! All times are Unix milliseconds (UTC). Health answers live in `declarations`, apart from the
//! visit log, each behind its own consent. Nothing a business scanner captures is stored in
//! the clear: `visitor_log` holds a display hint, a sealed record and a keyed hash for
//! dedupe.

/// The migrations, in order. Never edit one that has shipped: append a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: everything a phone keeps.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT;

    CREATE TABLE profiles (
        id          TEXT PRIMARY KEY,
        relation    TEXT NOT NULL,
        full_name   TEXT NOT NULL,
        id_number   TEXT,
        id_kind     TEXT,
        phone       TEXT,
        birth_year  INTEGER,
        created_at  INTEGER NOT NULL,
        deleted_at  INTEGER
    ) STRICT;

    CREATE TABLE visits (
        id            TEXT PRIMARY KEY,
        profile_id    TEXT NOT NULL REFERENCES profiles(id),
        venue_id      TEXT NOT NULL,
        venue_name    TEXT NOT NULL,
        venue_address TEXT NOT NULL,
        category      INTEGER NOT NULL,
        poster_kid    TEXT NOT NULL,
        started_at    INTEGER NOT NULL,
        ended_at      INTEGER,
        planned_end   INTEGER NOT NULL,
        end_reason    TEXT,
        cancelled_at  INTEGER,
        updated_at    INTEGER NOT NULL,
        CHECK (ended_at IS NULL OR ended_at >= started_at)
    ) STRICT;
    CREATE INDEX visits_by_start ON visits(started_at);
    CREATE INDEX visits_open ON visits(profile_id) WHERE ended_at IS NULL AND cancelled_at IS NULL;

    CREATE TABLE consents (
        id           TEXT PRIMARY KEY,
        profile_id   TEXT NOT NULL REFERENCES profiles(id),
        purpose      TEXT NOT NULL,
        text_version TEXT NOT NULL,
        granted_at   INTEGER NOT NULL,
        withdrawn_at INTEGER
    ) STRICT;

    CREATE TABLE declarations (
        id          TEXT PRIMARY KEY,
        profile_id  TEXT NOT NULL REFERENCES profiles(id),
        declared_by TEXT NOT NULL REFERENCES profiles(id),
        declared_at INTEGER NOT NULL,
        answers     TEXT NOT NULL,
        consent_id  TEXT NOT NULL REFERENCES consents(id)
    ) STRICT;
    CREATE INDEX declarations_by_profile ON declarations(profile_id, declared_at);

    CREATE TABLE scanner_sessions (
        id          TEXT PRIMARY KEY,
        venue_id    TEXT NOT NULL,
        venue_name  TEXT NOT NULL,
        checkpoint  TEXT NOT NULL,
        direction   TEXT NOT NULL,
        started_at  INTEGER NOT NULL,
        ended_at    INTEGER
    ) STRICT;

    CREATE TABLE visitor_log (
        id              TEXT PRIMARY KEY,
        session_id      TEXT NOT NULL REFERENCES scanner_sessions(id),
        venue_id        TEXT NOT NULL,
        checkpoint      TEXT NOT NULL,
        direction       TEXT NOT NULL,
        scanned_at      INTEGER NOT NULL,
        source          TEXT NOT NULL,
        hint_name       TEXT NOT NULL,
        hint_birth_year INTEGER,
        sealed_kid      TEXT NOT NULL,
        sealed_enc      BLOB NOT NULL,
        sealed_ct       BLOB NOT NULL,
        person_key      BLOB NOT NULL
    ) STRICT;
    CREATE INDEX visitor_log_dedupe ON visitor_log(venue_id, person_key, scanned_at);
    CREATE INDEX visitor_log_by_time ON visitor_log(scanned_at);

    CREATE TABLE outbox (
        id              TEXT PRIMARY KEY,
        kind            TEXT NOT NULL,
        ref_id          TEXT NOT NULL,
        body            TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        next_attempt_at INTEGER,
        sent_at         INTEGER
    ) STRICT;
    CREATE INDEX outbox_pending ON outbox(created_at) WHERE sent_at IS NULL;
    CREATE INDEX outbox_by_ref ON outbox(ref_id);
    "#,
    // 2: sync state, the keys learnt from the trust list, the exposure notices and alerts.
    r#"
    ALTER TABLE outbox ADD COLUMN rejected TEXT;
    DROP INDEX outbox_pending;
    CREATE INDEX outbox_pending ON outbox(created_at) WHERE sent_at IS NULL AND rejected IS NULL;

    CREATE TABLE sync_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE trusted_keys (
        kid      TEXT PRIMARY KEY,
        public   BLOB NOT NULL,
        added_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE exposure_notices (
        id             TEXT PRIMARY KEY,
        venue_id       TEXT NOT NULL,
        start_at       INTEGER NOT NULL,
        end_at         INTEGER NOT NULL,
        tail_ms        INTEGER NOT NULL,
        min_overlap_ms INTEGER NOT NULL,
        level          TEXT NOT NULL,
        guidance_vi    TEXT NOT NULL,
        guidance_en    TEXT NOT NULL,
        published_at   INTEGER NOT NULL,
        seq            INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX exposure_notices_by_venue ON exposure_notices(venue_id);

    CREATE TABLE alerts (
        id            TEXT PRIMARY KEY,
        notice_id     TEXT NOT NULL,
        visit_id      TEXT NOT NULL,
        profile_id    TEXT NOT NULL,
        venue_id      TEXT NOT NULL,
        venue_name    TEXT NOT NULL,
        level         TEXT NOT NULL,
        guidance_vi   TEXT NOT NULL,
        guidance_en   TEXT NOT NULL,
        overlap_start INTEGER NOT NULL,
        overlap_end   INTEGER NOT NULL,
        raised_at     INTEGER NOT NULL,
        seen_at       INTEGER,
        UNIQUE (notice_id, visit_id)
    ) STRICT;
    CREATE INDEX alerts_by_raised ON alerts(raised_at);
    "#,
    // 3: visits the person sent to a tracer's case (their own case, with a case code): the
    // matcher skips them, so nobody is alerted about the case they are.
    r#"
    ALTER TABLE visits ADD COLUMN shared_at INTEGER;
    "#,
];
