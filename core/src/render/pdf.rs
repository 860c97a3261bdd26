//! A4 PDFs: the venue poster (QR ≥ 150 mm) and the printable personal QR card (QR ≥ 50 mm).
//!
//! Everything is vector and pure black on white (DeviceGray), so office laser printers print it
//! sharply. Fonts are embedded (subset) so Vietnamese diacritics survive every viewer.

use krilla::Document;
use krilla::geom::{PathBuilder, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;

use super::fonts::{Face, Fonts};
use super::layout::{PT_PER_MM, clean, draw_line, fit, mm};
use super::{EcLevel, QUIET_ZONE_MODULES, QrMatrix, RenderError};

/// A4 width in millimetres.
const A4_W: f64 = 210.0;
/// A4 height in millimetres.
const A4_H: f64 = 297.0;
/// Line height as a multiple of the font size.
const LINE: f64 = 1.2;
/// Baseline below the top of a line, as a multiple of the font size.
const ASCENT: f64 = 0.95;

/// Module size below which phone cameras struggle at arm's length (a warning is logged).
const MIN_MODULE_MM: f64 = 0.5;

/// Intended side of the poster's QR symbol (quiet zone excluded), in millimetres.
pub const POSTER_QR_MM: f64 = 160.0;
/// Smallest side the poster's QR symbol may have, in millimetres.
pub const POSTER_QR_MIN_MM: f64 = 150.0;
/// Error-correction level of the poster QR: Q (25 %) survives scratches, tape and glare on a
/// poster that hangs for months; at 160 mm the larger version costs nothing.
pub const POSTER_EC: EcLevel = EcLevel::Q;
/// Intended side of the personal card's QR symbol, in millimetres.
pub const CARD_QR_MM: f64 = 55.0;
/// Smallest side the card's QR symbol may have, in millimetres.
pub const CARD_QR_MIN_MM: f64 = 50.0;
/// Error-correction level of the personal card QR: M keeps the modules of a long sealed
/// payload large enough at 55 mm.
pub const CARD_EC: EcLevel = EcLevel::M;
/// Card outline width in millimetres (ID-1 width).
pub const CARD_W_MM: f64 = 85.6;
/// Card outline height in millimetres.
pub const CARD_H_MM: f64 = 120.0;

/// What a venue poster shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PosterContent {
    /// The text encoded in the QR (the signed venue URL).
    pub qr_text: String,
    /// Venue name (wrapped onto two lines and shrunk if long).
    pub venue_name: String,
    /// Venue address (wrapped onto two lines).
    pub address: String,
    /// Short venue id printed under the QR, for manual entry.
    pub venue_code: String,
    /// Issue date as it should be printed (e.g. "25/11/2026").
    pub issued_at_label: String,
    /// The deployment's number for check-in by SMS (e.g. "8079"); when set (and a venue code is
    /// given) one line under the code tells people without a smartphone to text
    /// `QM <venue code>` to it. Empty: no line.
    pub sms_number: String,
}

/// The poster's one line for people without a smartphone: text `QM <code>` to `number`
/// (Vietnamese, then English). Empty when either is empty.
pub fn sms_line(venue_code: &str, number: &str) -> String {
    let (code, number) = (clean(venue_code), clean(number));
    if code.is_empty() || number.is_empty() {
        return String::new();
    }
    format!(
        "Không có điện thoại thông minh? Nhắn QM {code} gửi {number} · No smartphone? Text QM {code} to {number}"
    )
}

/// What a printable personal QR card shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardContent {
    /// The text encoded in the QR (the sealed personal record).
    pub qr_text: String,
    /// Abbreviated display name (e.g. "Nguyễn V. A.").
    pub short_name: String,
    /// Birth year, if known.
    pub birth_year: Option<u16>,
    /// A small line under the card heading (e.g. the issuing programme); may be empty.
    pub title: String,
}

/// A block of lines in one face and size.
struct Run<'f> {
    face: &'f Face,
    size: f32,
    lines: Vec<String>,
    gap_after_mm: f64,
}

impl<'f> Run<'f> {
    #[allow(clippy::too_many_arguments)]
    fn fit(
        face: &'f Face,
        text: &str,
        max_size: f32,
        min_size: f32,
        width_mm: f64,
        max_lines: usize,
        gap_after_mm: f64,
    ) -> Self {
        let (size, lines) = fit(face, text, max_size, min_size, mm(width_mm), max_lines);
        Self {
            face,
            size,
            lines,
            gap_after_mm,
        }
    }

    fn size_mm(&self) -> f64 {
        f64::from(self.size / PT_PER_MM)
    }

    fn height_mm(&self) -> f64 {
        if self.lines.is_empty() {
            return 0.0;
        }
        self.lines.len() as f64 * LINE * self.size_mm() + self.gap_after_mm
    }
}

