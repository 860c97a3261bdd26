//! Minimal text layout for the PDFs: shaping, measuring, greedy wrapping and fitting.

use krilla::geom::Point;
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};
use unicode_normalization::UnicodeNormalization;

use super::fonts::Face;

/// Points per millimetre.
pub(crate) const PT_PER_MM: f32 = 72.0 / 25.4;

/// Longest text (in characters) laid out; longer input is cut (a poster line cannot show it).
const MAX_CHARS: usize = 400;

/// Millimetres to points.
pub(crate) fn mm(v: f64) -> f32 {
    (v as f32) * PT_PER_MM
}

/// NFC-normalises `text`, turns control characters and line breaks into spaces, collapses runs
/// of whitespace and bounds the length.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS * 4));
    let mut last_space = true;
    for c in text.nfc().take(MAX_CHARS) {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        // Bidi controls and other format characters are dropped: they have no glyph.
        if matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        {
            continue;
        }
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim_end().to_string()
}

/// A shaped line: glyphs with advances in em units, and its width in em.
pub(crate) struct Shaped {
    pub(crate) text: String,
    pub(crate) glyphs: Vec<KrillaGlyph>,
    pub(crate) width_em: f32,
}

/// Shapes `text` with `face`. Lines holding any Latin letter (every Vietnamese line) are laid
/// out left to right; otherwise the direction is guessed (a whole Arabic name still reads right
/// to left). There is no bidi reordering of mixed-direction lines.
pub(crate) fn shape(face: &Face, text: &str) -> Shaped {
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    if text.chars().any(|c| {
        c.is_ascii_alphabetic()
            || ('\u{00C0}'..='\u{024F}').contains(&c)
            || ('\u{1E00}'..='\u{1EFF}').contains(&c)
    }) {
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
    }
    let output = rustybuzz::shape(&face.shaper, &[], buffer);
    let upem = (face.shaper.units_per_em() as f32).max(1.0);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let mut clusters: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    clusters.sort_unstable();
    clusters.dedup();
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width = 0.0f32;
    for (info, pos) in infos.iter().zip(positions) {
        let start = info.cluster as usize;
        // The cluster ends where the next cluster (in text order) starts.
        let end = clusters
            .iter()
            .copied()
            .find(|&c| c > start)
            .unwrap_or(text.len());
        let x_advance = pos.x_advance as f32 / upem;
        width += x_advance;
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            x_advance,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            start..end,
            None,
        ));
    }
    Shaped {
        text: text.to_string(),
        glyphs,
        width_em: width,
    }
}

/// Width of `text` in points at `size` points.
pub(crate) fn width_pt(face: &Face, text: &str, size: f32) -> f32 {
    shape(face, text).width_em * size
}

/// Greedy word wrap of (cleaned) `text` into lines no wider than `max_pt` at `size`; a word
/// wider than a line is broken between characters.
pub(crate) fn wrap(face: &Face, text: &str, size: f32, max_pt: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width_pt(face, &candidate, size) <= max_pt {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if width_pt(face, word, size) <= max_pt {
            line = word.to_string();
        } else {
            // Break an over-long word between characters.
            for c in word.chars() {
                let mut candidate = line.clone();
                candidate.push(c);
                if !line.is_empty() && width_pt(face, &candidate, size) > max_pt {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = candidate;
                }
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Cuts `line` and appends "…" until it fits `max_pt` at `size`.
fn ellipsize(face: &Face, line: &str, size: f32, max_pt: f32) -> String {
    let mut chars: Vec<char> = line.chars().collect();
    loop {
        let candidate: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if chars.is_empty() || width_pt(face, &candidate, size) <= max_pt {
            return candidate;
        }
        chars.pop();
    }
}

/// Fits `text` in at most `max_lines` lines of `max_pt`, trying font sizes from `max_size` down
/// to `min_size` (1 pt steps); at the smallest size the last line is cut with "…".
/// Returns the chosen size and the lines (empty when the text is empty).
pub(crate) fn fit(
    face: &Face,
    text: &str,
    max_size: f32,
    min_size: f32,
    max_pt: f32,
    max_lines: usize,
) -> (f32, Vec<String>) {
    let mut size = max_size;
    loop {
        let lines = wrap(face, text, size, max_pt);
        if lines.len() <= max_lines {
            return (size, lines);
        }
        if size - 1.0 < min_size {
            let mut lines = lines;
            lines.truncate(max_lines);
            if let Some(last) = lines.last_mut() {
                *last = ellipsize(face, last, size, max_pt);
            }
            return (size, lines);
        }
        size -= 1.0;
    }
}

/// Draws one line with its baseline at `baseline_pt`, centred in the horizontal span
/// `(left_pt, width_pt)`.
pub(crate) fn draw_line(
    surface: &mut Surface<'_>,
    face: &Face,
    line: &str,
    size: f32,
    (left_pt, box_width_pt): (f32, f32),
    baseline_pt: f32,
) {
    if line.is_empty() {
        return;
    }
    let shaped = shape(face, line);
    let width = shaped.width_em * size;
    let x = left_pt + (box_width_pt - width) / 2.0;
    surface.draw_glyphs(
        Point::from_xy(x, baseline_pt),
        &shaped.glyphs,
        face.pdf.clone(),
        &shaped.text,
        size,
        false,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fonts::Fonts;

    #[test]
    fn clean_normalises_and_collapses() {
        assert_eq!(
            clean("  Ngu\u{0303}ye\u{0302}\u{0303}n\t\n A\u{202E} "),
            "Ngũyễn A"
        );
        assert_eq!(clean(""), "");
        assert_eq!(clean(&"x".repeat(10_000)).chars().count(), MAX_CHARS);
    }

    #[test]
    fn wrap_respects_the_width_and_keeps_every_word() {
        let fonts = Fonts::load().unwrap();
        let text = "Trung tâm Thương mại Dịch vụ Tổng hợp Hà Đông Siêuthịđiệnmáynộithấtgiadụng";
        let lines = wrap(&fonts.regular, text, 12.0, 100.0);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(width_pt(&fonts.regular, line, 12.0) <= 100.0, "{line}");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn fit_shrinks_then_ellipsizes() {
        let fonts = Fonts::load().unwrap();
        let (size, lines) = fit(&fonts.bold, "Phở Thìn", 24.0, 12.0, 500.0, 2);
        assert_eq!((size, lines.len()), (24.0, 1));
        let long = "Quán ăn gia đình ".repeat(40);
        let (size, lines) = fit(&fonts.bold, &long, 24.0, 12.0, 300.0, 2);
        assert_eq!(size, 12.0);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(width_pt(&fonts.bold, &lines[1], size) <= 300.0);
        assert!(fit(&fonts.bold, "", 24.0, 12.0, 300.0, 2).1.is_empty());
    }
}
