//! `quetma bench`: ingest rate over HTTP against raw `COPY`, and tracing query time (PostgreSQL).

use std::process::ExitCode;

use anyhow::Result;

/// Arguments of `quetma bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// PostgreSQL URL of a scratch database (its tables are filled and emptied).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Check-ins sent through the HTTP API.
    #[arg(long, default_value_t = 100_000)]
    pub http_rows: u64,
    /// Rows for the tracing query table.
    #[arg(long, default_value_t = 1_000_000)]
    pub trace_rows: u64,
}

/// Runs the benchmark.
pub fn bench(_args: &BenchArgs) -> Result<ExitCode> {
    anyhow::bail!("not yet")
}
