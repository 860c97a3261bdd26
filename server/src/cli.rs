//! The command-line subcommands other than `serve`.

pub mod keys;
pub mod poster;
pub mod scan;
