//! `quetma serve`: the service, with zero set-up on a fresh clone (SQLite file and dev keys in
//! the data folder, an admin account on first start).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use quetma_core::keys::SealingPrivateKey;
use quetma_server::db::Db;
use quetma_server::service::accounts;
use quetma_server::sms::GatewayConfig;
use quetma_server::state::{AppState, Clock, Config, Keys};
use quetma_server::well_known::AppLinks;

/// Where the database and keys are.
#[derive(clap::Args, Clone)]
pub struct DbArgs {
    /// Data folder (SQLite database, dev keys).
    #[arg(long, env = "QUETMA_DATA_DIR", default_value = "quetma-data")]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://FILE` or `postgres://…` (default: `sqlite://DATA_DIR/quetma.db`).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DbArgs {
    /// The database URL.
    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("quetma.db").display()))
    }

    /// Opens and migrates the database.
    pub async fn open(&self) -> Result<Db> {
        let url = self.url();
        let db = Db::connect(&url)
            .await
            .with_context(|| format!("cannot open the database ({})", redact(&url)))?;
        quetma_server::db::schema::migrate(&db).await?;
        Ok(db)
    }
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

/// Arguments of `quetma serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "QUETMA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Folder with `signing.key.json` and `public.json` (default: DATA_DIR/keys; dev keys are
    /// generated there on first start if it holds none).
    #[arg(long, env = "QUETMA_KEYS_DIR")]
    pub keys_dir: Option<PathBuf>,
    /// Signing key file (overrides --keys-dir).
    #[arg(long, env = "QUETMA_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,
    /// Public key bundle (overrides --keys-dir).
    #[arg(long, env = "QUETMA_PUBLIC_KEYS")]
    pub public_keys: Option<PathBuf>,
    /// Base URL printed in poster QR codes (the web check-in page's host); default
    /// `http://LISTEN`.
    #[arg(long, env = "QUETMA_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// Retention window, days.
    #[arg(long, env = "QUETMA_RETENTION_DAYS", default_value_t = 21)]
    pub retention_days: i64,
    /// Tail after a case left that still counts, minutes.
    #[arg(long, env = "QUETMA_TRACE_TAIL_MINUTES", default_value_t = 30)]
    pub trace_tail_minutes: i64,
    /// Retention purge interval, minutes.
    #[arg(long, default_value_t = 60)]
    pub purge_every_minutes: u64,
    /// Device API requests per minute per device.
    #[arg(long, default_value_t = 60)]
    pub device_per_minute: u32,
    /// Device API burst.
    #[arg(long, default_value_t = 20)]
    pub device_burst: u32,
    /// Web check-ins per minute per client address and venue.
    #[arg(long, default_value_t = 30)]
    pub web_checkin_per_minute: u32,
    /// Web check-in burst per client address and venue.
    #[arg(long, default_value_t = 30)]
    pub web_checkin_burst: u32,
    /// Behind a reverse proxy: take the client address from the last `X-Forwarded-For` hop.
    #[arg(long, env = "QUETMA_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// iOS Universal Links: the Apple developer team id (with --apple-bundle-id).
    #[arg(long, env = "QUETMA_APPLE_TEAM_ID")]
    pub apple_team_id: Option<String>,
    /// iOS Universal Links: the app's bundle id (with --apple-team-id).
    #[arg(long, env = "QUETMA_APPLE_BUNDLE_ID")]
    pub apple_bundle_id: Option<String>,
    /// Android App Links: the app's package name (with --android-cert-sha256).
    #[arg(long, env = "QUETMA_ANDROID_PACKAGE")]
    pub android_package: Option<String>,
    /// Android App Links: SHA-256 fingerprint of the app's signing certificate (repeat, or
    /// comma-separated in the variable).
    #[arg(long, env = "QUETMA_ANDROID_CERT_SHA256", value_delimiter = ',')]
    pub android_cert_sha256: Vec<String>,
    /// Notices reaching more recorded visits than this wait for a second tracing officer.
    #[arg(long, env = "QUETMA_NOTICE_APPROVAL_VISITS", default_value_t = 200)]
    pub notice_approval_visits: i64,
    /// Notices reaching more venues than this wait for a second tracing officer.
    #[arg(long, env = "QUETMA_NOTICE_APPROVAL_VENUES", default_value_t = 10)]
    pub notice_approval_venues: i64,
    /// Most exposure notices published in any hour.
    #[arg(long, env = "QUETMA_NOTICES_PER_HOUR", default_value_t = 60)]
    pub notices_per_hour: i64,
    /// Commune list (CSV with `code,name[,province]` columns) replacing the built-in 2025
    /// list, e.g. the official export converted to CSV.
    #[arg(long, env = "QUETMA_WARDS_FILE")]
    pub wards_file: Option<PathBuf>,
    /// Check-in by SMS: the bearer token the SMS gateway sends to `POST /api/v1/sms/inbound`
    /// (unset: the route answers 503).
    #[arg(long, env = "QUETMA_SMS_INBOUND_TOKEN", hide_env_values = true)]
    pub sms_inbound_token: Option<String>,
    /// The deployment's SMS number, printed on posters ("Nhắn QM V-… gửi 8079").
    #[arg(long, env = "QUETMA_SMS_NUMBER")]
    pub sms_number: Option<String>,
    /// SMS gateway: `file` (development: JSON lines in --sms-file), `http` (--sms-gateway-url
    /// + --sms-gateway-token) or `none`.
    #[arg(long, env = "QUETMA_SMS_GATEWAY", default_value = "file", value_parser = ["file", "http", "none"])]
    pub sms_gateway: String,
    /// The file gateway's file (default DATA_DIR/sms-outbox.jsonl).
    #[arg(long, env = "QUETMA_SMS_FILE")]
    pub sms_file: Option<PathBuf>,
    /// The HTTP gateway's URL.
    #[arg(long, env = "QUETMA_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,
    /// The HTTP gateway's bearer token.
    #[arg(long, env = "QUETMA_SMS_GATEWAY_TOKEN", hide_env_values = true)]
    pub sms_gateway_token: Option<String>,
    /// The SMS reply channel's key (made on first start when check-in by SMS is on; default
    /// KEYS_DIR/sms-reply.key.json).
    #[arg(long, env = "QUETMA_SMS_REPLY_KEY")]
    pub sms_reply_key: Option<PathBuf>,
    /// Inbound SMS per minute per sending number.
    #[arg(long, default_value_t = 2)]
    pub sms_per_number_per_minute: u32,
    /// Inbound SMS burst per sending number.
    #[arg(long, default_value_t = 5)]
    pub sms_per_number_burst: u32,
    /// Inbound SMS per minute per client address (the gateway's).
    #[arg(long, default_value_t = 6000)]
    pub sms_per_address_per_minute: u32,
}

