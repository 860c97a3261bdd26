//! `quetma trace decrypt`: opens a case export's sealed records with the sealing secret key,
//! offline, and writes the contact list as CSV (safe against spreadsheet formula injection).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use quetma_core::payload::{ContactSource, IdKind};
use quetma_server::service::cases::{CaseExport, EXPORT_FORMAT};

use super::keys::read_secret;

/// `quetma trace …`.
#[derive(clap::Subcommand)]
pub enum TraceCommand {
    /// Open a case export (`GET /api/v1/cases/{id}/export`) into a contact list CSV.
    Decrypt(DecryptArgs),
}

/// Arguments of `quetma trace decrypt`.
#[derive(clap::Args)]
pub struct DecryptArgs {
    /// The sealing secret key file (`sealing.key.json` from `quetma keygen`).
    #[arg(long)]
    pub key: PathBuf,
    /// The export JSON.
    #[arg(long)]
    pub input: PathBuf,
    /// The CSV to write (`-` for standard output).
    #[arg(long, default_value = "contacts.csv")]
    pub output: PathBuf,
}

/// One CSV field: quoted, quotes doubled, and a leading `'` on anything a spreadsheet would read
/// as a formula (`=`, `+`, `-`, `@`, tab, carriage return).
pub fn csv_field(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

fn time_label(ms: i64) -> String {
    let offset = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| t.to_offset(offset))
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Runs a trace command.
pub fn trace(cmd: &TraceCommand) -> Result<ExitCode> {
    let TraceCommand::Decrypt(args) = cmd;
    let key = read_secret(&args.key)?
        .to_sealing_key()
        .with_context(|| format!("{} is not a sealing key", args.key.display()))?;
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let export: CaseExport = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a case export", args.input.display()))?;
    if export.format != EXPORT_FORMAT {
        bail!("unknown export format {}", export.format);
    }
    let mut out = String::from(
        "case_id,kind,venue_id,arrived_gmt7,left_gmt7,overlap_minutes,full_name,birth_year,phone,id_kind,id_number,source,record_id\n",
    );
    let (mut opened, mut failed) = (0usize, 0usize);
    for r in &export.records {
        let Some(record) = r.sealed.to_sealed().and_then(|s| s.open(&key).ok()) else {
            failed += 1;
            continue;
        };
        opened += 1;
        let fields = [
            export.case_id.clone(),
            r.contact.kind.clone(),
            r.contact.venue_id.clone(),
            time_label(r.contact.started_at),
            time_label(r.contact.ended_at),
            (r.contact.overlap_ms / 60_000).to_string(),
            record.full_name.clone(),
            record.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            record.phone.clone().unwrap_or_default(),
            record.id_kind.map(|k: IdKind| word(&k)).unwrap_or_default(),
            record.id_number.clone().unwrap_or_default(),
            word::<ContactSource>(&record.source),
            r.contact.client_id.clone(),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    if args.output.as_os_str() == "-" {
        std::io::stdout().write_all(out.as_bytes())?;
    } else {
        std::fs::write(&args.output, out)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
    }
    eprintln!(
        "Đã mở / opened {opened} bản ghi / records{}; danh sách / list: {}",
        if failed > 0 {
            format!(", {failed} không mở được (khoá khác?) / could not be opened (other key?)")
        } else {
            String::new()
        },
        args.output.display()
    );
    Ok(if failed > 0 && opened == 0 && !export.records.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formula_safe() {
        assert_eq!(csv_field("An"), "\"An\"");
        assert_eq!(csv_field("a \"b\""), "\"a \"\"b\"\"\"");
        for f in ["=1+1", "+84", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_field(f).starts_with("\"'"), "{f}");
        }
    }
}
