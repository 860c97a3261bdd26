//! The application state every handler shares: database, keys, configuration, clock, limiter.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use quetma_core::keys::files::{PublicKeys, SecretKeyFile};
use quetma_core::keys::{AuthoritySigningKey, SealingPrivateKey, SealingPublicKey, TrustList};

use crate::db::Db;

/// Settings of one deployment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL printed in poster QR codes (`https://qr.quetma.vn`); the web check-in page
    /// lives at `{base}/V/<code>`.
    pub public_base_url: String,
    /// Retention window, days (default 21).
    pub retention_days: i64,
    /// Default tail after a case left that still counts, ms (tracing queries and notices).
    pub trace_tail_ms: i64,
    /// Default least overlap that makes a contact, ms.
    pub min_overlap_ms: i64,
    /// Session lifetime, ms.
    pub session_ttl_ms: i64,
    /// Enrolment code lifetime, ms.
    pub enrol_ttl_ms: i64,
    /// Device API requests per minute per device (token bucket refill).
    pub device_per_minute: u32,
    /// Device API burst.
    pub device_burst: u32,
    /// Web check-ins (`POST /V/{code}`) per minute per client address and venue (token
    /// bucket refill). Keyed by venue too: many phones share one address behind a carrier's
    /// NAT, but hardly many a minute at the same venue.
    pub web_checkin_per_minute: u32,
    /// Web check-in burst per client address and venue.
    pub web_checkin_burst: u32,
    /// Take the client address from the last `X-Forwarded-For` hop (behind a reverse proxy
    /// that sets it) instead of the TCP peer.
    pub trust_forwarded_for: bool,
    /// Which phone apps may open the poster and enrolment links (`/.well-known/`; none: 404).
    pub app_links: crate::well_known::AppLinks,
    /// Circuit breaker: a notice batch reaching more recorded visits than this waits for a
    /// second tracing officer's approval.
    pub notice_approval_visits: i64,
    /// Circuit breaker: likewise for more venues than this.
    pub notice_approval_venues: i64,
    /// Circuit breaker: most notices published in any hour (the whole deployment).
    pub notices_per_hour: i64,
    /// Commune names by code (the built-in 2025 list, or `--wards-file`).
    pub wards: Arc<crate::wards::Wards>,
    /// Bearer token the SMS gateway sends with inbound messages (`POST /api/v1/sms/inbound`);
    /// none: check-in by SMS is off and the route answers 503.
    pub sms_inbound_token: Option<String>,
    /// The deployment's SMS number, printed on posters ("Nhắn QM V-… gửi 8079"); none: no
    /// line on the poster.
    pub sms_number: Option<String>,
    /// Which gateway sends SMS (receipts, exposure SMS).
    pub sms_gateway: crate::sms::GatewayConfig,
    /// Inbound SMS per minute per sending number (token bucket refill).
    pub sms_per_number_per_minute: u32,
    /// Inbound SMS burst per sending number.
    pub sms_per_number_burst: u32,
    /// Inbound SMS per minute per client address (the gateway's: all numbers share it).
    pub sms_per_address_per_minute: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            public_base_url: "http://127.0.0.1:8080".into(),
            retention_days: 21,
            trace_tail_ms: 30 * 60_000,
            min_overlap_ms: 60_000,
            session_ttl_ms: 12 * 3_600_000,
            enrol_ttl_ms: 24 * 3_600_000,
            device_per_minute: 60,
            device_burst: 20,
            web_checkin_per_minute: 30,
            web_checkin_burst: 30,
            trust_forwarded_for: false,
            app_links: crate::well_known::AppLinks::default(),
            notice_approval_visits: 200,
            notice_approval_venues: 10,
            notices_per_hour: 60,
            wards: crate::wards::Wards::embedded(),
            sms_inbound_token: None,
            sms_number: None,
            sms_gateway: crate::sms::GatewayConfig::None,
            sms_per_number_per_minute: 2,
            sms_per_number_burst: 5,
            sms_per_address_per_minute: 6000,
        }
    }
}

impl Config {
    /// The retention window, ms.
    pub fn retention_ms(&self) -> i64 {
        self.retention_days * crate::db::schema::DAY_MS
    }
}

