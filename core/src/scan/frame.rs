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

    /// Maps an upright point of a `width`×`height` sensor image back to sensor coordinates
    /// (the inverse of [`Rotation::to_upright`]).
    pub fn to_sensor(self, p: FramePoint, width: u32, height: u32) -> FramePoint {
        let w = i32::try_from(width).unwrap_or(i32::MAX);
        let h = i32::try_from(height).unwrap_or(i32::MAX);
        let (ux, uy) = (p.x, p.y);
        let (x, y) = match self {
            Self::Deg0 => (ux, uy),
            Self::Deg90 => (uy, (h - 1).saturating_sub(ux)),
            Self::Deg180 => ((w - 1).saturating_sub(ux), (h - 1).saturating_sub(uy)),
            Self::Deg270 => ((w - 1).saturating_sub(uy), ux),
        };
        FramePoint { x, y }
    }
}

/// A scan window (the viewfinder rectangle the shell draws), in upright frame pixels: only
/// this part of the frame is searched. Clamped to the frame; an empty intersection searches
/// the whole frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ScanWindow {
    /// Left edge, upright coordinates.
    pub left: u32,
    /// Top edge, upright coordinates.
    pub top: u32,
    /// Width in upright pixels.
    pub width: u32,
    /// Height in upright pixels.
    pub height: u32,
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
    /// The scan window in sensor coordinates: left, top, width, height.
    window: Option<[u32; 4]>,
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
            window: None,
        })
    }

    /// A tightly packed, upright frame (`row_stride == width`).
    pub fn packed(data: &'a [u8], width: u32, height: u32) -> Result<Self, ScanError> {
        Self::new(data, width, height, width, Rotation::Deg0)
    }

    /// The same frame with another rotation (set it before [`LumaFrame::with_scan_window`]:
    /// the window is kept in sensor coordinates).
    pub fn with_rotation(self, rotation: Rotation) -> Self {
        Self { rotation, ..self }
    }

    /// The same frame searched only inside `window` (upright coordinates, clamped to the
    /// frame; a window outside the frame or of zero size leaves the whole frame). Reported
    /// corners stay in whole-frame coordinates.
    pub fn with_scan_window(self, window: ScanWindow) -> Self {
        let (uw, uh) = self.rotation.upright_size(self.width, self.height);
        let left = window.left.min(uw);
        let top = window.top.min(uh);
        let right = window.left.saturating_add(window.width).min(uw);
        let bottom = window.top.saturating_add(window.height).min(uh);
        if right <= left || bottom <= top {
            return Self {
                window: None,
                ..self
            };
        }
        let to_i = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        let a = self.rotation.to_sensor(
            FramePoint {
                x: to_i(left),
                y: to_i(top),
            },
            self.width,
            self.height,
        );
        let b = self.rotation.to_sensor(
            FramePoint {
                x: to_i(right - 1),
                y: to_i(bottom - 1),
            },
            self.width,
            self.height,
        );
        let to_u = |v: i32| u32::try_from(v.max(0)).unwrap_or(0);
        let (x0, x1) = (to_u(a.x.min(b.x)), to_u(a.x.max(b.x)));
        let (y0, y1) = (to_u(a.y.min(b.y)), to_u(a.y.max(b.y)));
        let x1 = x1.min(self.width - 1);
        let y1 = y1.min(self.height - 1);
        Self {
            window: Some([x0, y0, x1 - x0.min(x1) + 1, y1 - y0.min(y1) + 1]),
            ..self
        }
    }

    /// The scan window in sensor coordinates (left, top, width, height), if one is set.
    pub fn scan_window(&self) -> Option<[u32; 4]> {
        self.window
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

    /// The part of the frame to search (the scan window, or all of it) and its offset in
    /// sensor coordinates.
    pub(crate) fn window_plane(&self) -> (super::ops::Plane<'a>, (i32, i32)) {
        let Some([x, y, w, h]) = self.window else {
            return (self.plane(), (0, 0));
        };
        let start = y as usize * self.row_stride as usize + x as usize;
        match self.data.get(start..) {
            Some(data) => (
                super::ops::Plane {
                    data,
                    width: w as usize,
                    height: h as usize,
                    stride: self.row_stride as usize,
                },
                (
                    i32::try_from(x).unwrap_or(i32::MAX),
                    i32::try_from(y).unwrap_or(i32::MAX),
                ),
            ),
            None => (self.plane(), (0, 0)),
        }
    }
}
