//! What a citizen's phone does offline: profiles (the user and dependents), check-in and
//! check-out, history, personal QR codes and export.
//!
//! - [`profiles`]: the user plus dependents (a child, an elderly parent) who have no phone.
//! - [`visits`]: check-in from a scanned poster (for one profile or the whole family), check-out
//!   by hand, automatic check-out after the venue's default stay / at the next check-in / at a
//!   cap, cancellation, editing times, multi-day stays, history grouped by day.
//! - [`export`]: one's own history as JSON or CSV, for a tracer.
//!
//! Health declarations live apart, in [`crate::declaration`].

pub mod export;
pub mod profiles;
pub mod visits;

pub use profiles::{NewProfile, Profile, Relation};
pub use visits::{DayHistory, EndReason, Visit};
