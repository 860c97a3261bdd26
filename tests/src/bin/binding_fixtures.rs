//! Writes the images the Kotlin and Swift binding tests scan, and the public key bundle they
//! open the app with, into the folder given as the only argument:
//!
//! - `public-keys.json`: the fixture authority's public keys (`quetma_core::keys::fixtures`);
//! - `venue-poster.png` / `venue-poster-640x480.luma`: a signed venue poster QR in a camera-like
//!   frame (grey surround), and `venue-poster-1280x720.luma` for the frame benchmark;
//! - `personal-qr.png` / `personal-qr-480x480.luma`: a personal QR sealed to the fixture key;
//! - `cccd.png` / `cccd-480x480.luma`: a CCCD card QR (a fictitious person);
//! - `blank-320x240.luma`: a frame with no code;
//! - `venue-poster.txt`: the poster's text.
//!
//! `.luma` files are raw 8-bit luma, row-major, packed (row stride = width).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use quetma_core::keys::{files::PublicKeys, fixtures};
use quetma_core::payload::personal::PersonalQr;
use quetma_core::payload::venue;
use quetma_core::payload::{ContactRecord, ContactSource, IdKind};
use quetma_core::render::{self, EcLevel, QUIET_ZONE_MODULES, QrMatrix};

/// The CCCD QR text of the fixture (a fictitious citizen).
const CCCD_TEXT: &str = "001099012345|012345678|Nguyễn Văn An|15031999|Nam|Số 1 Phố Mẫu, Phường Ba Đình, Thành phố Hà Nội|10052021";

/// A luma canvas of `w × h` (grey surround) with the symbol centred, `module_px` per module.
fn frame(qr: &QrMatrix, module_px: usize, w: usize, h: usize) -> Result<Vec<u8>> {
    let side = qr.width_with_quiet_zone() * module_px;
    if side > w || side > h {
        bail!("symbol of {side} px does not fit {w}x{h}");
    }
    let mut luma = vec![128u8; w * h];
    let (x0, y0) = ((w - side) / 2, (h - side) / 2);
    for y in 0..side {
        for x in 0..side {
            let mx = (x / module_px).checked_sub(QUIET_ZONE_MODULES);
            let my = (y / module_px).checked_sub(QUIET_ZONE_MODULES);
            let dark = matches!((mx, my), (Some(mx), Some(my)) if qr.is_dark(mx, my));
            luma[(y0 + y) * w + x0 + x] = if dark { 20 } else { 235 };
        }
    }
    Ok(luma)
}

fn write_luma(dir: &Path, name: &str, luma: &[u8], w: usize, h: usize) -> Result<()> {
    let path = dir.join(format!("{name}-{w}x{h}.luma"));
    std::fs::write(&path, luma).with_context(|| format!("writing {}", path.display()))
}

fn write_png(dir: &Path, name: &str, luma: Vec<u8>, w: usize, h: usize) -> Result<()> {
    let img = image::GrayImage::from_raw(u32::try_from(w)?, u32::try_from(h)?, luma)
        .context("image size")?;
    let path = dir.join(format!("{name}.png"));
    img.save(&path)
        .with_context(|| format!("writing {}", path.display()))
}

fn main() -> Result<()> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .context("usage: binding-fixtures OUT_DIR")?;
    std::fs::create_dir_all(&dir)?;
    let signing = fixtures::signing_key();
    let sealing = fixtures::sealing_key();
    let keys = PublicKeys::of(&signing, &sealing);
    std::fs::write(
        dir.join("public-keys.json"),
        serde_json::to_string_pretty(&keys)?,
    )?;

    let poster = venue::encode(
        &venue::fixtures::hadong_pharmacy(),
        &signing,
        venue::fixtures::BASE_URL,
    )?;
    std::fs::write(dir.join("venue-poster.txt"), &poster)?;
    let qr = QrMatrix::encode(&poster, render::POSTER_EC)?;
    let f = frame(&qr, 4, 640, 480)?;
    write_luma(&dir, "venue-poster", &f, 640, 480)?;
    write_png(&dir, "venue-poster", f, 640, 480)?;
    write_luma(&dir, "venue-poster", &frame(&qr, 8, 1280, 720)?, 1280, 720)?;

    let now_s = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs(),
    )?;
    let personal = PersonalQr::new(
        &ContactRecord {
            full_name: "Trần Thị Bình".into(),
            id_number: Some("001199054321".into()),
            id_kind: Some(IdKind::Cccd),
            phone: Some("0912345678".into()),
            birth_year: Some(1999),
            source: ContactSource::PersonalQr,
        },
        None,
        sealing.public(),
        now_s,
    )?
    .encode();
    let qr = QrMatrix::encode(&personal, render::CARD_EC)?;
    let f = frame(&qr, 4, 480, 480)?;
    write_luma(&dir, "personal-qr", &f, 480, 480)?;
    write_png(&dir, "personal-qr", f, 480, 480)?;

    let qr = QrMatrix::encode(CCCD_TEXT, EcLevel::M)?;
    let f = frame(&qr, 5, 480, 480)?;
    write_luma(&dir, "cccd", &f, 480, 480)?;
    write_png(&dir, "cccd", f, 480, 480)?;

    write_luma(&dir, "blank", &vec![200u8; 320 * 240], 320, 240)?;
    Ok(())
}