/// The SMS gateway the arguments name.
fn sms_gateway(args: &ServeArgs) -> Result<GatewayConfig> {
    Ok(match args.sms_gateway.as_str() {
        "none" => GatewayConfig::None,
        "http" => GatewayConfig::Http {
            url: args
                .sms_gateway_url
                .clone()
                .filter(|u| !u.is_empty())
                .context("--sms-gateway http needs --sms-gateway-url")?,
            token: args
                .sms_gateway_token
                .clone()
                .filter(|t| !t.is_empty())
                .context("--sms-gateway http needs --sms-gateway-token")?,
        },
        _ => GatewayConfig::File(
            args.sms_file
                .clone()
                .unwrap_or_else(|| args.db.data_dir.join("sms-outbox.jsonl")),
        ),
    })
}

/// The SMS reply key: loaded when its file exists, made when check-in by SMS is on.
fn sms_reply_key(args: &ServeArgs) -> Result<Option<SealingPrivateKey>> {
    let path = args.sms_reply_key.clone().unwrap_or_else(|| {
        args.keys_dir
            .clone()
            .unwrap_or_else(|| args.db.data_dir.join("keys"))
            .join("sms-reply.key.json")
    });
    let on = args
        .sms_inbound_token
        .as_deref()
        .is_some_and(|t| !t.is_empty());
    if !on && !path.exists() {
        return Ok(None);
    }
    Ok(Some(Keys::load_or_make_sms_reply(&path).with_context(
        || {
            format!(
                "SMS reply key {} (pass --sms-reply-key to keep it elsewhere)",
                path.display()
            )
        },
    )?))
}

