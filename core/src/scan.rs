//! Decoding QR codes from camera frames and image files (being written).
