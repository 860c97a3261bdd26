//! What the QR codes say.
//!
//! Our own formats ([`venue`] posters and [`personal`] QR codes) and the foreign codes a business
//! scanner meets ([`cccd`], [`bhyt`], [`national`]). [`classify`] turns any scanned text into one
//! typed [`Scanned`] answer and never panics.

pub mod bhyt;
pub mod casecode;
mod cbor;
pub mod cccd;
pub mod contact;
pub mod enrolment;
pub mod foreign;
pub mod national;
pub mod personal;
pub mod scanned;
pub mod venue;

pub use cbor::FieldError;
pub use contact::{ContactRecord, ContactSource, DisplayHint, IdKind, SealedContact};
pub use scanned::{Scanned, classify};