/// The server's key material: the signing key (posters, trust list, exposure lists) and the
/// sealing *public* key. The sealing secret never belongs on the server.
pub struct Keys {
    /// Current signing key.
    pub signing: AuthoritySigningKey,
    /// Public bundle (trust list document).
    pub public: PublicKeys,
    /// Keys posters verify against.
    pub trust: TrustList,
    /// Contact records are sealed to this.
    pub sealing: SealingPublicKey,
    /// The SMS reply channel's key (server-held, unlike the authority's sealing key): the
    /// number of an SMS check-in is sealed to it as well, so the server can send that number
    /// the exposure SMS (`service::sms_checkin`). None: SMS check-in and exposure SMS are off.
    pub sms_reply: Option<SealingPrivateKey>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({})", self.signing.kid())
    }
}

/// Why keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyLoadError {
    /// File trouble.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// Not a key file.
    #[error("{0}: {1}")]
    Format(PathBuf, String),
}

impl Keys {
    /// From a signing key and the public bundle.
    pub fn new(signing: AuthoritySigningKey, public: PublicKeys) -> Result<Self, String> {
        let trust = public.trust_list().map_err(|e| e.to_string())?;
        let trust = if trust.get(signing.kid().as_str()).is_some() {
            trust
        } else {
            trust.with(signing.verifying_key())
        };
        let sealing = public
            .sealing_key()
            .map_err(|e| e.to_string())?
            .ok_or("the public bundle has no sealing key")?;
        Ok(Self {
            signing,
            public,
            trust,
            sealing,
            sms_reply: None,
        })
    }

    /// With the SMS reply channel's key.
    pub fn with_sms_reply(mut self, key: SealingPrivateKey) -> Self {
        self.sms_reply = Some(key);
        self
    }

    /// Fresh keys in memory (tests), with an SMS reply key; the sealing secret is handed back.
    pub fn generate() -> Result<(Self, SealingPrivateKey), String> {
        let signing = AuthoritySigningKey::generate().map_err(|e| e.to_string())?;
        let sealing = SealingPrivateKey::generate().map_err(|e| e.to_string())?;
        let reply = SealingPrivateKey::generate().map_err(|e| e.to_string())?;
        let public = PublicKeys::of(&signing, &sealing);
        Ok((Self::new(signing, public)?.with_sms_reply(reply), sealing))
    }

    /// Loads the SMS reply key from `path`, making one there (mode 0600) when the file is
    /// missing: it never leaves the server and needs no ceremony (unlike the authority's keys).
    pub fn load_or_make_sms_reply(path: &Path) -> Result<SealingPrivateKey, KeyLoadError> {
        let fmt = |e: String| KeyLoadError::Format(path.to_owned(), e);
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let file: SecretKeyFile =
                    serde_json::from_str(&text).map_err(|e| fmt(e.to_string()))?;
                file.to_sealing_key().map_err(|e| fmt(e.to_string()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SealingPrivateKey::generate().map_err(|e| fmt(e.to_string()))?;
                let json = serde_json::to_string_pretty(&SecretKeyFile::sealing(&key))
                    .map_err(|e| fmt(e.to_string()))?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| KeyLoadError::Io(dir.to_owned(), e))?;
                }
                write_private(path, &(json + "\n"))
                    .map_err(|e| KeyLoadError::Io(path.to_owned(), e))?;
                tracing::info!(path = %path.display(), "made the SMS reply key");
                Ok(key)
            }
            Err(e) => Err(KeyLoadError::Io(path.to_owned(), e)),
        }
    }

    /// Loads `signing.key.json` and `public.json`.
    pub fn load(signing_path: &Path, public_path: &Path) -> Result<Self, KeyLoadError> {
        let read =
            |p: &Path| std::fs::read_to_string(p).map_err(|e| KeyLoadError::Io(p.to_owned(), e));
        let secret: SecretKeyFile = serde_json::from_str(&read(signing_path)?)
            .map_err(|e| KeyLoadError::Format(signing_path.to_owned(), e.to_string()))?;
        let signing = secret
            .to_signing_key()
            .map_err(|e| KeyLoadError::Format(signing_path.to_owned(), e.to_string()))?;
        let public: PublicKeys = serde_json::from_str(&read(public_path)?)
            .map_err(|e| KeyLoadError::Format(public_path.to_owned(), e.to_string()))?;
        Self::new(signing, public).map_err(|e| KeyLoadError::Format(public_path.to_owned(), e))
    }
}

