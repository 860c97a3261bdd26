//! Platform capabilities the shells implement (foreign traits), and the adapters that hand them
//! to core. All of them are synchronous: Rust calls them on the calling thread.

use std::sync::Arc;

use quetma_core::store::{self, VaultError};
use zeroize::Zeroizing;

use crate::error::QuetMaError;
use crate::types::{OutboxCounts, StoreResetInfo};

/// The platform key store: Android Keystore (an AES-GCM key wrapping ours) or the iOS
/// Keychain (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`). It keeps the store's 32-byte
/// key; the core generates the key and never logs it.
#[uniffi::export(foreign)]
pub trait KeyVault: Send + Sync {
    /// The key stored under `alias`, or `None` if there is none (never stored, or lost).
    fn load_key(&self, alias: String) -> Result<Option<Vec<u8>>, QuetMaError>;
    /// Stores `key` under `alias`, replacing any previous one.
    fn store_key(&self, alias: String, key: Vec<u8>) -> Result<(), QuetMaError>;
}

/// Wall-clock time as the app sees it (tests supply a fixed one).
#[uniffi::export(foreign)]
pub trait Clock: Send + Sync {
    /// Now, in Unix milliseconds.
    fn now_ms(&self) -> i64;
}

/// What the app tells the shell without being asked.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AppEvent {
    /// The store could not be opened and a fresh one was started: tell the user.
    StoreReset {
        /// Why, and the message.
        info: StoreResetInfo,
    },
    /// Visits changed (check-in, check-out, cancellation, edit, automatic check-out).
    HistoryChanged,
    /// The visitor log of a scanner session changed.
    VisitorLogChanged {
        /// The session.
        session_id: String,
    },
    /// The upload outbox changed.
    OutboxChanged {
        /// What waits now.
        counts: OutboxCounts,
    },
}

/// Receives [`AppEvent`]s, on the thread of the call that caused them. Keep it quick (post to
/// the UI thread); calling back into the app from it is allowed.
#[uniffi::export(foreign)]
pub trait EventListener: Send + Sync {
    /// One event.
    fn on_event(&self, event: AppEvent);
}

/// Core's vault, backed by the shell's.
pub(crate) struct VaultAdapter(pub(crate) Arc<dyn KeyVault>);

impl store::KeyVault for VaultAdapter {
    fn load_key(&self, alias: &str) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        Ok(self.0.load_key(alias.to_owned())?.map(Zeroizing::new))
    }

    fn store_key(&self, alias: &str, key: &[u8]) -> Result<(), VaultError> {
        // The copy handed over is the platform's to protect.
        Ok(self.0.store_key(alias.to_owned(), key.to_vec())?)
    }
}

/// Core's clock, backed by the shell's.
pub(crate) struct ClockAdapter(pub(crate) Arc<dyn Clock>);

impl store::Clock for ClockAdapter {
    fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }
}
