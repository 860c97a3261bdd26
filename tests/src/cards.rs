//! Identity cards the end-to-end tests scan (fictitious citizens; the layouts of core's
//! `payload/cccd.rs` and `payload/bhyt.rs` fixtures).

/// A CCCD card QR.
pub const CCCD_TEXT: &str = "048088000777|201234567|Lê Văn Cường|28021988|Nam|Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng|01072021";
/// The name on [`CCCD_TEXT`].
pub const CCCD_NAME: &str = "Lê Văn Cường";