fn runs_height(runs: &[Run<'_>]) -> f64 {
    runs.iter().map(Run::height_mm).sum()
}

/// Draws `runs` centred in `(left_mm, width_mm)` from `top_mm`; returns the bottom.
fn draw_runs(
    surface: &mut Surface<'_>,
    runs: &[Run<'_>],
    top_mm: f64,
    (left_mm, width_mm): (f64, f64),
) -> f64 {
    let mut y = top_mm;
    for run in runs {
        if run.lines.is_empty() {
            continue;
        }
        for line in &run.lines {
            let baseline = y + ASCENT * run.size_mm();
            draw_line(
                surface,
                run.face,
                line,
                run.size,
                (mm(left_mm), mm(width_mm)),
                mm(baseline),
            );
            y += LINE * run.size_mm();
        }
        y += run.gap_after_mm;
    }
    y
}

/// Smallest QR version whose quiet zone lets a `symbol_mm` symbol fit in `avail_w × avail_h` mm.
fn min_version_for(symbol_mm: f64, avail_w: f64, avail_h: f64) -> i16 {
    let room = avail_w.min(avail_h) - symbol_mm;
    if room <= 0.0 {
        return 40;
    }
    // width × (1 + 8 / width) ≤ room + symbol  ⇔  width ≥ 8 · symbol / room (in modules).
    let min_width = (2.0 * QUIET_ZONE_MODULES as f64 * symbol_mm / room).ceil();
    (((min_width - 17.0) / 4.0).ceil()).clamp(1.0, 40.0) as i16
}

/// Encodes `text` and sizes the symbol to fit `avail_w × avail_h` (quiet zone included),
/// aiming at `target_mm` and never below `min_mm`. Returns the matrix and the symbol side.
fn place_qr(
    text: &str,
    ec: EcLevel,
    target_mm: f64,
    min_mm: f64,
    avail_w: f64,
    avail_h: f64,
) -> Result<(QrMatrix, f64), RenderError> {
    let min_version = min_version_for(target_mm, avail_w, avail_h);
    let qr = QrMatrix::encode_min_version(text, ec, min_version)?;
    let ratio = qr.width() as f64 / qr.width_with_quiet_zone() as f64;
    let fits = avail_w.min(avail_h) * ratio;
    let symbol = target_mm.min(fits).max(min_mm);
    let module_mm = symbol / qr.width() as f64;
    if module_mm < MIN_MODULE_MM {
        tracing::warn!(
            version = qr.version(),
            module_mm,
            "QR modules are too small for phone cameras; shorten the payload"
        );
    }
    Ok((qr, symbol))
}

/// Fills the dark modules of `qr` as one path of merged horizontal runs, the symbol's top-left
/// corner at (`left_mm`, `top_mm`) and its side `symbol_mm`.
fn draw_qr(surface: &mut Surface<'_>, qr: &QrMatrix, left_mm: f64, top_mm: f64, symbol_mm: f64) {
    let module = symbol_mm / qr.width() as f64;
    let edge_x = |i: usize| mm(left_mm + i as f64 * module);
    let edge_y = |i: usize| mm(top_mm + i as f64 * module);
    let mut pb = PathBuilder::new();
    for (y, x, len) in qr.dark_runs() {
        if let Some(rect) = Rect::from_ltrb(edge_x(x), edge_y(y), edge_x(x + len), edge_y(y + 1)) {
            pb.push_rect(rect);
        }
    }
    if let Some(path) = pb.finish() {
        surface.set_fill(Some(Fill::default()));
        surface.set_stroke(None);
        surface.draw_path(&path);
    }
}

fn new_document(title: &str) -> Document {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .language("vi".to_string())
            .creator("QuetMa".to_string()),
    );
    document
}

fn a4() -> Result<PageSettings, RenderError> {
    PageSettings::from_wh(mm(A4_W), mm(A4_H)).ok_or_else(|| RenderError::Pdf("page size".into()))
}

fn finish(document: Document) -> Result<Vec<u8>, RenderError> {
    document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

/// Renders the A4 portrait venue poster: bilingual heading, venue name and address, the QR
/// symbol at [`POSTER_QR_MM`] (never below [`POSTER_QR_MIN_MM`]) centred, the venue code under
/// it, the SMS check-in line when the deployment has a number ([`sms_line`]), three-step
/// instructions in Vietnamese then English, and a footer with code and issue date.
///
/// Long names and addresses wrap onto two lines, shrink, then end with "…"; empty strings leave
/// their line out. Fails with [`RenderError::TooLong`] if `qr_text` does not fit a QR code.
pub fn venue_poster_pdf(content: &PosterContent) -> Result<Vec<u8>, RenderError> {
    const MARGIN_TOP: f64 = 10.0;
    const MARGIN_BOTTOM: f64 = 8.0;
    const SIDE: f64 = 12.0;
    let fonts = Fonts::load()?;
    let width = A4_W - 2.0 * SIDE;
    let name = clean(&content.venue_name);
    let address = clean(&content.address);
    let code = clean(&content.venue_code);
    let issued = clean(&content.issued_at_label);

    let header = [
        Run::fit(
            &fonts.bold,
            "QUÉT MÃ QR KHI VÀO / RA",
            30.0,
            16.0,
            width,
            1,
            0.5,
        ),
        Run::fit(
            &fonts.regular,
            "Scan the QR code when you enter or leave",
            15.0,
            9.0,
            width,
            1,
            3.0,
        ),
        Run::fit(&fonts.bold, &name, 24.0, 12.0, width, 2, 1.0),
        Run::fit(&fonts.regular, &address, 12.0, 8.0, width, 2, 0.0),
    ];
    let code_line = if code.is_empty() {
        String::new()
    } else {
        format!("Mã địa điểm / Venue code: {code}")
    };
    let mut footer_line = String::from("QuetMa");
    if !code.is_empty() {
        footer_line.push_str(&format!(" · Mã / Code: {code}"));
    }
    if !issued.is_empty() {
        footer_line.push_str(&format!(" · Cấp ngày / Issued: {issued}"));
    }
    let sms = sms_line(&content.venue_code, &content.sms_number);
    let bottom = [
        Run::fit(
            &fonts.bold,
            &code_line,
            14.0,
            9.0,
            width,
            1,
            if sms.is_empty() { 2.0 } else { 0.8 },
        ),
        // One line, shrunk to fit (the code and the number must not be cut: at 7 pt a line
        // holds ~150 characters, the longest code is 100 bytes).
        Run::fit(&fonts.bold, &sms, 11.0, 7.0, width, 1, 1.5),
        Run::fit(
            &fonts.regular,
            "1. Mở ứng dụng QuetMa hoặc camera điện thoại · 2. Quét mã QR · 3. Xác nhận check-in",
            11.0,
            8.0,
            width,
            2,
            0.5,
        ),
        Run::fit(
            &fonts.regular,
            "1. Open the QuetMa app or your phone camera · 2. Scan the QR code · 3. Confirm check-in",
            10.0,
            7.0,
            width,
            2,
            2.0,
        ),
        Run::fit(&fonts.regular, &footer_line, 8.0, 6.0, width, 1, 0.0),
    ];
    let header_bottom = MARGIN_TOP + runs_height(&header);
    let bottom_top = A4_H - MARGIN_BOTTOM - runs_height(&bottom);
    let avail_h = bottom_top - header_bottom;
    let (qr, symbol) = place_qr(
        &content.qr_text,
        POSTER_EC,
        POSTER_QR_MM,
        POSTER_QR_MIN_MM,
        A4_W,
        avail_h,
    )?;
    let total = symbol * qr.width_with_quiet_zone() as f64 / qr.width() as f64;
    let quiet = (total - symbol) / 2.0;
    let qr_left = (A4_W - symbol) / 2.0;
    let qr_top = header_bottom + (avail_h - total).max(0.0) / 2.0 + quiet;
    tracing::debug!(
        version = qr.version(),
        symbol_mm = symbol,
        "laid out venue poster"
    );

    let mut document = new_document("QuetMa — venue poster");
    let mut page = document.start_page_with(a4()?);
    let mut surface = page.surface();
    draw_runs(&mut surface, &header, MARGIN_TOP, (SIDE, width));
    draw_qr(&mut surface, &qr, qr_left, qr_top, symbol);
    draw_runs(&mut surface, &bottom, bottom_top, (SIDE, width));
    surface.finish();
    page.finish();
    finish(document)
}

/// Draws the card outline (thin grey) and black crop marks outside its corners.
fn draw_cut_marks(surface: &mut Surface<'_>, left: f64, top: f64, w: f64, h: f64) {
    let stroke = |grey: u8, width_pt: f32| Stroke {
        paint: krilla::color::luma::Color::new(grey).into(),
        width: width_pt,
        ..Default::default()
    };
    surface.set_fill(None);
    let mut outline = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(mm(left), mm(top), mm(w), mm(h)) {
        outline.push_rect(rect);
    }
    if let Some(path) = outline.finish() {
        surface.set_stroke(Some(stroke(170, 0.5)));
        surface.draw_path(&path);
    }
    const GAP: f64 = 2.0;
    const LEN: f64 = 6.0;
    let mut marks = PathBuilder::new();
    for &(x, dx) in &[(left, -1.0), (left + w, 1.0)] {
        for &(y, dy) in &[(top, -1.0), (top + h, 1.0)] {
            marks.move_to(mm(x + dx * GAP), mm(y));
            marks.line_to(mm(x + dx * (GAP + LEN)), mm(y));
            marks.move_to(mm(x), mm(y + dy * GAP));
            marks.line_to(mm(x), mm(y + dy * (GAP + LEN)));
        }
    }
    if let Some(path) = marks.finish() {
        surface.set_stroke(Some(stroke(0, 0.6)));
        surface.draw_path(&path);
    }
    surface.set_stroke(None);
}

/// Renders one A4 page with a cut-out personal QR card ([`CARD_W_MM`] × [`CARD_H_MM`], outline
/// and crop marks) for a relative without a smartphone: the heading "Mã QR cá nhân — Personal
/// QR", the optional `title`, the QR at [`CARD_QR_MM`] (never below [`CARD_QR_MIN_MM`]), the
/// short name and the birth year; cutting instructions below the card.
pub fn personal_card_pdf(content: &CardContent) -> Result<Vec<u8>, RenderError> {
    const PAD: f64 = 5.0;
    let fonts = Fonts::load()?;
    let card_left = (A4_W - CARD_W_MM) / 2.0;
    let card_top = 25.0;
    let inner = CARD_W_MM - 2.0 * PAD;
    let title = clean(&content.title);
    let name = clean(&content.short_name);
    let top = [
        Run::fit(
            &fonts.bold,
            "Mã QR cá nhân — Personal QR",
            12.0,
            8.0,
            inner,
            1,
            0.5,
        ),
        Run::fit(&fonts.regular, &title, 9.0, 7.0, inner, 2, 0.0),
    ];
    let born = content
        .birth_year
        .map(|y| format!("Năm sinh / Born: {y}"))
        .unwrap_or_default();
    let below = [
        Run::fit(&fonts.bold, &name, 18.0, 10.0, inner, 2, 0.5),
        Run::fit(&fonts.regular, &born, 11.0, 8.0, inner, 1, 0.0),
    ];
    let note = [Run::fit(
        &fonts.regular,
        "Xuất trình mã này khi vào địa điểm · Show this code at the entrance",
        7.0,
        5.5,
        inner,
        2,
        0.0,
    )];
    let top_bottom = card_top + PAD + runs_height(&top);
    let note_top = card_top + CARD_H_MM - PAD + 1.0 - runs_height(&note);
    let avail_h = note_top - top_bottom - runs_height(&below) - 1.0;
    let (qr, symbol) = place_qr(
        &content.qr_text,
        CARD_EC,
        CARD_QR_MM,
        CARD_QR_MIN_MM,
        CARD_W_MM,
        avail_h,
    )?;
    let total = symbol * qr.width_with_quiet_zone() as f64 / qr.width() as f64;
    let quiet = (total - symbol) / 2.0;
    let qr_left = (A4_W - symbol) / 2.0;
    let qr_top = top_bottom + quiet;
    tracing::debug!(
        version = qr.version(),
        symbol_mm = symbol,
        "laid out personal card"
    );

    let mut document = new_document("QuetMa — personal QR card");
    let mut page = document.start_page_with(a4()?);
    let mut surface = page.surface();
    draw_cut_marks(&mut surface, card_left, card_top, CARD_W_MM, CARD_H_MM);
    let span = (card_left + PAD, inner);
    draw_runs(&mut surface, &top, card_top + PAD, span);
    draw_qr(&mut surface, &qr, qr_left, qr_top, symbol);
    draw_runs(&mut surface, &below, qr_top + symbol + quiet, span);
    draw_runs(&mut surface, &note, note_top, span);
    let help = [
        Run::fit(
            &fonts.regular,
            "Cắt theo đường viền. Không gấp qua mã QR. In đúng kích thước (100 %).",
            10.0,
            7.0,
            170.0,
            2,
            1.0,
        ),
        Run::fit(
            &fonts.regular,
            "Cut along the outline. Do not fold across the QR code. Print at actual size (100 %).",
            10.0,
            7.0,
            170.0,
            2,
            0.0,
        ),
    ];
    draw_runs(
        &mut surface,
        &help,
        card_top + CARD_H_MM + 12.0,
        ((A4_W - 170.0) / 2.0, 170.0),
    );
    surface.finish();
    page.finish();
    finish(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_version_grows_when_room_is_tight() {
        // 160 mm symbol in a 210 mm square: needs ≥ 25.6 modules → version 3.
        assert_eq!(min_version_for(160.0, 210.0, 210.0), 3);
        assert_eq!(min_version_for(160.0, 210.0, 150.0), 40);
        assert_eq!(min_version_for(55.0, 85.6, 200.0), 1);
    }
}
