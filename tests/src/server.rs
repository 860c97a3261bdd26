//! The real `quetma` binary as a test server.
//!
//! [`TestServer::start`] makes a temporary data folder, runs `quetma keygen` into `DATA/keys`
//! (signing and sealing secrets, `public.json`), creates the accounts the scenarios use with
//! `quetma account add` (venue owner, tracing officer) and the bootstrap admin
//! (`QUETMA_ADMIN_PASSWORD`), picks a free loopback port, spawns `quetma serve` and waits until
//! `GET /api/v1/trust-list` answers. [`TestServer::kill_9`] sends SIGKILL; [`TestServer::restart`]
//! starts the binary again on the same port, keys and database.
//!
//! **Which binary.** `CARGO_BIN_EXE_quetma` only exists inside the server's own package, so the
//! harness asks cargo: once per test process it runs
//! `cargo build -p quetma-server -p quetma-e2e --bin quetma --message-format=json` (a no-op when
//! up to date; same `CARGO_TARGET_DIR` and profile as the tests; both packages named so the
//! features unify as in `cargo build -p quetma-e2e -p quetma-server` and the two commands do not
//! rebuild each other's binary) and takes the executable path cargo reports.
//! `QUETMA_BIN=/path/to/quetma` skips the build and uses that binary. Either way the test process
//! runs a private copy (in `$TMPDIR/quetma-e2e-bin/PID/`), so a concurrent build cannot swap the
//! server between a kill and a restart.
//!
//! **Backends.** [`Backend::Sqlite`] always works (a file in the data folder). [`Backend::Postgres`]
//! needs `QUETMA_TEST_POSTGRES_URL` (a superuser URL, as `scripts/with-postgres` exports); each
//! server gets a fresh database `quetma_e2e_<random>` on that cluster.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use quetma_core::keys::files::PublicKeys;
use quetma_core::keys::{SealingPublicKey, TrustList};
use serde_json::{Value, json};

use crate::http::Api;

/// Username and password of the venue owner every test server has.
pub const OWNER: (&str, &str) = ("chu-quan", "mat-khau-chu-quan-1");
/// Username and password of the tracing officer.
pub const TRACER: (&str, &str) = ("truy-vet", "mat-khau-truy-vet-1");
/// A second tracing officer (approves what the first submits above the notice threshold).
pub const TRACER2: (&str, &str) = ("truy-vet-2", "mat-khau-truy-vet-2");
/// The bootstrap admin's password (username `admin`).
pub const ADMIN_PASSWORD: &str = "mat-khau-quan-tri-1";
/// The base URL printed in poster QR codes.
pub const PUBLIC_BASE_URL: &str = "https://qr.e2e.quetma.vn";

/// The database behind a test server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file in the data folder.
    Sqlite,
    /// A fresh database on the cluster of `QUETMA_TEST_POSTGRES_URL`.
    Postgres,
}

impl Backend {
    /// Whether `QUETMA_TEST_POSTGRES_URL` is set; if not, prints a skip note on stderr, or
    /// fails under `CI=true` (the PostgreSQL runs must never skip silently in CI).
    pub fn postgres_available(test: &str) -> bool {
        if std::env::var("QUETMA_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
            return true;
        }
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "{test}: QUETMA_TEST_POSTGRES_URL is not set under CI=true (run through scripts/with-postgres)"
        );
        let _ = writeln!(
            std::io::stderr(),
            "{test}: SKIPPED on PostgreSQL (QUETMA_TEST_POSTGRES_URL not set; use scripts/with-postgres)"
        );
        false
    }
}

/// The server's public keys, as a phone pins them, and where its secrets are.
#[derive(Debug, Clone)]
pub struct ServerKeys {
    /// `public.json`.
    pub public: PublicKeys,
    /// The signing keys.
    pub trust: TrustList,
    /// The sealing key contact records are sealed to.
    pub sealing: SealingPublicKey,
    /// `sealing.key.json`, for `quetma trace decrypt`.
    pub sealing_secret: PathBuf,
}

/// The `quetma` executable (built once per test process; see the module documentation).
pub fn quetma_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let built = match std::env::var_os("QUETMA_BIN") {
            Some(p) => PathBuf::from(p),
            None => build_quetma().expect("building the quetma binary"),
        };
        private_copy(&built).expect("copying the quetma binary")
    })
    .clone()
}