/// Loads the keys, generating dev keys into the keys folder on first start.
fn load_keys(args: &ServeArgs) -> Result<Keys> {
    let dir = args
        .keys_dir
        .clone()
        .unwrap_or_else(|| args.db.data_dir.join("keys"));
    let signing = args
        .signing_key
        .clone()
        .unwrap_or_else(|| dir.join("signing.key.json"));
    let public = args
        .public_keys
        .clone()
        .unwrap_or_else(|| dir.join("public.json"));
    if args.signing_key.is_none()
        && args.public_keys.is_none()
        && !signing.exists()
        && !public.exists()
    {
        tracing::warn!(
            dir = %dir.display(),
            "NO KEYS FOUND: GENERATING DEVELOPMENT KEYS (signing + sealing). Do not use them in production: \
             make keys offline with `quetma keygen` and pass --keys-dir."
        );
        eprintln!(
            "!!! Chưa có khoá: tạo khoá THỬ NGHIỆM trong {} / No keys: generating DEVELOPMENT keys in {} !!!",
            dir.display(),
            dir.display()
        );
        super::keys::keygen(&super::keys::KeygenArgs {
            out: dir.clone(),
            force: false,
        })?;
    }
    Ok(Keys::load(&signing, &public)?)
}

/// Runs the server.
pub fn serve(args: &ServeArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let app_links = AppLinks::new(
            args.apple_team_id.as_deref(),
            args.apple_bundle_id.as_deref(),
            args.android_package.as_deref(),
            &args.android_cert_sha256,
        )
        .context("app links (--apple-*, --android-*)")?;
        let mut keys = load_keys(args)?;
        if let Some(k) = sms_reply_key(args)? {
            keys = keys.with_sms_reply(k);
        }
        let sms_gateway = sms_gateway(args)?;
        if let GatewayConfig::Http { .. } = &sms_gateway {
            quetma_server::sms::gateway(&sms_gateway).context("SMS gateway")?;
        }
        let wards = match &args.wards_file {
            Some(p) => std::sync::Arc::new(
                quetma_server::wards::Wards::load(p).context("ward list (--wards-file)")?,
            ),
            None => quetma_server::wards::Wards::embedded(),
        };
        let db = args.db.open().await?;
        let config = Config {
            public_base_url: args
                .public_base_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", args.listen)),
            retention_days: args.retention_days.max(1),
            trace_tail_ms: args.trace_tail_minutes.max(0) * 60_000,
            device_per_minute: args.device_per_minute,
            device_burst: args.device_burst,
            web_checkin_per_minute: args.web_checkin_per_minute,
            web_checkin_burst: args.web_checkin_burst,
            trust_forwarded_for: args.trust_forwarded_for,
            app_links,
            notice_approval_visits: args.notice_approval_visits.max(0),
            notice_approval_venues: args.notice_approval_venues.max(0),
            notices_per_hour: args.notices_per_hour.max(1),
            wards,
            sms_inbound_token: args.sms_inbound_token.clone().filter(|t| !t.is_empty()),
            sms_number: args.sms_number.clone().filter(|n| !n.trim().is_empty()),
            sms_gateway,
            sms_per_number_per_minute: args.sms_per_number_per_minute,
            sms_per_number_burst: args.sms_per_number_burst,
            sms_per_address_per_minute: args.sms_per_address_per_minute,
            ..Config::default()
        };
        let state = AppState::new(db, keys, config, Clock::system());
        quetma_server::app::prepare(&state).await?;
        let password = std::env::var("QUETMA_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
        match accounts::bootstrap_admin(&state, password.as_deref()).await? {
            Some(p) if !p.is_empty() => eprintln!(
                "Tài khoản quản trị / admin account: admin  mật khẩu / password: {p}\n\
                 (chỉ hiện một lần / shown once only — đổi bằng / set with QUETMA_ADMIN_PASSWORD on a fresh database)"
            ),
            Some(_) => eprintln!("Đã tạo tài khoản quản trị / admin account created: admin"),
            None => {}
        }
        eprintln!(
            "QuetMa: http://{} (CSDL / database: {}, khoá / key: {})",
            args.listen,
            redact(&args.db.url()),
            state.keys.signing.kid()
        );
        quetma_server::app::serve(
            state,
            args.listen,
            Duration::from_secs(args.purge_every_minutes.max(1) * 60),
        )
        .await?;
        Ok(ExitCode::SUCCESS)
    })
}
