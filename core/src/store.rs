//! The phone's encrypted store: visit history, profiles, declarations, the business visitor
//! log and the upload outbox, in one SQLCipher database (whole-file encryption: tables,
//! indexes, WAL and schema).
//!
//! The 32-byte key is generated here and kept by the platform through a [`KeyVault`]; it is
//! held in memory only in [`Zeroizing`] buffers and handed to SQLCipher as a raw key (no
//! passphrase KDF). A lost or wrong key, or a corrupt file, never crashes or wedges the app:
//! the old file is moved aside, a fresh store starts, and the caller is told ([`StoreReset`]);
//! the retention purge deletes a moved-aside file once it was set aside before the window.
//!
//! Every write is one transaction; the database runs in WAL mode with `synchronous = FULL`, so
//! a write that returned is on disk (tested by killing a writer process mid-transaction).
//! Everything older than the retention window is purged on open and by a timer
//! ([`Store::start_purge_timer`]).

mod schema;
mod vault;

pub use vault::{FileKeyVault, KeyVault, MemoryKeyVault, VaultError};

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use data_encoding::BASE32_NOPAD;
use hmac::{KeyInit as _, Mac as _};
use rusqlite::{Connection, OpenFlags, Transaction, params};
use zeroize::Zeroizing;

/// Alias under which the store key lives in the vault.
pub const KEY_ALIAS: &str = "quetma.store.v1";
/// File name of the database inside the data folder.
pub const DB_FILE: &str = "quetma.db";

/// Why the store could not be used. Messages hold no personal data and no key material.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The platform key store failed (the data is left untouched; try again later).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// SQLite or SQLCipher failed.
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// A file operation failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The database was written by a newer app version.
    #[error("database schema {found} is newer than this app ({supported})")]
    NewerSchema {
        /// Version in the file.
        found: i64,
        /// Newest this code knows.
        supported: i64,
    },
    /// The system's random generator failed.
    #[error("random generator unavailable")]
    Random,
    /// The store's lock was poisoned by a panic in another thread.
    #[error("store lock poisoned")]
    Poisoned,
    /// No row with that id.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is not valid (the message names the rule, not the data).
    #[error("invalid request: {0}")]
    Invalid(&'static str),
    /// Stored data could not be read back.
    #[error("stored data is malformed: {0}")]
    Malformed(&'static str),
}

/// Why a fresh store was started in place of the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetReason {
    /// The vault had no key but a database existed (app data restored to a new phone, key
    /// store wiped, app reinstalled with old files).
    KeyLost,
    /// The vault's key does not open the database.
    WrongKey,
    /// The database file is damaged.
    Corrupt,
}

impl ResetReason {
    /// Vietnamese message for the user.
    pub fn message_vi(self) -> &'static str {
        match self {
            Self::KeyLost => {
                "Không tìm thấy khoá bảo mật của lịch sử; đã bắt đầu lịch sử mới. Dữ liệu cũ được giữ riêng."
            }
            Self::WrongKey => {
                "Khoá bảo mật không mở được lịch sử; đã bắt đầu lịch sử mới. Dữ liệu cũ được giữ riêng."
            }
            Self::Corrupt => {
                "Tệp lịch sử bị hỏng; đã bắt đầu lịch sử mới. Dữ liệu cũ được giữ riêng."
            }
        }
    }

    /// English message for the user.
    pub fn message_en(self) -> &'static str {
        match self {
            Self::KeyLost => {
                "The history's security key was not found; a new history was started. The old data was set aside."
            }
            Self::WrongKey => {
                "The security key does not open the history; a new history was started. The old data was set aside."
            }
            Self::Corrupt => {
                "The history file is damaged; a new history was started. The old data was set aside."
            }
        }
    }
}

/// What [`Store::open`] had to do to start: the caller shows the reason to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreReset {
    /// Why.
    pub reason: ResetReason,
    /// Where the old file was moved.
    pub moved_to: PathBuf,
}

