//! Arbitrary bytes as a camera frame: the first bytes choose width, height, row stride,
//! rotation and an optional scan window, the rest are the pixels. The scanner must return
//! (codes or nothing), never panic or abort — rqrr's panics and zxing-cpp's C++ included:
//! rqrr's are contained, and the C++ engine must not crash on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quetma_core::keys::TrustList;
use quetma_core::scan::{LumaFrame, Pass, Rotation, ScanWindow, Scanner, ScannerConfig};

fuzz_target!(|data: &[u8]| {
    let Some((head, pixels)) = data.split_first_chunk::<9>() else {
        return;
    };
    let width = u32::from(head[0]) + 1;
    let height = u32::from(head[1]) + 1;
    let stride = width + u32::from(head[2] % 16);
    let rotation = match head[3] % 4 {
        0 => Rotation::Deg0,
        1 => Rotation::Deg90,
        2 => Rotation::Deg180,
        _ => Rotation::Deg270,
    };
    let Ok(mut frame) = LumaFrame::new(pixels, width, height, stride, rotation) else {
        return;
    };
    if head[4] & 1 == 1 {
        frame = frame.with_scan_window(ScanWindow {
            left: u32::from(head[5]),
            top: u32::from(head[6]),
            width: u32::from(head[7]),
            height: u32::from(head[8]),
        });
    }
    // The camera's whole cascade (the default one plus rqrr) on every frame, with or without
    // the finder gate and early exit: every engine and pre-processing step sees every input.
    let config = ScannerConfig {
        passes: Pass::CAMERA_CASCADE.to_vec(),
        early_exit: head[4] & 2 == 0,
        fallback_needs_finder: head[4] & 4 == 0,
        ..ScannerConfig::default()
    };
    let mut scanner = Scanner::new(config, TrustList::new());
    let _ = scanner.scan(&frame);
});
