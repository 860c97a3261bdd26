//! `quetma poster` and `quetma personal-card`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use quetma_core::payload::personal::PersonalQr;
use quetma_core::payload::venue::{self, VenueCategory, VenueInfo};
use quetma_core::payload::{ContactRecord, ContactSource, IdKind};
use quetma_core::render::{
    self, CARD_EC, CARD_QR_MM, CardContent, POSTER_EC, POSTER_QR_MM, PosterContent, QrMatrix,
};
use time::OffsetDateTime;

use super::keys::{read_public, read_secret};

/// `--category`: one of the core's category names.
fn category_parser() -> impl clap::builder::TypedValueParser<Value = VenueCategory> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(VenueCategory::ALL.map(VenueCategory::as_str))
        .try_map(|s| s.parse::<VenueCategory>())
}

/// Arguments of `quetma poster`.
#[derive(clap::Args)]
pub struct PosterArgs {
    /// The authority signing key file (from `quetma keygen`).
    #[arg(long, default_value = "keys/signing.key.json")]
    pub key: PathBuf,
    /// Base URL of the deployment's web check-in page (the poster opens it in a stock camera).
    #[arg(long, default_value = "https://qr.quetma.vn")]
    pub base_url: String,
    /// Venue id (ASCII letters, digits, `-`); a random one when absent.
    #[arg(long)]
    pub venue_id: Option<String>,
    /// Venue name, e.g. "Nhà thuốc Minh Châu".
    #[arg(long)]
    pub name: String,
    /// Address.
    #[arg(long, default_value = "")]
    pub address: String,
    /// Commune (xã / phường) code.
    #[arg(long, default_value_t = 0)]
    pub commune: u32,
    /// Category.
    #[arg(long, default_value = "shop", value_parser = category_parser())]
    pub category: VenueCategory,
    /// Default stay in minutes (auto check-out); the category's typical stay when absent.
    #[arg(long)]
    pub stay: Option<u32>,
    /// The deployment's SMS number: the poster tells people without a smartphone to text
    /// `QM <venue code>` to it.
    #[arg(long, env = "QUETMA_SMS_NUMBER")]
    pub sms_number: Option<String>,
    /// Output PDF.
    #[arg(long, short, default_value = "poster.pdf")]
    pub out: PathBuf,
    /// Also write the QR alone as a PNG (the poster's size, 300 dpi).
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// Also write the QR alone as an SVG (the poster's size).
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

/// Signs a venue record and writes its poster.
pub fn poster(args: &PosterArgs) -> Result<ExitCode> {
    let key = read_secret(&args.key)?.to_signing_key()?;
    let now = OffsetDateTime::now_utc();
    let category = args.category;
    let venue_id = match &args.venue_id {
        Some(id) => id.clone(),
        None => random_venue_id()?,
    };
    let info = VenueInfo {
        venue_id,
        name: args.name.clone(),
        address: args.address.clone(),
        commune_code: args.commune,
        category,
        default_stay_minutes: args.stay.unwrap_or_else(|| category.typical_stay_minutes()),
        issued_at: now.unix_timestamp(),
    }
    .normalised()?;
    let text = venue::encode(&info, &key, &args.base_url)?;
    let pdf = render::venue_poster_pdf(&PosterContent {
        qr_text: text.clone(),
        venue_name: info.name.clone(),
        address: info.address.clone(),
        venue_code: info.venue_id.clone(),
        issued_at_label: format!(
            "{:02}/{:02}/{}",
            now.day(),
            u8::from(now.month()),
            now.year()
        ),
        sms_number: args.sms_number.clone().unwrap_or_default(),
    })?;
    write(&args.out, &pdf)?;
    let qr = QrMatrix::encode(&text, POSTER_EC)?;
    write_extras(&qr, POSTER_QR_MM, args.png.as_deref(), args.svg.as_deref())?;
    println!(
        "Đã tạo áp phích / poster written: {} — mã {} / venue id {}, QR phiên bản / version {} ({} ký tự / characters), khoá / key {}",
        args.out.display(),
        info.venue_id,
        info.venue_id,
        qr.version(),
        text.len(),
        key.kid()
    );
    Ok(ExitCode::SUCCESS)
}

fn random_venue_id() -> Result<String> {
    let mut bytes = [0u8; 5];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    Ok(format!("V-{}", data_encoding::BASE32_NOPAD.encode(&bytes)))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn write_extras(qr: &QrMatrix, size_mm: f64, png: Option<&Path>, svg: Option<&Path>) -> Result<()> {
    if let Some(p) = png {
        write(p, &render::to_png(qr, size_mm, 300.0)?)?;
    }
    if let Some(p) = svg {
        write(p, render::to_svg(qr, size_mm).as_bytes())?;
    }
    Ok(())
}

/// Identity document kinds as command-line words.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum IdKindArg {
    /// 12-digit CCCD / Căn cước number.
    Cccd,
    /// 9-digit old CMND number.
    Cmnd,
    /// Passport number.
    Passport,
    /// BHYT card number.
    Bhyt,
    /// Anything else.
    Other,
}

impl From<IdKindArg> for IdKind {
    fn from(k: IdKindArg) -> Self {
        match k {
            IdKindArg::Cccd => Self::Cccd,
            IdKindArg::Cmnd => Self::Cmnd,
            IdKindArg::Passport => Self::Passport,
            IdKindArg::Bhyt => Self::Bhyt,
            IdKindArg::Other => Self::Other,
        }
    }
}

/// Arguments of `quetma personal-card`.
#[derive(clap::Args)]
pub struct PersonalCardArgs {
    /// The public key bundle (from `quetma keygen` or the server): its sealing key seals the card.
    #[arg(long, default_value = "keys/public.json")]
    pub keys: PathBuf,
    /// Full name, e.g. "Nguyễn Văn An".
    #[arg(long)]
    pub name: String,
    /// Identity number.
    #[arg(long)]
    pub id: Option<String>,
    /// Kind of identity number (guessed from its shape when absent: 12 digits CCCD, 9 CMND).
    #[arg(long, value_enum)]
    pub id_kind: Option<IdKindArg>,
    /// Phone number.
    #[arg(long)]
    pub phone: Option<String>,
    /// Year of birth.
    #[arg(long)]
    pub birth_year: Option<u16>,
    /// Output PDF.
    #[arg(long, short, default_value = "personal-card.pdf")]
    pub out: PathBuf,
    /// Also write the QR alone as a PNG (the card's size, 300 dpi).
    #[arg(long)]
    pub png: Option<PathBuf>,
}

/// Seals a person's contact record into a personal QR and writes the printable card.
pub fn personal_card(args: &PersonalCardArgs) -> Result<ExitCode> {
    let Some(sealing) = read_public(&args.keys)?.sealing_key()? else {
        bail!("{} holds no sealing key", args.keys.display());
    };
    let id_kind = args.id.as_deref().map(|id| match args.id_kind {
        Some(k) => k.into(),
        None if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => IdKind::Cccd,
        None if id.len() == 9 && id.bytes().all(|b| b.is_ascii_digit()) => IdKind::Cmnd,
        None => IdKind::Other,
    });
    let record = ContactRecord {
        full_name: args.name.clone(),
        id_number: args.id.clone(),
        id_kind,
        phone: args.phone.clone(),
        birth_year: args.birth_year,
        source: ContactSource::PersonalQr,
    };
    let qr = PersonalQr::new(
        &record,
        None,
        &sealing,
        OffsetDateTime::now_utc().unix_timestamp(),
    )?;
    let text = qr.encode();
    let pdf = render::personal_card_pdf(&CardContent {
        qr_text: text.clone(),
        short_name: qr.hint.short_name.clone(),
        birth_year: qr.hint.birth_year,
        title: String::new(),
    })?;
    write(&args.out, &pdf)?;
    let matrix = QrMatrix::encode(&text, CARD_EC)?;
    write_extras(&matrix, CARD_QR_MM, args.png.as_deref(), None)?;
    println!(
        "Đã tạo thẻ / card written: {} — {}, QR phiên bản / version {}",
        args.out.display(),
        qr.hint.short_name,
        matrix.version()
    );
    Ok(ExitCode::SUCCESS)
}
