//! The PDFs print the QR at its true size: each page is rasterised with hayro (pure Rust), the
//! symbol is located by its decoder and measured from its dark pixels, and decoded back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use quetma_core::render::{
    CardContent, EcLevel, PosterContent, QrMatrix, personal_card_pdf, venue_poster_pdf,
};
use support::{find_qrs, rasterize_pdf_page, typical_venue_url};

const DPI: f32 = 150.0;

fn poster() -> PosterContent {
    PosterContent {
        qr_text: typical_venue_url(),
        venue_name: "Quán Phở Thìn Lò Đúc".into(),
        address: "13 Lò Đúc, phường Phạm Đình Hổ, quận Hai Bà Trưng, Hà Nội".into(),
        venue_code: "HBT-0427".into(),
        issued_at_label: "25/11/2026".into(),
        // The SMS check-in line is printed on every poster below: the QR keeps its size.
        sms_number: "8079".into(),
    }
}

fn card() -> CardContent {
    // A sealed personal record is binary; its text form is Base32, upper case.
    let bytes: Vec<u8> = (0..190u32).map(|i| (i * 37 + 5) as u8).collect();
    CardContent {
        qr_text: format!("QM1:{}", data_encoding::BASE32_NOPAD.encode(&bytes)),
        short_name: "Nguyễn T. Hường".into(),
        birth_year: Some(1948),
        title: "Phường Hà Đông".into(),
    }
}

fn out_dir() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("render");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Rasterises, finds exactly one QR, checks text, quiet zone and size; returns the size in mm.
fn measure(pdf: &[u8], name: &str, expected_text: &str, dpi: f32) -> (f64, f64) {
    std::fs::write(out_dir().join(format!("{name}.pdf")), pdf).unwrap();
    let img = rasterize_pdf_page(pdf, 0, dpi);
    img.save_png(&out_dir().join(format!("{name}.png")));
    let found = find_qrs(&img);
    assert_eq!(
        found.len(),
        1,
        "{name}: expected exactly one QR, found {}",
        found.len()
    );
    let qr = &found[0];
    assert_eq!(qr.text, expected_text, "{name}: decoded text differs");
    assert!(
        qr.quiet_zone_is_clear(&img, 4.0),
        "{name}: quiet zone not clear"
    );
    let (w, h) = qr.size_mm(f64::from(dpi));
    eprintln!(
        "{name}: QR version {} measured {w:.2} × {h:.2} mm",
        qr.version
    );
    (w, h)
}

#[test]
fn poster_qr_measures_160_mm_and_scans() {
    let content = poster();
    let pdf = venue_poster_pdf(&content).unwrap();
    let (w, h) = measure(&pdf, "poster", &content.qr_text, DPI);
    // One pixel at 150 dpi is 0.17 mm; the intended size is 160 mm.
    for side in [w, h] {
        assert!(side >= 150.0, "poster QR only {side:.2} mm");
        assert!(
            (side - 160.0).abs() <= 1.0,
            "poster QR {side:.2} mm, wanted 160 ± 1"
        );
    }
}

#[test]
fn poster_with_long_name_and_address_keeps_the_qr_size() {
    let mut content = poster();
    content.venue_name = "Trung tâm Thương mại và Dịch vụ Tổng hợp Siêu thị Điện máy Nội thất \
        Gia dụng Hà Đông Chi nhánh Số Hai Mươi Ba Khu Đô thị Mới Văn Quán Yên Phúc"
        .into();
    content.address = "Tầng 1, tòa nhà Hồ Gươm Plaza, số 102 đường Trần Phú, phường Mộ Lao, \
        quận Hà Đông, thành phố Hà Nội, Việt Nam — lối vào cổng phía Đông cạnh bãi gửi xe máy"
        .repeat(3);
    let pdf = venue_poster_pdf(&content).unwrap();
    let (w, h) = measure(&pdf, "poster_long", &content.qr_text, DPI);
    assert!(
        w >= 150.0 && h >= 150.0 && (w - 160.0).abs() <= 1.0,
        "{w} × {h}"
    );
}

#[test]
fn poster_with_a_tiny_payload_keeps_text_out_of_the_quiet_zone() {
    let mut content = poster();
    content.qr_text = "HTTPS://QUETMA.VN/V/A".into();
    let pdf = venue_poster_pdf(&content).unwrap();
    let (w, _) = measure(&pdf, "poster_tiny", &content.qr_text, DPI);
    assert!((w - 160.0).abs() <= 1.0, "{w}");
}

#[test]
fn card_qr_measures_55_mm_and_scans() {
    let content = card();
    let pdf = personal_card_pdf(&content).unwrap();
    let (w, h) = measure(&pdf, "card", &content.qr_text, 300.0);
    for side in [w, h] {
        assert!(side >= 50.0, "card QR only {side:.2} mm");
        assert!(
            (side - 55.0).abs() <= 1.0,
            "card QR {side:.2} mm, wanted 55 ± 1"
        );
    }
}

