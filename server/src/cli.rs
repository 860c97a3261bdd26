//! The command-line subcommands other than `serve`.

pub mod demo;
pub mod keys;
pub mod poster;
pub mod scan;