/// A copy of the binary for this test process: a build in the same target folder (another
/// worktree sharing `CARGO_TARGET_DIR`) must not swap the server between a kill and a restart.
/// Copies of test processes that have ended are removed.
fn private_copy(built: &Path) -> Result<PathBuf> {
    let root = std::env::temp_dir().join("quetma-e2e-bin");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let pid = e.file_name().to_string_lossy().into_owned();
            if Path::new("/proc").is_dir() && !Path::new("/proc").join(&pid).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = root.join(std::process::id().to_string());
    std::fs::create_dir_all(&dir)?;
    let copy = dir.join("quetma");
    std::fs::copy(built, &copy)
        .with_context(|| format!("copying {} to {}", built.display(), copy.display()))?;
    Ok(copy)
}

fn build_quetma() -> Result<PathBuf> {
    let cargo = std::env::var("CARGO")
        .ok()
        .or_else(|| option_env!("CARGO").map(str::to_owned))
        .unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(crate::repo_root()).args([
        "build",
        "-p",
        "quetma-server",
        "-p",
        "quetma-e2e",
        "--bin",
        "quetma",
        "--message-format=json-render-diagnostics",
    ]);
    // What cargo sets for the test process describes this package, not the server: inherited
    // by the build, `CARGO_PKG_*` (which clap and core read at compile time) would differ from
    // the values of the last build and make cargo rebuild core and the server every run.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("CARGO_PKG_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&k.as_ref())
        {
            cmd.env_remove(k.as_ref());
        }
    }
    let exe = std::env::current_exe().unwrap_or_default();
    if exe.components().any(|c| c.as_os_str() == "release") {
        cmd.arg("--release");
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo build")?;
    if !out.status.success() {
        bail!("cargo build -p quetma-server failed ({})", out.status);
    }
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v["reason"] == "compiler-artifact"
            && v["target"]["name"] == "quetma"
            && let Some(p) = v["executable"].as_str()
        {
            return Ok(PathBuf::from(p));
        }
    }
    bail!("cargo build did not report the quetma executable")
}

