//! The command-line subcommands.

pub mod account;
pub mod bench;
pub mod demo;
pub mod keys;
pub mod poster;
pub mod scan;
pub mod serve;
pub mod soak;
pub mod trace;
