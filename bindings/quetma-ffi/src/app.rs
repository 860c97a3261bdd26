//! The app object: one per process, opened with a data folder, the pinned public keys and the
//! platform capabilities. Every method maps types and calls core.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use quetma_core::citizen::visits::CheckInOptions;
use quetma_core::declaration::{self as decl, ConsentPurpose};
use quetma_core::keys::files::PublicKeys;
use quetma_core::keys::{SealingPublicKey, TrustList};
use quetma_core::payload::venue::{self, VenuePoster};
use quetma_core::render;
use quetma_core::store::{PurgeTimer, Settings, Store, SystemClock};

use crate::error::{QuetMaError, Result};
use crate::platform::{AppEvent, Clock, ClockAdapter, EventListener, KeyVault, VaultAdapter};
use crate::types::*;

/// How to open the app.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AppConfig {
    /// The app's private data folder (created if missing).
    pub data_dir: String,
    /// The public key bundle the app pins (JSON as `quetma keygen` writes `public.json`): the
    /// signing keys posters are verified against and the sealing key contact records are
    /// sealed to.
    pub public_keys_json: String,
    /// Days of data kept on the phone (the deployment's window; core's default when `None`).
    #[uniffi(default)]
    pub retention_days: Option<u32>,
    /// Local time offset in minutes for grouping history by day (core's default, Vietnam's
    /// +420, when `None`).
    #[uniffi(default)]
    pub utc_offset_minutes: Option<i32>,
    /// Run the retention purge on a background timer as well as at open.
    #[uniffi(default = true)]
    pub purge_timer: bool,
}

/// The keys from the pinned bundle.
pub(crate) struct Keys {
    pub(crate) trust: TrustList,
    pub(crate) sealing: SealingPublicKey,
}

impl Keys {
    pub(crate) fn parse(json: &str) -> Result<Self> {
        let bundle: PublicKeys = serde_json::from_str(json).map_err(|_| QuetMaError::Crypto {
            reason: "public key bundle is not valid JSON".into(),
        })?;
        let trust = bundle.trust_list()?;
        let sealing = bundle.sealing_key()?.ok_or_else(|| QuetMaError::Crypto {
            reason: "public key bundle has no sealing key".into(),
        })?;
        Ok(Self { trust, sealing })
    }
}

/// The QuetMa app: citizen flows, business scanner flows and the upload outbox over the
/// encrypted store.
#[derive(uniffi::Object)]
pub struct QuetMaApp {
    pub(crate) store: Store,
    pub(crate) keys: RwLock<Keys>,
    listener: Option<Arc<dyn EventListener>>,
    reset: Option<StoreResetInfo>,
    pub(crate) core_reset: Option<quetma_core::store::StoreReset>,
    _purge: Mutex<Option<PurgeTimer>>,
    /// One sync at a time: a second `sync()` waits for the running one.
    pub(crate) sync_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for QuetMaApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuetMaApp").finish_non_exhaustive()
    }
}

impl QuetMaApp {
    pub(crate) fn emit(&self, event: AppEvent) {
        if let Some(l) = &self.listener {
            l.on_event(event);
        }
    }

    pub(crate) fn emit_outbox(&self) {
        if self.listener.is_some()
            && let Ok(counts) = self.store.outbox_counts()
        {
            self.emit(AppEvent::OutboxChanged {
                counts: counts.into(),
            });
        }
    }

    pub(crate) fn with_keys<T>(&self, f: impl FnOnce(&Keys) -> Result<T>) -> Result<T> {
        let keys = self
            .keys
            .read()
            .map_err(|_| QuetMaError::internal("key lock poisoned"))?;
        f(&keys)
    }

    /// Decodes poster text and verifies it against the pinned keys.
    pub(crate) fn verify_poster(&self, poster_text: &str) -> Result<VenuePoster> {
        self.with_keys(|k| {
            venue::decode(poster_text, &k.trust).map_err(|e| QuetMaError::invalid(e.to_string()))
        })
    }
}