#[test]
fn empty_and_weird_strings_do_not_crash() {
    let weird =
        "\u{202E}Ngu\u{0303}ye\u{0302}\u{0303}n\u{0000}\t\n😷🇻🇳 مرحبا 漢字 \u{FEFF}".repeat(20);
    let content = PosterContent {
        qr_text: "HTTPS://QUETMA.VN/V/X".into(),
        venue_name: weird.clone(),
        address: String::new(),
        venue_code: String::new(),
        issued_at_label: weird.clone(),
        sms_number: weird.clone(),
    };
    let pdf = venue_poster_pdf(&content).unwrap();
    measure(&pdf, "poster_weird", &content.qr_text, DPI);
    let empty = PosterContent::default();
    let pdf = venue_poster_pdf(&empty).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let card = CardContent {
        // A Unicode payload is byte mode; it must round-trip.
        qr_text: "Nguyễn 😷 مرحبا 漢字".into(),
        short_name: weird.clone(),
        birth_year: None,
        title: weird,
    };
    let pdf = personal_card_pdf(&card).unwrap();
    measure(&pdf, "card_weird", &card.qr_text, 300.0);
    assert!(personal_card_pdf(&CardContent::default()).is_ok());
}

#[test]
fn too_long_payload_is_a_typed_error() {
    let mut content = poster();
    content.qr_text = "A".repeat(5000);
    assert_eq!(
        venue_poster_pdf(&content),
        Err(quetma_core::render::RenderError::TooLong)
    );
    let card = CardContent {
        qr_text: "x".repeat(3000),
        ..CardContent::default()
    };
    assert_eq!(
        personal_card_pdf(&card),
        Err(quetma_core::render::RenderError::TooLong)
    );
}

#[test]
fn poster_text_keeps_vietnamese_diacritics() {
    let pdf = venue_poster_pdf(&poster()).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    // The font program itself is embedded.
    let embedded = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.has(b"FontFile2"))
        .count();
    assert!(
        embedded >= 2,
        "regular and bold must be embedded, found {embedded}"
    );
    // The QR is vector paths, not an image.
    let images = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| s.dict.get(b"Subtype").and_then(|v| v.as_name()).ok() == Some(&b"Image"[..]))
        .count();
    assert_eq!(images, 0);
    // And the text maps back to Unicode with its diacritics (via the ToUnicode CMap).
    let text = doc.extract_text(&[1]).unwrap();
    for needle in [
        "QUÉT MÃ QR KHI VÀO / RA",
        "Mở ứng dụng QuetMa hoặc camera điện thoại",
        "Quét mã QR",
        "Xác nhận check-in",
        "Quán Phở Thìn Lò Đúc",
        "Phạm Đình Hổ",
        "HBT-0427",
        "25/11/2026",
        "Không có điện thoại thông minh? Nhắn QM HBT-0427 gửi 8079",
        "No smartphone? Text QM HBT-0427 to 8079",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text:?}");
    }
    // Without a deployment number there is no SMS line.
    let plain = PosterContent {
        sms_number: String::new(),
        ..poster()
    };
    let doc = lopdf::Document::load_mem(&venue_poster_pdf(&plain).unwrap()).unwrap();
    let text = doc.extract_text(&[1]).unwrap();
    assert!(!text.contains("Nhắn QM"), "{text:?}");
    assert!(text.contains("HBT-0427"));
}

#[test]
fn the_sms_line_keeps_the_qr_size_with_the_longest_code() {
    let mut content = poster();
    // The longest venue id core takes (100 bytes) and a long name and address.
    content.venue_code = "HD-".repeat(33) + "X";
    content.venue_name =
        "Trung tâm Thương mại và Dịch vụ Tổng hợp Hà Đông Chi nhánh Số Hai Mươi Ba".into();
    content.address =
        "Tầng 1, tòa nhà Hồ Gươm Plaza, số 102 đường Trần Phú, phường Mộ Lao, Hà Nội".repeat(2);
    let pdf = venue_poster_pdf(&content).unwrap();
    let (w, h) = measure(&pdf, "poster_sms_long", &content.qr_text, DPI);
    assert!(
        w >= 150.0 && h >= 150.0 && (w - 160.0).abs() <= 1.0,
        "{w} × {h}"
    );
}

#[test]
fn typical_versions_are_reported() {
    let url = typical_venue_url();
    let m = QrMatrix::encode(&url, EcLevel::M).unwrap();
    let q = QrMatrix::encode(&url, EcLevel::Q).unwrap();
    eprintln!(
        "{}-char venue URL: version {} at M, {} at Q",
        url.len(),
        m.version(),
        q.version()
    );
    assert!(m.version() <= q.version());
}
