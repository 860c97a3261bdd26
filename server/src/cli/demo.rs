//! `quetma demo`: the whole tool in one go, for a first look — keys, a venue poster, a personal
//! card, and both QR codes scanned back from their PNGs.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::keys::{KeygenArgs, keygen};
use quetma_core::payload::venue::VenueCategory;

use super::poster::{PersonalCardArgs, PosterArgs, personal_card, poster};
use super::scan::{ScanArgs, scan};

/// Arguments of `quetma demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Folder for everything the demo writes.
    #[arg(long, default_value = "quetma-demo")]
    pub out: PathBuf,
}

/// Makes demo keys, a poster and a personal card, then scans both back.
pub fn demo(args: &DemoArgs) -> Result<ExitCode> {
    let dir = &args.out;
    let keys = dir.join("keys");
    keygen(&KeygenArgs {
        out: keys.clone(),
        force: true,
    })?;
    poster(&PosterArgs {
        key: keys.join("signing.key.json"),
        base_url: "https://qr.hadong.gov.vn".into(),
        venue_id: Some("HD-VQ-000123".into()),
        name: "Nhà thuốc Minh Châu".into(),
        address: "Số 12 Phố Lê Trọng Tấn, Phường Hà Đông, Thành phố Hà Nội".into(),
        commune: 9886,
        category: VenueCategory::Healthcare,
        stay: None,
        sms_number: None,
        out: dir.join("poster.pdf"),
        png: Some(dir.join("poster-qr.png")),
        svg: Some(dir.join("poster-qr.svg")),
    })?;
    personal_card(&PersonalCardArgs {
        keys: keys.join("public.json"),
        name: "Nguyễn Văn An".into(),
        id: Some("001099012345".into()),
        id_kind: None,
        phone: Some("0912345678".into()),
        birth_year: Some(1999),
        out: dir.join("personal-card.pdf"),
        png: Some(dir.join("personal-qr.png")),
    })?;
    println!("— quét lại / scanning back —");
    scan(&ScanArgs {
        images: vec![dir.join("poster-qr.png"), dir.join("personal-qr.png")],
        keys: Some(keys.join("public.json")),
        raw: false,
    })
}
