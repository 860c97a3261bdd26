//! A core "phone": an encrypted store in a temporary folder, a clock that follows the system's
//! (so the real server's clock agrees) but can be pushed ahead to let a back-off expire, and a
//! sync client that pins the test server's signing keys.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::Result;
use quetma_core::app::{App, AppOptions, DisplayInfo, Language};
use quetma_core::citizen::visits::CheckInOptions;
use quetma_core::citizen::{NewProfile, Profile, Relation, Visit};
use quetma_core::payload::IdKind;
use quetma_core::payload::venue::VenuePoster;
use quetma_core::payload::{Scanned, classify};
use quetma_core::store::{Clock, MemoryKeyVault, Settings, Store, SystemClock};
use quetma_core::sync::{
    Backoff, CancelToken, NoProgress, SyncClient, SyncConfig, SyncError, SyncReport,
};

use crate::server::ServerKeys;

/// The system clock plus an offset the test moves.
#[derive(Debug, Default)]
pub struct PhoneClock {
    offset_ms: AtomicI64,
}

impl PhoneClock {
    /// Moves the phone's clock ahead.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for PhoneClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.offset_ms.load(Ordering::SeqCst)
    }
}

/// A phone.
pub struct Phone {
    /// Its store.
    pub store: Store,
    /// Its clock.
    pub clock: Arc<PhoneClock>,
    /// Its sync client.
    pub client: SyncClient,
    /// Its random device id.
    pub device_id: String,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone")
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

/// How a phone is set up.
#[derive(Debug, Clone, Default)]
pub struct PhoneOptions {
    /// A staff phone's scanner token.
    pub scanner_token: Option<String>,
    /// Retry schedule (core's default when `None`).
    pub backoff: Option<Backoff>,
    /// The device id (a fresh random one when `None`).
    pub device_id: Option<String>,
}

impl Phone {
    /// A fresh phone syncing with `base_url` (the server or a proxy in front of it), trusting
    /// the server's signing keys as an app build would bundle them.
    pub fn new(base_url: &str, keys: &ServerKeys, options: PhoneOptions) -> Result<Self> {
        let dir = tempfile::Builder::new().prefix("quetma-phone-").tempdir()?;
        let clock = Arc::new(PhoneClock::default());
        let store = Store::open(
            dir.path(),
            &MemoryKeyVault::new(),
            Settings::default(),
            clock.clone(),
        )?
        .store;
        let device_id = match options.device_id {
            Some(d) => d,
            None => quetma_core::store::new_id()?,
        };
        let mut config = SyncConfig::new(base_url, device_id.clone(), keys.trust.clone());
        config.request_timeout = Duration::from_secs(30);
        config.scanner_token = options.scanner_token;
        if let Some(b) = options.backoff {
            config.backoff = b;
        }
        let client = SyncClient::new(store.clone(), config)?;
        Ok(Self {
            store,
            clock,
            client,
            device_id,
            _dir: dir,
        })
    }

    /// The app on this phone's store, in Vietnamese, talking to `base_url` and trusting the
    /// server's keys, started.
    pub fn app(&self, base_url: &str, keys: &ServerKeys) -> App {
        let mut app = App::new(
            self.store.clone(),
            keys.trust.clone(),
            keys.sealing.clone(),
            None,
            AppOptions {
                server_url: Some(base_url.to_owned()),
                language: Language::Vi,
                display: DisplayInfo::default(),
            },
        );
        app.start();
        app
    }

    /// The owner's profile (a citizen with a CCCD number and a phone number).
    pub fn owner(&self, full_name: &str, id_number: &str, phone: &str) -> Result<Profile> {
        self.profile(Relation::Owner, full_name, id_number, phone)
    }

    /// A profile on this phone.
    pub fn profile(
        &self,
        relation: Relation,
        full_name: &str,
        id_number: &str,
        phone: &str,
    ) -> Result<Profile> {
        Ok(self.store.add_profile(&NewProfile {
            relation,
            full_name: full_name.into(),
            id_number: Some(id_number.into()),
            id_kind: Some(IdKind::Cccd),
            phone: Some(phone.into()),
            birth_year: Some(1990),
        })?)
    }

    /// A poster text as the phone reads it (signature checked against the pinned keys).
    pub fn poster(&self, text: &str, keys: &ServerKeys) -> Result<VenuePoster> {
        match classify(text, &keys.trust) {
            Scanned::Venue(p) => Ok(p),
            other => anyhow::bail!("not a verified poster: {other:?}"),
        }
    }

    /// Checks `profiles` in at a poster's venue.
    pub fn check_in(
        &self,
        poster: &VenuePoster,
        profiles: &[&Profile],
        keys: &ServerKeys,
    ) -> Result<Vec<Visit>> {
        let ids: Vec<String> = profiles.iter().map(|p| p.id.clone()).collect();
        Ok(self
            .store
            .check_in(poster, &ids, &keys.sealing, CheckInOptions::default())?)
    }

    /// One whole sync.
    pub async fn sync(&self) -> Result<SyncReport, SyncError> {
        self.client.sync(&NoProgress, &CancelToken::new()).await
    }
}
