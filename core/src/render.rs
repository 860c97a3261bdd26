//! QR codes at a true physical size (being written).
