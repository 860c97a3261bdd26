//! `quetma-ffi`: the uniffi façade over `quetma-core` for the Android (Kotlin) and iOS (Swift)
//! shells.
//!
//! The bridging layer adds no rules: it maps types and calls core.
//!
//! - [`QuetMaApp`]: one per process, opened with a data folder, the pinned public key bundle
//!   and the platform capabilities as foreign traits ([`KeyVault`], [`Clock`],
//!   [`EventListener`]). Citizen flows (profiles, check-in / check-out, history, declarations,
//!   personal QR), business scanner flows (sessions, scans, manual entry, visitor counts) and the
//!   upload outbox.
//! - [`FrameScanner`]: camera frames in as borrowed luma bytes (zero-copy: a direct
//!   `ByteBuffer` in Kotlin, `Data` in Swift) with width, height, row stride and rotation.
//! - Sync: [`QuetMaApp::sync`] (async, on tokio) with a [`SyncHandle`] to cancel it, and the
//!   exposure alerts it raises ([`QuetMaApp::alerts`], [`QuetMaApp::mark_alert_seen`]).
//! - [`QuetMaError`]: the one error enum, with stable variants and no personal data.
//!
//! Bindings are generated from the built library (`scripts/gen-bindings`), never committed.

#![deny(unsafe_code)]

uniffi::setup_scaffolding!();

mod app;
mod business;
mod error;
mod flows;
mod platform;
mod scanner;
mod sync;
mod types;

pub use app::*;
pub use business::*;
pub use error::{QuetMaError, Result};
pub use flows::AppFlows;
pub use platform::{AppEvent, Clock, EventListener, KeyVault};
pub use scanner::*;
pub use sync::*;
pub use types::*;

/// The version of this library (and of `quetma-core` it was built with).
#[uniffi::export]
pub fn library_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
