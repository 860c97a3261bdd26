//! QuetMa server: the venue registry and portal, check-in ingestion, tracing, signed exposure
//! lists and the ward compliance view, on axum; SQLite by default, PostgreSQL in production.
//!
//! - [`db`]: the two backends behind one small enum, and the schema.
//! - [`state`]: [`state::AppState`] (database, keys, configuration, clock, rate limiter).
//! - [`service`]: every operation as a plain async function (the portal calls these too).
//! - [`api`]: the device API (`quetma_core::api`) and the JSON API for tools; OpenAPI.
//! - [`web`]: the web check-in page a stock camera opens (`/V/{code}`).
//! - [`portal`]: the web portal's pages.
//! - [`retention`]: the purge job.
//! - [`sms`]: the SMS gateway (a file for development, HTTP for production; retry, never twice).
//! - [`well_known`]: the app-link documents (`/.well-known/`) for the iOS and Android apps.
//! - [`app`]: the router and the listener.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]
#![recursion_limit = "512"]

pub mod api;
pub mod app;
pub mod auth;
pub mod db;
pub mod error;
pub mod portal;
pub mod retention;
pub mod service;
pub mod sms;
pub mod state;
pub mod wards;
pub mod web;
pub mod well_known;

pub use state::AppState;
