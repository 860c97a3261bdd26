//! QuetMa core: every rule of the platform, shared by the phone apps (through `quetma-ffi`),
//! the server and the command-line tool.
//!
//! - [`payload`]: what the QR codes say — signed venue posters, sealed personal QR codes and the
//!   Vietnamese cards and national QR a scanner meets — and [`payload::Scanned`], the one typed
//!   answer for any scanned text.
//! - [`keys`]: authority keys, key ids and the trust list phones verify against offline.
//! - [`render`]: QR codes at a true physical size (SVG, PNG, PDF, posters, personal cards,
//!   on-screen bitmaps).
//! - [`scan`]: decoding QR codes from camera frames and image files.
//! - [`store`]: the phone's encrypted store (SQLCipher), its key vault, retention purge.
//! - [`citizen`]: profiles, check-in / check-out, history and export.
//! - [`declaration`]: the health declaration form, with its own consent.
//! - [`business`]: the business scanner: sessions, sealed visitor log, manual entry, counts.
//! - [`outbox`]: what waits to be uploaded, under stable ids.
//! - [`api`]: the device API's wire format, shared with the server.
//! - [`sync`]: the phone's sync client (trust list, exposure list, outbox uploads).
//! - [`exposure`]: exposure matching on the phone, and the alerts it raises.
//! - [`app`]: the phone app's behaviour — every screen's view model, texts and feedback — that
//!   the Kotlin and Swift shells only render.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]
// Without the `uniffi` feature the core has no unsafe code at all; with it, uniffi's derives
// generate FFI glue that allows itself `unsafe_code`.
#![cfg_attr(not(feature = "uniffi"), forbid(unsafe_code))]
#![cfg_attr(feature = "uniffi", deny(unsafe_code))]

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod api;
pub mod app;
pub mod business;
pub mod citizen;
pub mod declaration;
pub mod exposure;
pub mod keys;
pub mod outbox;
pub mod payload;
pub mod render;
pub mod scan;
pub mod store;
pub mod sync;
pub mod text;