/// Deployment settings the store and the flows follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Days of data kept on the phone (default 21).
    pub retention_days: u32,
    /// How often the purge timer runs.
    pub purge_interval: Duration,
    /// The same person scanned at the same venue and checkpoint within this many minutes is
    /// one visitor-log entry.
    pub dedupe_window_minutes: u32,
    /// Longest a visit stays open at a venue with a same-day default stay.
    pub max_stay_minutes: u32,
    /// Longest a multi-day visit (hotel, hospital) stays open.
    pub max_multi_day_stay_minutes: u32,
    /// Local time offset for grouping history by day (Vietnam: +420).
    pub utc_offset_minutes: i32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            retention_days: 21,
            purge_interval: Duration::from_secs(3600),
            dedupe_window_minutes: 30,
            max_stay_minutes: 12 * 60,
            max_multi_day_stay_minutes: 14 * 24 * 60,
            utc_offset_minutes: 7 * 60,
        }
    }
}

/// Time, as the flows see it (the platform may supply one; tests use a manual clock).
pub trait Clock: Send + Sync {
    /// Now, in Unix milliseconds.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let now = time::OffsetDateTime::now_utc();
        i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }
}

/// A clock that only moves when told to (tests, benchmarks).
#[derive(Debug, Default)]
pub struct ManualClock {
    now: Mutex<i64>,
}

impl ManualClock {
    /// A clock showing `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        Self {
            now: Mutex::new(now_ms),
        }
    }

    /// Sets the time.
    pub fn set(&self, now_ms: i64) {
        if let Ok(mut n) = self.now.lock() {
            *n = now_ms;
        }
    }

    /// Moves the time forward.
    pub fn advance(&self, by: Duration) {
        if let Ok(mut n) = self.now.lock() {
            *n = n.saturating_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX));
        }
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.lock().map(|n| *n).unwrap_or(0)
    }
}

/// Milliseconds in a minute.
pub const MINUTE_MS: i64 = 60_000;
/// Milliseconds in a day.
pub const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

struct Inner {
    conn: Mutex<Connection>,
    settings: Settings,
    clock: Arc<dyn Clock>,
    /// Key for the keyed hashes that let the scanner dedupe visitors without their numbers.
    person_key: Zeroizing<[u8; 32]>,
    path: PathBuf,
}

/// The encrypted store. Cheap to clone (shared handle); safe to use from several threads.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// A store just opened, and whether it had to start afresh.
#[derive(Debug)]
pub struct Opened {
    /// The store.
    pub store: Store,
    /// Set when the old file could not be opened and a fresh store was started.
    pub reset: Option<StoreReset>,
}

fn random_key() -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(key.as_mut()).map_err(|_| StoreError::Random)?;
    Ok(key)
}

/// A fresh random id: 26 characters of Base32 (128 bits), stable for idempotent sync.
pub fn new_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| StoreError::Random)?;
    Ok(BASE32_NOPAD.encode(&bytes))
}

/// Runs `PRAGMA key` with a raw key: it must be the first statement on the connection.
fn apply_key(conn: &Connection, key: &[u8]) -> Result<(), StoreError> {
    let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", hex::encode_upper(key)));
    conn.execute_batch(&pragma)?;
    Ok(())
}

enum Attempt {
    Ok(Connection),
    Reset(ResetReason),
}

/// Serialises the opening of keyed connections across the process.
///
/// SQLite marks itself initialised before it runs SQLCipher's one-time set-up
/// (`SQLITE_EXTRA_INIT`), outside its own mutex, so a second thread opening a database in that
/// window attaches a codec to an uninitialised SQLCipher and `PRAGMA key` fails with SQLCipher's
/// misleading "requires a key of one or more characters" (seen once in CI, with parallel test
/// threads each opening a store). Opening a store is rare and heavy, so one lock costs nothing.
static OPEN_LOCK: Mutex<()> = Mutex::new(());

fn try_open(path: &Path, key: &[u8]) -> Result<Attempt, StoreError> {
    // Held until the first read has gone through the codec; a poisoned lock guards no data.
    let _opening = OPEN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // SQLCipher logs a failed decryption to stderr; a wrong key is handled here, not logged.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    apply_key(&conn, key)?;
    // The first read tells whether the key opens the file.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Ok(Attempt::Reset(ResetReason::WrongKey));
        }
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseCorrupt =>
        {
            return Ok(Attempt::Reset(ResetReason::Corrupt));
        }
        Err(e) => return Err(e.into()),
    }
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;",
    )?;
    let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Ok(Attempt::Reset(ResetReason::Corrupt));
    }
    Ok(Attempt::Ok(conn))
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = i64::try_from(schema::MIGRATIONS.len()).unwrap_or(i64::MAX);
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > supported {
        return Err(StoreError::NewerSchema {
            found: current,
            supported,
        });
    }
    for (i, sql) in schema::MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).map_err(|_| StoreError::Malformed("user_version"))?)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
        tracing::info!(version = i + 1, "store schema migrated");
    }
    Ok(())
}

