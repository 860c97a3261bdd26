//! Every call into zxing-cpp (the `zxing-cpp` crate: the C++ library through its C API) goes
//! through here.
//!
//! The C API catches every C++ exception and turns it into an error value, so nothing unwinds
//! out of C++; the Rust wrapper's own rare panics (an unknown error enum, say) are contained
//! like rqrr's by [`guard::contained`]. Texts come back in zxing-cpp's `Plain` text mode: the
//! content as decoded (ECI / character-set guess applied), without the `HRI` mode's
//! rewriting of control characters (`<GS>`) or GS1 parentheses, which would corrupt payloads.

use zxingcpp::{BarcodeFormat, Binarizer, ImageFormat, ImageView, TextMode};

use super::guard::{self, RawCode};

/// Which of zxing-cpp's binarizers to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Binarize {
    /// One global threshold from the histogram: better on evenly lit, noisy or blurred codes.
    GlobalHistogram,
    /// The image is a bitmap already (0 = dark, 255 = light; see [`super::binarize`]): zxing-cpp
    /// only copies it (`BoolCast`), and builds no pyramid of its own (the scanner does).
    Prebinarized,
}

/// A luma buffer for zxing-cpp: `data` holds `height` rows of `stride` bytes (the last row may
/// be short), of which the first `width` are pixels.
pub(crate) struct Luma<'a> {
    pub data: &'a [u8],
    pub width: usize,
    pub height: usize,
    pub stride: usize,
}

/// Decodes every QR code zxing-cpp finds, with try-harder and rotations on (the library's
/// defaults), its downscaling pyramid only if `pyramid` (never for a
/// [`Binarize::Prebinarized`] bitmap: the scanner builds its own), and without its
/// inverted-image retry (it doubles the cost of a frame without a code; the scanner runs an
/// inverted pass itself where it sees light-on-dark finder patterns). `scratch` receives a
/// packed copy only when the last row of a strided buffer is short.
pub(crate) fn decode(
    img: &Luma<'_>,
    binarize: Binarize,
    pyramid: bool,
    scratch: &mut Vec<u8>,
    out: &mut Vec<RawCode>,
) -> Result<(), String> {
    let full_rows = img.stride.checked_mul(img.height);
    let (data, row_len) = match full_rows {
        Some(n) if img.data.len() >= n => (img.data.get(..n).unwrap_or(&[]), img.stride),
        _ => {
            scratch.clear();
            for y in 0..img.height {
                let start = y * img.stride;
                let row = img.data.get(start..start + img.width).unwrap_or(&[]);
                scratch.extend_from_slice(row);
                scratch.resize((y + 1) * img.width, 255);
            }
            (scratch.as_slice(), img.width)
        }
    };
    let (Ok(width), Ok(height), Ok(row_len)) = (
        i32::try_from(img.width),
        i32::try_from(img.height),
        i32::try_from(row_len),
    ) else {
        return Err("frame too large for zxing-cpp".to_owned());
    };
    guard::contained(|| {
        let view = ImageView::from_slice(data, row_len, height, ImageFormat::Lum)
            .map_err(|e| e.to_string())?;
        let view = if row_len == width {
            view
        } else {
            view.cropped(0, 0, width, height)
        };
        let reader = zxingcpp::read()
            .formats([BarcodeFormat::QRCode])
            .text_mode(TextMode::Plain)
            .try_harder(true)
            .try_rotate(true)
            .try_invert(false)
            .try_downscale(pyramid && binarize != Binarize::Prebinarized)
            .binarizer(match binarize {
                Binarize::GlobalHistogram => Binarizer::GlobalHistogram,
                Binarize::Prebinarized => Binarizer::BoolCast,
            });
        let found = reader.from(view).map_err(|e| e.to_string())?;
        for code in found {
            if !code.is_valid() {
                continue;
            }
            let p = code.position();
            let pt = |q: zxingcpp::PointI| rqrr::Point { x: q.x, y: q.y };
            out.push(RawCode {
                text: code.text(),
                bounds: [
                    pt(p.top_left),
                    pt(p.top_right),
                    pt(p.bottom_right),
                    pt(p.bottom_left),
                ],
                version: code.extra_with_key("Version").parse().unwrap_or(0),
            });
        }
        Ok::<(), String>(())
    })
    .and_then(|r| r)
}
