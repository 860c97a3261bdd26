//! `quetma`: the QuetMa server and command-line tool.
//!
//! ```text
//! quetma serve                                 the service (SQLite + dev keys in ./quetma-data)
//! quetma account add --role … --username …     an account (password from QUETMA_NEW_PASSWORD)
//! quetma trace decrypt --key … --input …       a case export → contact list CSV, offline
//! quetma bench --database-url postgres://…     ingest and tracing figures
//! quetma demo                                 all of the below, in ./quetma-demo
//! quetma keygen --out keys/                    authority signing + sealing keys, public bundle
//! quetma poster --key keys/signing.key.json …  venue details → signed poster PDF
//! quetma personal-card --keys keys/public.json …  personal QR card PDF (5 × 5 cm QR)
//! quetma scan IMAGE…                           what each image's QR codes hold
//! quetma inspect TEXT                          what a scanned text is
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

mod cli;

/// QuetMa: QR-code venue check-in and health declaration.
#[derive(Parser)]
#[command(name = "quetma", version, about, long_about = None)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: device API, web check-in page, portal, retention purge.
    Serve(Box<cli::serve::ServeArgs>),
    /// Manage accounts.
    #[command(subcommand)]
    Account(cli::account::AccountCommand),
    /// Tracing tools (offline).
    #[command(subcommand)]
    Trace(cli::trace::TraceCommand),
    /// Measure ingest (HTTP vs COPY) and tracing query time on PostgreSQL.
    Bench(cli::bench::BenchArgs),
    /// Make demo keys, a venue poster and a personal card in ./quetma-demo, and scan them back.
    Demo(cli::demo::DemoArgs),
    /// Generate an authority signing key and a sealing key, and the public bundle phones pin.
    Keygen(cli::keys::KeygenArgs),
    /// Make a signed venue poster (PDF, A4, QR at least 15 × 15 cm).
    Poster(cli::poster::PosterArgs),
    /// Make a printable personal QR card (PDF, QR at least 5 × 5 cm).
    PersonalCard(cli::poster::PersonalCardArgs),
    /// Scan image files (PNG, JPEG, WebP, GIF) and print what each QR code holds.
    Scan(cli::scan::ScanArgs),
    /// Say what a scanned text is.
    Inspect(cli::scan::InspectArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("QUETMA_LOG").unwrap_or_else(|_| {
            EnvFilter::new(match std::env::args().nth(1).as_deref() {
                Some("serve") => "info",
                _ => "warn",
            })
        }))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let result = match args.command {
        Command::Serve(a) => cli::serve::serve(&a),
        Command::Account(c) => cli::account::account(&c),
        Command::Trace(c) => cli::trace::trace(&c),
        Command::Bench(a) => cli::bench::bench(&a),
        Command::Demo(a) => cli::demo::demo(&a),
        Command::Keygen(a) => cli::keys::keygen(&a),
        Command::Poster(a) => cli::poster::poster(&a),
        Command::PersonalCard(a) => cli::poster::personal_card(&a),
        Command::Scan(a) => cli::scan::scan(&a),
        Command::Inspect(a) => cli::scan::inspect(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lỗi / error: {e:#}");
            ExitCode::from(2)
        }
    }
}
