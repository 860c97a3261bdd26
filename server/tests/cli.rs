//! End to end through the real `quetma` binary: keys → a signed poster PDF and a personal card
//! PDF → each page rasterised (hayro, as a printer or a PDF viewer would) → `quetma scan` reads
//! them back; `quetma inspect` on card texts and junk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

#[path = "../../core/tests/support/mod.rs"]
mod support;

fn quetma(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quetma"))
        .args(args)
        .current_dir(cwd)
        .env("QUETMA_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn rasterise(pdf: &Path, png: &Path) {
    let bytes = std::fs::read(pdf).unwrap();
    let page = support::rasterize_pdf_page(&bytes, 0, 150.0);
    image::GrayImage::from_raw(
        u32::try_from(page.width).unwrap(),
        u32::try_from(page.height).unwrap(),
        page.px,
    )
    .unwrap()
    .save(png)
    .unwrap();
}

#[test]
fn poster_and_card_pdfs_scan_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = quetma(&["keygen", "--out", "keys"], d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Refuses to overwrite keys by accident.
    assert!(!quetma(&["keygen", "--out", "keys"], d).status.success());

    let o = quetma(
        &[
            "poster",
            "--key",
            "keys/signing.key.json",
            "--base-url",
            "https://qr.hadong.gov.vn",
            "--venue-id",
            "HD-VQ-000123",
            "--name",
            "Nhà thuốc Minh Châu",
            "--address",
            "Số 12 Phố Lê Trọng Tấn, Phường Hà Đông, Thành phố Hà Nội",
            "--category",
            "healthcare",
            "--out",
            "poster.pdf",
        ],
        d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("HD-VQ-000123"));

    let o = quetma(
        &[
            "personal-card",
            "--keys",
            "keys/public.json",
            "--name",
            "Nguyễn Văn An",
            "--id",
            "001099012345",
            "--phone",
            "0912345678",
            "--birth-year",
            "1999",
            "--out",
            "card.pdf",
        ],
        d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    rasterise(&d.join("poster.pdf"), &d.join("poster.png"));
    rasterise(&d.join("card.pdf"), &d.join("card.png"));
    let o = quetma(
        &[
            "scan",
            "--keys",
            "keys/public.json",
            "poster.png",
            "card.png",
        ],
        d,
    );
    let out = stdout(&o);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains(
            "poster.png: Mã địa điểm / Venue poster: Nhà thuốc Minh Châu — Số 12 Phố Lê Trọng Tấn"
        ),
        "{out}"
    );
    assert!(out.contains("[mã / id HD-VQ-000123"), "{out}");
    assert!(
        out.contains("card.png: Mã QR cá nhân / Personal QR: N. V. An (1999)"),
        "{out}"
    );
    // The card shows no identity number or phone, even to the scanner.
    assert!(
        !out.contains("001099012345") && !out.contains("0912345678"),
        "{out}"
    );

    // Without the authority's public keys the poster cannot be trusted.
    let o = quetma(&["scan", "poster.png"], d);
    assert!(
        stdout(&o).contains("Mã không hợp lệ / Invalid code"),
        "{}",
        stdout(&o)
    );
    // An image with no QR code: exit status 1.
    image::GrayImage::from_pixel(200, 200, image::Luma([255]))
        .save(d.join("blank.png"))
        .unwrap();
    let o = quetma(&["scan", "blank.png"], d);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("no QR code found"));
    // A file that is not an image: a clear error, exit status 2.
    std::fs::write(d.join("junk.png"), b"not an image").unwrap();
    let o = quetma(&["scan", "junk.png"], d);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn inspect_card_texts_and_junk() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cccd = "001099012345|012345678|Nguyễn Văn An|15031999|Nam|Số 1 Phố Mẫu, Phường Ba Đình, Thành phố Hà Nội|10052021";
    let o = quetma(&["inspect", cccd], d);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o).trim(),
        "Thẻ CCCD / Citizen ID card: N. V. An (1999)"
    );
    let bhyt = "DN4010123456789|4e677579e1bb856e2056c4836e20416e|15/03/1999|1|-|01 - 001|01/01/2020|-|01/01/2020|01010123456789|-|4| 01/01/2025|0123456789abcdef-7102|$";
    let o = quetma(&["inspect", bhyt], d);
    assert_eq!(
        stdout(&o).trim(),
        "Thẻ BHYT / Health-insurance card: N. V. An (1999)"
    );
    let o = quetma(&["inspect", "https://example.com/menu"], d);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("Not a code we know"));
    // A torn CCCD text: invalid, with the reason and without the data.
    let o = quetma(
        &[
            "inspect",
            "001099012345|012345678|Nguyễn Văn An|31022021|Nam|X|10052021",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("Mã không hợp lệ / Invalid code"), "{out}");
    assert!(!out.contains("Nguyễn") && !out.contains("001099"), "{out}");
}
