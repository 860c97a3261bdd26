//! Arbitrary bytes as a camera frame: the first bytes choose width, height, row stride and
//! rotation, the rest are the pixels. The scanner must return (codes or nothing), never panic
//! or abort — rqrr's own panics included, which the scanner contains.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quetma_core::keys::TrustList;
use quetma_core::scan::{LumaFrame, Rotation, Scanner, ScannerConfig};

fuzz_target!(|data: &[u8]| {
    let Some((head, pixels)) = data.split_first_chunk::<5>() else {
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
    let Ok(frame) = LumaFrame::new(pixels, width, height, stride, rotation) else {
        return;
    };
    let mut scanner = Scanner::new(ScannerConfig::default(), TrustList::new());
    let _ = scanner.scan(&frame);
});
