//! Camera frames: a borrowed luma (Y) plane with its row stride and orientation.

use thiserror::Error;

/// Largest accepted frame side, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// Largest accepted frame area, in pixels (64 Mpx: a 48 Mpx phone photo still fits).
pub const MAX_PIXELS: u64 = 64 * 1024 * 1024;

/// How the sensor image must be turned (clockwise) to be upright.
///
/// Decoding itself is orientation-free; the rotation only maps the reported corners
/// ([`FramePoint`]) into upright coordinates for the UI overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rotation {
    /// Already upright.
    #[default]
    Deg0,
    /// Turn 90° clockwise.
    Deg90,
    /// Turn 180°.
    Deg180,
    /// Turn 270° clockwise (90° counter-clockwise).
    Deg270,
}

impl Rotation {
    /// The rotation for a multiple of 90 degrees (any sign), or `None`.
    pub fn from_degrees(degrees: i32) -> Option<Self> {
        match degrees.rem_euclid(360) {
            0 => Some(Self::Deg0),
            90 => Some(Self::Deg90),
            180 => Some(Self::Deg180),
            270 => Some(Self::Deg270),
            _ => None,
        }
    }

    /// The clockwise angle in degrees.
    pub fn degrees(self) -> u16 {
        match self {
            Self::Deg0 => 0,
            Self::Deg90 => 90,
            Self::Deg180 => 180,
            Self::Deg270 => 270,
        }
    }

    /// The upright size of a `width`×`height` sensor image.
    pub fn upright_size(self, width: u32, height: u32) -> (u32, u32) {
        match self {
            Self::Deg0 | Self::Deg180 => (width, height),
            Self::Deg90 | Self::Deg270 => (height, width),
        }
    }

    /// Maps a sensor point of a `width`×`height` image to upright coordinates.
    pub fn to_upright(self, p: FramePoint, width: u32, height: u32) -> FramePoint {
        let w = i32::try_from(width).unwrap_or(i32::MAX);
        let h = i32::try_from(height).unwrap_or(i32::MAX);
        let (x, y) = (p.x, p.y);
        let (ux, uy) = match self {
            Self::Deg0 => (x, y),
            Self::Deg90 => ((h - 1).saturating_sub(y), x),
            Self::Deg180 => ((w - 1).saturating_sub(x), (h - 1).saturating_sub(y)),
            Self::Deg270 => (y, (w - 1).saturating_sub(x)),
        };
        FramePoint { x: ux, y: uy }
    }
}

/// A point in frame coordinates (pixels; may lie outside the frame for a code cut by the edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FramePoint {
    /// Column, growing to the right.
    pub x: i32,
    /// Row, growing downwards.
    pub y: i32,
}

/// Why a frame was refused.
///
/// Messages hold sizes only, never pixel data.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScanError {
    /// Width or height is zero.
    #[error("frame has a zero side ({width}x{height})")]
    ZeroSize {
        /// Given width.
        width: u32,
        /// Given height.
        height: u32,
    },
    /// The row stride is smaller than the width.
    #[error("row stride {row_stride} is smaller than the width {width}")]
    StrideTooSmall {
        /// Given width.
        width: u32,
        /// Given row stride.
        row_stride: u32,
    },
    /// The buffer cannot hold `height` rows of `row_stride` bytes (the last row may be short).
    #[error("frame buffer holds {actual} bytes, {needed} needed")]
    BufferTooShort {
        /// Bytes needed: `(height - 1) * row_stride + width`.
        needed: u64,
        /// Bytes given.
        actual: u64,
    },
    /// Larger than [`MAX_SIDE`] or [`MAX_PIXELS`].
    #[error("frame of {width}x{height} exceeds the size limit")]
    TooLarge {
        /// Given width.
        width: u32,
        /// Given height.
        height: u32,
    },
}

/// A borrowed 8-bit luma plane as a camera analyser delivers it (Android `ImageProxy`
/// plane 0, iOS `CVPixelBuffer` Y plane). Never copied by the first decoding pass.
#[derive(Debug, Clone, Copy)]
pub struct LumaFrame<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
    row_stride: u32,
    rotation: Rotation,
}

impl<'a> LumaFrame<'a> {
    /// Validates and wraps a luma plane. Padding bytes between rows are ignored.
    pub fn new(
        data: &'a [u8],
        width: u32,
        height: u32,
        row_stride: u32,
        rotation: Rotation,
    ) -> Result<Self, ScanError> {
        if width == 0 || height == 0 {
            return Err(ScanError::ZeroSize { width, height });
        }
        if width > MAX_SIDE
            || height > MAX_SIDE
            || u64::from(width) * u64::from(height) > MAX_PIXELS
        {
            return Err(ScanError::TooLarge { width, height });
        }
        if row_stride < width {
            return Err(ScanError::StrideTooSmall { width, row_stride });
        }
        let needed = u64::from(height - 1) * u64::from(row_stride) + u64::from(width);
        let actual = data.len() as u64;
        if actual < needed {
            return Err(ScanError::BufferTooShort { needed, actual });
        }
        Ok(Self {
            data,
            width,
            height,
            row_stride,
            rotation,
        })
    }

    /// A tightly packed, upright frame (`row_stride == width`).
    pub fn packed(data: &'a [u8], width: u32, height: u32) -> Result<Self, ScanError> {
        Self::new(data, width, height, width, Rotation::Deg0)
    }

    /// The same frame with another rotation.
    pub fn with_rotation(self, rotation: Rotation) -> Self {
        Self { rotation, ..self }
    }

    /// The luma bytes, padding included.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Sensor width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Sensor height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes from one row to the next.
    pub fn row_stride(&self) -> u32 {
        self.row_stride
    }

    /// How the sensor image must be turned to be upright.
    pub fn rotation(&self) -> Rotation {
        self.rotation
    }

    /// The frame as a plane in sensor orientation.
    pub(crate) fn plane(&self) -> super::ops::Plane<'a> {
        super::ops::Plane {
            data: self.data,
            width: self.width as usize,
            height: self.height as usize,
            stride: self.row_stride as usize,
        }
    }
}
