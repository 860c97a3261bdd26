//! `quetma scan` and `quetma inspect`: what a QR code holds, minimised as a scanner shows it.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use quetma_core::payload::classify;
use quetma_core::payload::scanned::Scanned;
use quetma_core::scan;

use super::keys::trust_list;

/// Arguments of `quetma scan`.
#[derive(clap::Args)]
pub struct ScanArgs {
    /// Image files (PNG, JPEG, WebP, GIF).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Public key bundle whose signing keys venue posters are verified against.
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// Also print each code's raw text (may contain personal data).
    #[arg(long)]
    pub raw: bool,
}

/// Scans image files; exits 1 when some image holds no readable QR code.
pub fn scan(args: &ScanArgs) -> Result<ExitCode> {
    let trust = trust_list(args.keys.as_deref())?;
    let mut all_found = true;
    for path in &args.images {
        let image = image::ImageReader::open(path)
            .with_context(|| format!("cannot open {}", path.display()))?
            .with_guessed_format()?
            .decode()
            .with_context(|| format!("{} is not a readable image", path.display()))?;
        let results = scan::scan_image(&image, &trust)
            .with_context(|| format!("cannot scan {}", path.display()))?;
        if results.is_empty() {
            all_found = false;
            println!(
                "{}: không tìm thấy mã QR / no QR code found",
                path.display()
            );
        }
        for r in results {
            println!("{}: {}", path.display(), describe(&r.scanned));
            if args.raw {
                println!("  {}", r.text);
            }
        }
    }
    Ok(if all_found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Arguments of `quetma inspect`.
#[derive(clap::Args)]
pub struct InspectArgs {
    /// The scanned text (`-` reads it from standard input).
    pub text: String,
    /// Public key bundle whose signing keys venue posters are verified against.
    #[arg(long)]
    pub keys: Option<PathBuf>,
}

/// Says what a text is; exits 1 for an invalid or unknown code.
pub fn inspect(args: &InspectArgs) -> Result<ExitCode> {
    let trust = trust_list(args.keys.as_deref())?;
    let text = if args.text == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        args.text.clone()
    };
    let scanned = classify(&text, &trust);
    println!("{}", describe(&scanned));
    Ok(match scanned {
        Scanned::Invalid(_) | Scanned::Unknown => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// One line saying what a scanned code is, with no more personal data than a scanner shows
/// (abbreviated name and birth year).
pub fn describe(scanned: &Scanned) -> String {
    let hint = |h: &quetma_core::payload::DisplayHint| match h.birth_year {
        Some(y) => format!("{} ({y})", h.short_name),
        None => h.short_name.clone(),
    };
    match scanned {
        Scanned::Venue(p) => format!(
            "Mã địa điểm / Venue poster: {} — {} [mã / id {}, {} / {}, lưu trú / stay {} phút / min, khoá / key {}]",
            p.info.name,
            p.info.address,
            p.info.venue_id,
            p.info.category.label_vi(),
            p.info.category.label_en(),
            p.info.default_stay_minutes,
            p.kid
        ),
        Scanned::Personal(q) => {
            let decl = match &q.declaration {
                Some(d) => format!(
                    "khai báo / declared {}: {} / {}",
                    d.declared_on,
                    d.status.label_vi(),
                    d.status.label_en()
                ),
                None => "chưa khai báo / no declaration".into(),
            };
            format!(
                "Mã QR cá nhân / Personal QR: {} — {decl}; hồ sơ liên hệ đã niêm phong / contact record sealed (khoá / key {})",
                hint(&q.hint),
                q.contact.kid
            )
        }
        Scanned::Cccd(c) => format!("Thẻ CCCD / Citizen ID card: {}", hint(&c.display_hint())),
        Scanned::Bhyt(c) => format!(
            "Thẻ BHYT / Health-insurance card: {}",
            hint(&c.display_hint())
        ),
        Scanned::National(c) => format!(
            "Mã QR cá nhân quốc gia / National personal QR: {}",
            hint(&c.display_hint())
        ),
        Scanned::Invalid(e) => format!("Mã không hợp lệ / Invalid code: {e}"),
        Scanned::Enrolment(l) => format!(
            "Mã thêm máy quét của nhân viên / Staff-phone enrolment code for {}",
            l.base_url
        ),
        Scanned::CaseCode(l) => format!(
            "Mã ca bệnh ({} ngày lịch sử) / Case code ({} days of history) for {}",
            l.code.window_days, l.code.window_days, l.base_url
        ),
        Scanned::Unknown => "Không phải mã QuetMa / Not a code we know".into(),
    }
}