/// Runs `quetma ARGS` to completion; its output on failure.
pub fn run_quetma(args: &[&str], env: &[(&str, &str)]) -> Result<String> {
    let mut cmd = Command::new(quetma_bin());
    cmd.args(args);
    clean_env(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().context("running quetma")?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "quetma {args:?} failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(stdout)
}

/// Keeps the caller's configuration out of the child (a developer's `DATABASE_URL` must not
/// point a test at a real database).
fn clean_env(cmd: &mut Command) {
    for k in [
        "DATABASE_URL",
        "QUETMA_DATA_DIR",
        "QUETMA_LISTEN",
        "QUETMA_KEYS_DIR",
        "QUETMA_SIGNING_KEY",
        "QUETMA_PUBLIC_KEYS",
        "QUETMA_PUBLIC_BASE_URL",
        "QUETMA_RETENTION_DAYS",
        "QUETMA_TRACE_TAIL_MINUTES",
        "QUETMA_ADMIN_PASSWORD",
        "QUETMA_NEW_PASSWORD",
        "QUETMA_NOTICE_APPROVAL_VISITS",
        "QUETMA_NOTICE_APPROVAL_VENUES",
        "QUETMA_NOTICES_PER_HOUR",
    ] {
        cmd.env_remove(k);
    }
}

fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// Makes a fresh database on the `QUETMA_TEST_POSTGRES_URL` cluster; its URL.
async fn fresh_postgres_database() -> Result<String> {
    use sqlx_core::connection::Connection as _;
    use sqlx_core::sql_str::AssertSqlSafe;
    let admin = std::env::var("QUETMA_TEST_POSTGRES_URL").context("QUETMA_TEST_POSTGRES_URL")?;
    let name = format!(
        "quetma_e2e_{}",
        quetma_core::store::new_id()?.to_lowercase()
    );
    let mut conn = sqlx_postgres::PgConnection::connect(&admin)
        .await
        .context("connecting to QUETMA_TEST_POSTGRES_URL")?;
    sqlx_core::query::query::<sqlx_postgres::Postgres>(AssertSqlSafe(format!(
        "CREATE DATABASE {name}"
    )))
    .execute(&mut conn)
    .await
    .context("CREATE DATABASE")?;
    conn.close().await.ok();
    // Same server and credentials, another database (the URL's path is the database name).
    let (head, tail) = match admin.split_once('?') {
        Some((h, t)) => (h, format!("?{t}")),
        None => (admin.as_str(), String::new()),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    Ok(format!("{base}/{name}{tail}"))
}

/// A running `quetma serve`.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The port (kept across restarts).
    pub port: u16,
    /// The backend.
    pub backend: Backend,
    /// The keys.
    pub keys: ServerKeys,
    /// JSON API client (tool endpoints).
    pub api: Api,
    database_url: Option<String>,
    serve_args: Vec<String>,
    child: Arc<Mutex<Option<Child>>>,
    starts: usize,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("base_url", &self.base_url)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Kills a server from another task (the fault proxy's hook); cheap to clone.
#[derive(Clone)]
pub struct Killer(Arc<Mutex<Option<Child>>>);

impl Killer {
    /// SIGKILL, and reaps the process. Killing a dead server is a no-op.
    pub fn kill_9(&self) {
        if let Some(mut c) = self.0.lock().map(|mut g| g.take()).unwrap_or(None) {
            let _ = c.kill(); // SIGKILL on Unix
            let _ = c.wait();
        }
    }
}

impl TestServer {
    /// Keys, accounts, a free port, `quetma serve`, ready.
    pub async fn start(backend: Backend) -> Result<Self> {
        Self::start_with(backend, &[]).await
    }

    /// [`TestServer::start`] with more `quetma serve` arguments (kept across restarts).
    pub async fn start_with(backend: Backend, serve_args: &[&str]) -> Result<Self> {
        let dir = tempfile::Builder::new().prefix("quetma-e2e-").tempdir()?;
        let data = dir.path().to_path_buf();
        let keys_dir = data.join("keys");
        run_quetma(&["keygen", "--out", path_str(&keys_dir)?], &[])?;
        let public: PublicKeys =
            serde_json::from_str(&std::fs::read_to_string(keys_dir.join("public.json"))?)?;
        let keys = ServerKeys {
            trust: public.trust_list()?,
            sealing: public
                .sealing_key()?
                .context("public.json has no sealing key")?,
            public,
            sealing_secret: keys_dir.join("sealing.key.json"),
        };
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_postgres_database().await?),
        };
        let mut db_args = vec!["--data-dir".to_owned(), path_str(&data)?.to_owned()];
        if let Some(u) = &database_url {
            db_args.extend(["--database-url".to_owned(), u.clone()]);
        }
        for (role, (user, pass)) in [
            ("venue_owner", OWNER),
            ("tracing_officer", TRACER),
            ("tracing_officer", TRACER2),
        ] {
            let mut args = vec!["account", "add", "--role", role, "--username", user];
            args.extend(db_args.iter().map(String::as_str));
            run_quetma(&args, &[("QUETMA_NEW_PASSWORD", pass)])?;
        }
        let mut server = Self {
            api: Api::new("http://127.0.0.1:1")?,
            base_url: String::new(),
            port: 0,
            backend,
            keys,
            database_url,
            serve_args: serve_args.iter().map(|a| (*a).to_owned()).collect(),
            child: Arc::new(Mutex::new(None)),
            starts: 0,
            dir,
        };
        // The port is free when chosen but may be taken before the server binds it (tests run
        // in parallel): try another one.
        let mut attempt = 0;
        loop {
            attempt += 1;
            server.port = free_port()?;
            server.base_url = format!("http://127.0.0.1:{}", server.port);
            server.api = Api::new(&server.base_url)?;
            match server.spawn().await {
                Ok(()) => return Ok(server),
                Err(e) if attempt >= 3 => return Err(e),
                Err(_) => server.kill_9(),
            }
        }
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// A handle that kills this server from elsewhere.
    pub fn killer(&self) -> Killer {
        Killer(self.child.clone())
    }

    /// SIGKILL now (no graceful shutdown).
    pub fn kill_9(&self) {
        self.killer().kill_9();
    }

    /// Whether the process is running.
    pub fn is_running(&self) -> bool {
        let mut g = self.child.lock().expect("child lock");
        match g.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the server if it runs, then starts it again on the same port, keys and database.
    pub async fn restart(&mut self) -> Result<()> {
        self.kill_9();
        self.spawn().await
    }

    /// The server's log so far (all starts).
    pub fn log(&self) -> String {
        (1..=self.starts)
            .map(|n| {
                std::fs::read_to_string(self.log_path(n))
                    .map(|s| format!("--- quetma serve (start {n}) ---\n{s}"))
                    .unwrap_or_default()
            })
            .collect()
    }

    fn log_path(&self, n: usize) -> PathBuf {
        self.dir.path().join(format!("serve-{n}.log"))
    }

    async fn spawn(&mut self) -> Result<()> {
        self.starts += 1;
        let log = std::fs::File::create(self.log_path(self.starts))?;
        let data = self.dir.path();
        let mut cmd = Command::new(quetma_bin());
        clean_env(&mut cmd);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--data-dir", path_str(data)?])
            .args(["--keys-dir", path_str(&data.join("keys"))?])
            .args(["--public-base-url", PUBLIC_BASE_URL])
            .env("QUETMA_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        if let Some(u) = &self.database_url {
            cmd.args(["--database-url", u]);
        }
        cmd.args(&self.serve_args);
        let child = cmd.spawn().context("spawning quetma serve")?;
        *self.child.lock().expect("child lock") = Some(child);
        self.wait_ready().await
    }

    /// Polls `GET /api/v1/trust-list` until the server answers (any HTTP status).
    async fn wait_ready(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if !self.is_running() {
                bail!("quetma serve exited during start-up:\n{}", self.log());
            }
            if self.api.ping().await {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("quetma serve not ready after 60 s:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A bearer token for `user`.
    pub async fn login(&self, (user, pass): (&str, &str)) -> Result<String> {
        let v = self
            .api
            .post(
                "/api/v1/session",
                None,
                &json!({"username": user, "password": pass}),
            )
            .await?;
        Ok(v["token"].as_str().context("no token")?.to_owned())
    }

    /// Registers the café venue of the end-to-end tests in `ward` as the owner whose bearer
    /// token is `owner`; `(venue id, poster QR text, poster PDF path)`.
    pub async fn register_venue(&self, owner: &str, ward: u32) -> Result<(String, String, String)> {
        let v = self
            .api
            .post(
                "/api/v1/venues",
                Some(owner),
                &json!({
                    "name": "Cà phê Góc Phố",
                    "address": "Số 12 Phố Quang Trung, Phường Hà Đông, Hà Nội",
                    "ward_code": ward,
                    "category": "restaurant",
                    "default_stay_minutes": 60,
                }),
            )
            .await?;
        let s = |k: &str| -> Result<String> {
            Ok(v[k]
                .as_str()
                .with_context(|| format!("{k} in {v}"))?
                .to_owned())
        };
        Ok((s("venue_id")?, s("qr_text")?, s("poster_pdf_url")?))
    }

    /// The admin's bearer token.
    pub async fn admin(&self) -> Result<String> {
        self.login(("admin", ADMIN_PASSWORD)).await
    }

    /// Check-ins and visitor-log entries the server keeps for `venue_id` (in ward `ward`),
    /// counted by the server (`GET /api/v1/wards/{ward}/stats`, admin).
    pub async fn counts(&self, ward: u32, venue_id: &str) -> Result<(i64, i64)> {
        let token = self.admin().await?;
        let v = self
            .api
            .get_json(&format!("/api/v1/wards/{ward}/stats?period=day"), &token)
            .await?;
        let row = v
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["venue"]["id"] == venue_id)
            .with_context(|| format!("venue {venue_id} not in the ward stats: {v}"))?;
        Ok((
            row["checkins"].as_i64().context("checkins")?,
            row["visitors"].as_i64().context("visitors")?,
        ))
    }

    /// Runs `quetma trace decrypt` on a case export; the CSV.
    pub fn trace_decrypt(&self, export: &Value) -> Result<String> {
        let input = self.dir.path().join("case-export.json");
        let output = self.dir.path().join("contacts.csv");
        std::fs::write(&input, serde_json::to_vec_pretty(export)?)?;
        run_quetma(
            &[
                "trace",
                "decrypt",
                "--key",
                path_str(&self.keys.sealing_secret)?,
                "--input",
                path_str(&input)?,
                "--output",
                path_str(&output)?,
            ],
            &[],
        )?;
        Ok(std::fs::read_to_string(output)?)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill_9();
        if std::thread::panicking() {
            let _ = writeln!(std::io::stderr(), "{}", self.log());
        }
    }
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str().context("non-UTF-8 temporary path")
}
