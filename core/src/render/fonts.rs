//! Fonts embedded in the binary: DejaVu Sans and DejaVu Sans Bold (Bitstream Vera licence, DejaVu
//! changes public domain; see `core/assets/fonts/LICENSE-DejaVu.txt`). Both cover Vietnamese
//! completely, including precomposed letters such as ệ, ữ, ặ.

use krilla::text::Font;

use super::RenderError;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// One font: the krilla handle (for embedding) and a shaping face over the same bytes.
pub(crate) struct Face {
    pub(crate) pdf: Font,
    pub(crate) shaper: rustybuzz::Face<'static>,
}

impl Face {
    fn load(data: &'static [u8]) -> Result<Self, RenderError> {
        let pdf = Font::new(data.into(), 0).ok_or_else(|| RenderError::Pdf("font".into()))?;
        let shaper =
            rustybuzz::Face::from_slice(data, 0).ok_or_else(|| RenderError::Pdf("font".into()))?;
        Ok(Self { pdf, shaper })
    }
}

/// The two faces a document uses.
pub(crate) struct Fonts {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
}

impl Fonts {
    /// Loads both embedded faces.
    pub(crate) fn load() -> Result<Self, RenderError> {
        Ok(Self {
            regular: Face::load(REGULAR)?,
            bold: Face::load(BOLD)?,
        })
    }
}