/// Moves the database and its WAL / SHM files aside; returns where the main file went.
fn move_aside(path: &Path, reason: ResetReason, now_ms: i64) -> Result<PathBuf, StoreError> {
    let tag = match reason {
        ResetReason::KeyLost => "key-lost",
        ResetReason::WrongKey => "wrong-key",
        ResetReason::Corrupt => "corrupt",
    };
    let target = path.with_extension(format!("db.{tag}-{now_ms}"));
    std::fs::rename(path, &target)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            let mut dest = target.as_os_str().to_owned();
            dest.push(suffix);
            std::fs::rename(&side, PathBuf::from(dest))?;
        }
    }
    tracing::warn!(reason = tag, "store moved aside; starting a fresh one");
    Ok(target)
}

/// Deletes the files [`move_aside`] made beside `path` (`quetma.db.<reason>-<ms>`, and its
/// `-wal` / `-shm`) that were set aside before `cutoff_ms`: nothing in such a file is newer than
/// the moment it was set aside, so from then on all of it is older than the retention window
/// (and no key opens it). Files that cannot be listed or removed are left for the next purge.
/// How many files went.
fn purge_aside(path: &Path, cutoff_ms: i64) -> usize {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return 0;
    };
    let prefix = format!("{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let rest = rest
            .strip_suffix("-wal")
            .or_else(|| rest.strip_suffix("-shm"))
            .unwrap_or(rest);
        let Some(ms) = ["key-lost-", "wrong-key-", "corrupt-"]
            .iter()
            .find_map(|tag| rest.strip_prefix(tag))
            .and_then(|ms| ms.parse::<i64>().ok())
        else {
            continue;
        };
        if ms < cutoff_ms {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) => tracing::warn!(error = %e, "set-aside store not removed"),
            }
        }
    }
    removed
}