#[uniffi::export]
impl QuetMaApp {
    /// Opens (or creates) the encrypted store in `config.data_dir`, its key kept by `vault`.
    ///
    /// A lost or wrong key or a damaged file does not fail: a fresh store is started, the old
    /// file is set aside, [`QuetMaApp::store_reset`] says why and the listener gets
    /// [`AppEvent::StoreReset`]. A vault that fails to answer is an error and touches nothing.
    #[uniffi::constructor]
    pub fn open(
        config: AppConfig,
        vault: Arc<dyn KeyVault>,
        clock: Option<Arc<dyn Clock>>,
        listener: Option<Arc<dyn EventListener>>,
    ) -> Result<Arc<Self>> {
        let keys = Keys::parse(&config.public_keys_json)?;
        let mut settings = Settings::default();
        if let Some(days) = config.retention_days {
            settings.retention_days = days;
        }
        if let Some(offset) = config.utc_offset_minutes {
            settings.utc_offset_minutes = offset;
        }
        let clock: Arc<dyn quetma_core::store::Clock> = match clock {
            Some(c) => Arc::new(ClockAdapter(c)),
            None => Arc::new(SystemClock),
        };
        let opened = Store::open(
            &PathBuf::from(&config.data_dir),
            &VaultAdapter(vault),
            settings,
            clock,
        )?;
        // Signing keys learnt from verified trust lists (sync) are trusted alongside the pinned.
        let mut keys = keys;
        keys.trust = opened.store.trusted_keys(&keys.trust)?;
        let purge = config.purge_timer.then(|| opened.store.start_purge_timer());
        let reset = opened.reset.as_ref().map(StoreResetInfo::from);
        let app = Arc::new(Self {
            store: opened.store,
            keys: RwLock::new(keys),
            listener,
            reset: reset.clone(),
            core_reset: opened.reset.clone(),
            _purge: Mutex::new(purge),
            sync_lock: tokio::sync::Mutex::new(()),
        });
        if let Some(info) = reset {
            app.emit(AppEvent::StoreReset { info });
        }
        Ok(app)
    }

    /// Set when the store had to start afresh at open.
    pub fn store_reset(&self) -> Option<StoreResetInfo> {
        self.reset.clone()
    }

    /// Replaces the pinned public keys (after a key rotation the server announced). Frame
    /// scanners made before keep the keys they were made with: make new ones.
    pub fn update_public_keys(&self, public_keys_json: String) -> Result<()> {
        let keys = Keys::parse(&public_keys_json)?;
        *self
            .keys
            .write()
            .map_err(|_| QuetMaError::internal("key lock poisoned"))? = keys;
        Ok(())
    }

    /// Now, by the app's clock (Unix ms).
    pub fn now_ms(&self) -> i64 {
        self.store.now_ms()
    }

    // -- profiles ---------------------------------------------------------------------------

    /// Adds a profile (at most one owner).
    pub fn add_profile(&self, profile: ProfileInput) -> Result<Profile> {
        Ok(self.store.add_profile(&profile.into())?.into())
    }

    /// Edits a profile's details (the relation stays).
    pub fn update_profile(&self, id: String, profile: ProfileInput) -> Result<Profile> {
        Ok(self.store.update_profile(&id, &profile.into())?.into())
    }

    /// Removes a profile and everything kept about it.
    pub fn remove_profile(&self, id: String) -> Result<()> {
        self.store.remove_profile(&id)?;
        self.emit(AppEvent::HistoryChanged);
        self.emit_outbox();
        Ok(())
    }

    /// One profile.
    pub fn profile(&self, id: String) -> Result<Profile> {
        Ok(self.store.profile(&id)?.into())
    }