/// Writes a secret file readable by its owner only.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(text.as_bytes())
    }
    #[cfg(not(unix))]
    std::fs::write(path, text)
}

/// Where "now" comes from: the system clock, or a settable one for tests.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock fixed at `ms` until [`Clock::set`].
    pub fn fixed(ms: i64) -> Self {
        Self(Some(Arc::new(AtomicI64::new(ms))))
    }

    /// Moves a fixed clock (no effect on the system clock).
    pub fn set(&self, ms: i64) {
        if let Some(a) = &self.0 {
            a.store(ms, Ordering::SeqCst);
        }
    }

    /// Now, Unix ms.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Some(a) => a.load(Ordering::SeqCst),
            None => {
                let now = time::OffsetDateTime::now_utc();
                i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
            }
        }
    }
}

/// How many devices' worth of device API requests one client address may make (phones behind
/// one carrier NAT share an address).
pub const ADDRESS_FACTOR: u32 = 50;

/// The per-device token bucket.
pub type DeviceLimiter = DefaultKeyedRateLimiter<String>;

/// Everything a handler needs (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Keys.
    pub keys: Arc<Keys>,
    /// Settings.
    pub config: Arc<Config>,
    /// Clock.
    pub clock: Clock,
    /// Device API rate limiter (also portal logins, keyed apart).
    pub limiter: Arc<DeviceLimiter>,
    /// Web check-in rate limiter, keyed by client address and venue.
    pub web_limiter: Arc<DeviceLimiter>,
    /// Device API limiter keyed by client address: [`ADDRESS_FACTOR`] times the device quota.
    pub address_limiter: Arc<DeviceLimiter>,
    /// Failed-login throttle (portal and API), in memory.
    pub login_throttle: Arc<crate::service::throttle::LoginThrottle>,
    /// The SMS gateway (none: nothing is sent).
    pub sms: Option<Arc<dyn crate::sms::SmsGateway>>,
    /// Inbound SMS limiter, keyed by a hash of the sending number.
    pub sms_number_limiter: Arc<DeviceLimiter>,
    /// Inbound SMS limiter, keyed by client address.
    pub sms_address_limiter: Arc<DeviceLimiter>,
}

impl AppState {
    /// Builds the state.
    pub fn new(db: Db, keys: Keys, config: Config, clock: Clock) -> Self {
        let per_minute =
            NonZeroU32::new(config.device_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.device_burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst));
        let address_limiter = RateLimiter::keyed(
            Quota::per_minute(
                per_minute
                    .saturating_mul(NonZeroU32::new(ADDRESS_FACTOR).unwrap_or(NonZeroU32::MIN)),
            )
            .allow_burst(
                burst.saturating_mul(NonZeroU32::new(ADDRESS_FACTOR).unwrap_or(NonZeroU32::MIN)),
            ),
        );
        let web_per_minute =
            NonZeroU32::new(config.web_checkin_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let web_burst = NonZeroU32::new(config.web_checkin_burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let web_limiter =
            RateLimiter::keyed(Quota::per_minute(web_per_minute).allow_burst(web_burst));
        let nz = |n: u32| NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
        let sms_number_limiter = RateLimiter::keyed(
            Quota::per_minute(nz(config.sms_per_number_per_minute))
                .allow_burst(nz(config.sms_per_number_burst)),
        );
        let sms_address_limiter = RateLimiter::keyed(
            Quota::per_minute(nz(config.sms_per_address_per_minute))
                .allow_burst(nz(config.sms_per_address_per_minute)),
        );
        let sms = match crate::sms::gateway(&config.sms_gateway) {
            Ok(g) => g,
            Err(e) => {
                tracing::error!(error = %e, "SMS gateway: none");
                None
            }
        };
        Self {
            db,
            keys: Arc::new(keys),
            config: Arc::new(config),
            clock,
            limiter: Arc::new(limiter),
            web_limiter: Arc::new(web_limiter),
            address_limiter: Arc::new(address_limiter),
            login_throttle: Arc::default(),
            sms,
            sms_number_limiter: Arc::new(sms_number_limiter),
            sms_address_limiter: Arc::new(sms_address_limiter),
        }
    }

    /// Now, Unix ms.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