impl Store {
    /// Opens (or creates) the store in `dir`, with its key from `vault`.
    ///
    /// A missing key for an existing file, a key that does not open it, or a damaged file:
    /// the file is moved aside, a fresh store is started and [`Opened::reset`] says why. A vault
    /// that fails to answer is an error and touches nothing.
    pub fn open(
        dir: &Path,
        vault: &dyn KeyVault,
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Opened, StoreError> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DB_FILE);
        let now = clock.now_ms();
        let mut reset = None;
        let stored = vault.load_key(KEY_ALIAS)?;
        let key: Zeroizing<Vec<u8>> = match stored {
            Some(k) if k.len() == 32 => k,
            other => {
                if path.exists() {
                    let reason = if other.is_some() {
                        ResetReason::WrongKey
                    } else {
                        ResetReason::KeyLost
                    };
                    let moved_to = move_aside(&path, reason, now)?;
                    reset = Some(StoreReset { reason, moved_to });
                }
                let fresh = random_key()?;
                vault.store_key(KEY_ALIAS, fresh.as_ref())?;
                Zeroizing::new(fresh.to_vec())
            }
        };
        let mut conn = match try_open(&path, &key)? {
            Attempt::Ok(c) => c,
            Attempt::Reset(reason) => {
                let moved_to = move_aside(&path, reason, now)?;
                reset = Some(StoreReset { reason, moved_to });
                match try_open(&path, &key)? {
                    Attempt::Ok(c) => c,
                    Attempt::Reset(_) => return Err(StoreError::Malformed("fresh database")),
                }
            }
        };
        migrate(&mut conn)?;
        let person_key = load_or_create_person_key(&conn)?;
        let store = Store {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                settings,
                clock,
                person_key,
                path,
            }),
        };
        store.purge()?;
        Ok(Opened { store, reset })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Now, by the store's clock.
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub(crate) fn conn(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.inner.conn.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Runs `f` in one immediate transaction; commits if it returns `Ok`.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Keyed hash of a person's identifying text (HMAC-SHA256 under a per-store secret kept in
    /// the encrypted database): equal for the same person, useless to anyone without the key.
    pub(crate) fn person_key(&self, parts: &[&str]) -> Vec<u8> {
        let mut mac =
            match hmac::Hmac::<sha2::Sha256>::new_from_slice(self.inner.person_key.as_ref()) {
                Ok(m) => m,
                Err(_) => return Vec::new(),
            };
        for p in parts {
            mac.update(&u64::try_from(p.len()).unwrap_or(0).to_be_bytes());
            mac.update(p.as_bytes());
        }
        mac.finalize().into_bytes().to_vec()
    }

    /// Deletes everything older than the retention window. Returns how many rows went.
    pub fn purge(&self) -> Result<PurgeReport, StoreError> {
        let window = i64::from(self.inner.settings.retention_days) * DAY_MS;
        let cutoff = self.now_ms().saturating_sub(window);
        let report = self.write(|tx| {
            // A visit is kept while any part of it lies in the window.
            let visits = tx.execute(
                "DELETE FROM visits WHERE COALESCE(ended_at, planned_end) < ?1",
                params![cutoff],
            )?;
            let declarations = tx.execute(
                "DELETE FROM declarations WHERE declared_at < ?1",
                params![cutoff],
            )?;
            let visitor_log = tx.execute(
                "DELETE FROM visitor_log WHERE scanned_at < ?1",
                params![cutoff],
            )?;
            tx.execute(
                "DELETE FROM scanner_sessions WHERE ended_at IS NOT NULL AND ended_at < ?1
                 AND id NOT IN (SELECT session_id FROM visitor_log)",
                params![cutoff],
            )?;
            let outbox = tx.execute("DELETE FROM outbox WHERE created_at < ?1", params![cutoff])?;
            // Exposure notices and alerts about times before the window go with the visits.
            tx.execute("DELETE FROM alerts WHERE overlap_end < ?1", params![cutoff])?;
            tx.execute(
                "DELETE FROM exposure_notices WHERE end_at + tail_ms < ?1",
                params![cutoff],
            )?;
            Ok(PurgeReport {
                visits,
                declarations,
                visitor_log,
                outbox,
                aside_files: 0,
            })
        })?;
        let report = PurgeReport {
            aside_files: purge_aside(&self.inner.path, cutoff),
            ..report
        };
        if report.total() > 0 {
            tracing::info!(
                visits = report.visits,
                declarations = report.declarations,
                visitor_log = report.visitor_log,
                outbox = report.outbox,
                "retention purge"
            );
        }
        if report.aside_files > 0 {
            tracing::info!(
                files = report.aside_files,
                "retention purge of set-aside stores"
            );
        }
        Ok(report)
    }

    /// Starts a background thread that purges every [`Settings::purge_interval`]; it stops
    /// when the returned handle is dropped.
    pub fn start_purge_timer(&self) -> PurgeTimer {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let store = self.clone();
        let interval = self.inner.settings.purge_interval;
        let signal = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("quetma-purge".into())
            .spawn(move || {
                let (lock, cvar) = &*signal;
                let Ok(mut stopped) = lock.lock() else { return };
                loop {
                    match cvar.wait_timeout(stopped, interval) {
                        Ok((guard, _)) => stopped = guard,
                        Err(_) => return,
                    }
                    if *stopped {
                        return;
                    }
                    if let Err(e) = store.purge() {
                        tracing::warn!(error = %e, "retention purge failed");
                    }
                }
            })
            .ok();
        PurgeTimer { stop, thread }
    }
}

fn load_or_create_person_key(conn: &Connection) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let existing: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'person_key'", [], |r| {
            r.get(0)
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    if let Some(bytes) = existing {
        let bytes = Zeroizing::new(bytes);
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::Malformed("person key"))?;
        return Ok(Zeroizing::new(arr));
    }
    let key = random_key()?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('person_key', ?1)",
        params![&key[..]],
    )?;
    Ok(key)
}

/// Rows removed by one purge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Visits.
    pub visits: usize,
    /// Health declarations.
    pub declarations: usize,
    /// Visitor-log entries.
    pub visitor_log: usize,
    /// Outbox entries.
    pub outbox: usize,
    /// Files moved aside after a lost key, a wrong key or damage (with their WAL / SHM files)
    /// that were deleted because they were set aside before the retention window began.
    pub aside_files: usize,
}

impl PurgeReport {
    /// All rows removed.
    pub fn total(&self) -> usize {
        self.visits + self.declarations + self.visitor_log + self.outbox
    }
}

/// The running purge timer; dropping it stops the thread.
pub struct PurgeTimer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for PurgeTimer {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.stop;
        if let Ok(mut s) = lock.lock() {
            *s = true;
        }
        cvar.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
