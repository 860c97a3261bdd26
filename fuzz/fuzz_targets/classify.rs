//! Any text a camera or a keyboard-wedge scanner can produce goes through `classify`: it must
//! return a typed answer, never panic. This covers the venue, personal, CCCD, BHYT and national
//! QR parsers at once, since `classify` tries each.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quetma_core::keys::fixtures::trust_list;
use quetma_core::payload::classify;

fuzz_target!(|data: &[u8]| {
    let trust = trust_list();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = classify(text, &trust);
        // The same bytes behind our prefixes, to reach past the cheap format checks.
        let _ = classify(&format!("HTTPS://QR.HADONG.GOV.VN/V/{text}"), &trust);
        let _ = classify(&format!("QM1:{text}"), &trust);
    }
    let lossy = String::from_utf8_lossy(data);
    let _ = classify(&lossy, &trust);
});