    /// All profiles, the owner first.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        Ok(self.store.profiles()?.into_iter().map(Into::into).collect())
    }

    // -- check-in / check-out / history -----------------------------------------------------

    /// Verifies poster text (as scanned) against the pinned keys, without checking in.
    pub fn verify_poster_text(&self, poster_text: String) -> Result<Venue> {
        let p = self.verify_poster(&poster_text)?;
        Ok(Venue::of(&p.info, p.kid.as_str()))
    }

    /// Checks in `profile_ids` (the family) at the venue of a scanned poster. The poster is
    /// verified again here; open visits elsewhere end now.
    pub fn check_in(
        &self,
        poster_text: String,
        profile_ids: Vec<String>,
        expected_stay_minutes: Option<u32>,
    ) -> Result<Vec<Visit>> {
        let poster = self.verify_poster(&poster_text)?;
        let visits = self.with_keys(|k| {
            Ok(self.store.check_in(
                &poster,
                &profile_ids,
                &k.sealing,
                CheckInOptions {
                    expected_stay_minutes,
                },
            )?)
        })?;
        self.emit(AppEvent::HistoryChanged);
        self.emit_outbox();
        Ok(visits.into_iter().map(Into::into).collect())
    }

    /// Checks a visit out now.
    pub fn check_out(&self, visit_id: String) -> Result<Visit> {
        let v = self.store.check_out(&visit_id)?;
        self.emit(AppEvent::HistoryChanged);
        self.emit_outbox();
        Ok(v.into())
    }

    /// Cancels a wrong check-in.
    pub fn cancel_visit(&self, visit_id: String) -> Result<()> {
        self.store.cancel_visit(&visit_id)?;
        self.emit(AppEvent::HistoryChanged);
        self.emit_outbox();
        Ok(())
    }

    /// Corrects a visit's times (`end_ms` `None` keeps an open visit open).
    pub fn edit_visit_times(
        &self,
        visit_id: String,
        start_ms: i64,
        end_ms: Option<i64>,
    ) -> Result<Visit> {
        let v = self.store.edit_visit_times(&visit_id, start_ms, end_ms)?;
        self.emit(AppEvent::HistoryChanged);
        self.emit_outbox();
        Ok(v.into())
    }

    /// Ends the visits whose planned end has passed; returns how many. Shells may call it on
    /// a timer (history reads and check-ins do it anyway).
    pub fn settle(&self) -> Result<u32> {
        let n = self.store.settle()?;
        if n > 0 {
            self.emit(AppEvent::HistoryChanged);
            self.emit_outbox();
        }
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// One visit.
    pub fn visit(&self, visit_id: String) -> Result<Visit> {
        Ok(self.store.visit(&visit_id)?.into())
    }

    /// Open visits of every profile, newest first.
    pub fn open_visits(&self) -> Result<Vec<Visit>> {
        Ok(self
            .store
            .open_visits()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// History by local day (newest first) over the retention window, for one profile or all.
    pub fn history(&self, profile_id: Option<String>) -> Result<Vec<DayHistory>> {
        Ok(self
            .store
            .history_by_day(profile_id.as_deref())?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// One's own history as pretty JSON, for a tracer.
    pub fn export_history_json(&self, profile_id: Option<String>) -> Result<String> {
        Ok(self.store.export_json(profile_id.as_deref())?)
    }

    /// One's own history as CSV.
    pub fn export_history_csv(&self, profile_id: Option<String>) -> Result<String> {
        Ok(self.store.export_csv(profile_id.as_deref())?)
    }

    // -- declarations -----------------------------------------------------------------------

    /// Records the profile's separate consent to keeping health declarations (after the user
    /// read [`consent_text`]). Returns the consent id.
    pub fn grant_health_consent(&self, profile_id: String) -> Result<String> {
        Ok(self
            .store
            .grant_consent(&profile_id, ConsentPurpose::HealthDeclaration)?)
    }

    /// Withdraws that consent: the profile's declarations are deleted. Returns how many.
    pub fn withdraw_health_consent(&self, profile_id: String) -> Result<u32> {
        let n = self
            .store
            .withdraw_consent(&profile_id, ConsentPurpose::HealthDeclaration)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Stores a declaration for `profile_id` made by `declared_by` (the same profile, or the
    /// owner declaring on behalf of a dependent).
    pub fn declare(
        &self,
        profile_id: String,
        declared_by: String,
        form: DeclarationForm,
    ) -> Result<Declaration> {
        let form: decl::DeclarationForm = form.into();
        Ok(self.store.declare(&profile_id, &declared_by, &form)?.into())
    }

    /// A profile's declarations, newest first.
    pub fn declarations(&self, profile_id: String) -> Result<Vec<Declaration>> {
        Ok(self
            .store
            .declarations(&profile_id)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    // -- personal QR ------------------------------------------------------------------------

    /// A profile's personal QR as a bitmap that measures 5 × 5 cm on a screen of
    /// `pixels_per_inch` (blit it 1:1, no scaling), with what stays readable on it.
    pub fn personal_qr(
        &self,
        profile_id: String,
        pixels_per_inch: f64,
    ) -> Result<PersonalQrBitmap> {
        self.with_keys(|k| {
            let (qr, bmp) =
                self.store
                    .personal_qr_bitmap(&profile_id, &k.sealing, pixels_per_inch)?;
            let modules =
                (bmp.width_px / bmp.module_px.max(1)) as usize - 2 * render::QUIET_ZONE_MODULES;
            Ok(PersonalQrBitmap {
                symbol_mm: bmp.symbol_mm(modules, pixels_per_inch),
                hint: qr.hint.into(),
                declaration: qr.declaration.map(Into::into),
                width_px: bmp.width_px,
                module_px: bmp.module_px,
                luma: bmp.luma,
            })
        })
    }

    /// A printable A4 PDF with a profile's personal QR card (QR 5 × 5 cm), for a relative
    /// without a smartphone.
    pub fn personal_card_pdf(&self, profile_id: String) -> Result<Vec<u8>> {
        self.with_keys(|k| Ok(self.store.personal_qr_card_pdf(&profile_id, &k.sealing)?))
    }

    // -- outbox (what the sync client will send) ---------------------------------------------

    /// Up to `limit` uploads due now, oldest first.
    pub fn outbox_pending(&self, limit: u32) -> Result<Vec<OutboxItem>> {
        Ok(self
            .store
            .outbox_pending(limit)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Marks uploads the server acknowledged (only the bodies that were sent).
    pub fn outbox_mark_sent(&self, sent: Vec<SentItem>) -> Result<()> {
        let pairs: Vec<(String, String)> = sent.into_iter().map(|s| (s.id, s.body)).collect();
        self.store.outbox_mark_sent(&pairs)?;
        self.emit_outbox();
        Ok(())
    }

    /// Records a failed attempt; the entries are due again at `retry_at_ms`.
    pub fn outbox_mark_failed(
        &self,
        ids: Vec<String>,
        reason: String,
        retry_at_ms: i64,
    ) -> Result<()> {
        self.store.outbox_mark_failed(&ids, &reason, retry_at_ms)?;
        self.emit_outbox();
        Ok(())
    }

    /// How much waits in the outbox.
    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        Ok(self.store.outbox_counts()?.into())
    }

    /// Runs the retention purge now; returns how many rows went.
    pub fn purge(&self) -> Result<u64> {
        let r = self.store.purge()?;
        Ok(u64::try_from(r.total()).unwrap_or(u64::MAX))
    }
}

/// The consent text and the form's warning, in Vietnamese and English.
#[uniffi::export]
pub fn consent_text() -> ConsentText {
    ConsentText {
        version: decl::CONSENT_TEXT_VERSION.into(),
        consent: Label::of(decl::CONSENT_TEXT_VI, decl::CONSENT_TEXT_EN),
        warning: Label::of(decl::WARNING_VI, decl::WARNING_EN),
    }
}

/// A declaration form field's label, and whether the form requires it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldInfo {
    /// The field.
    pub field: FormField,
    /// Its label.
    pub label: Label,
    /// Required.
    pub required: bool,
}

/// Every field of the declaration form, in form order, with labels.
#[uniffi::export]
pub fn declaration_fields() -> Vec<FieldInfo> {
    decl::Field::ALL
        .into_iter()
        .map(|core| FieldInfo {
            field: core.into(),
            label: Label::of(core.label_vi(), core.label_en()),
            required: core.required(),
        })
        .collect()
}

/// A symptom's label.
#[uniffi::export]
pub fn symptom_label(symptom: Symptom) -> Label {
    let s: decl::Symptom = symptom.into();
    Label::of(s.label_vi(), s.label_en())
}

/// A relation's label.
#[uniffi::export]
pub fn relation_label(relation: Relation) -> Label {
    let r: quetma_core::citizen::Relation = relation.into();
    Label::of(r.label_vi(), r.label_en())
}

/// A venue category's label.
#[uniffi::export]
pub fn venue_category_label(category: VenueCategory) -> Label {
    let c: quetma_core::payload::venue::VenueCategory = category.into();
    Label::of(c.label_vi(), c.label_en())
}
