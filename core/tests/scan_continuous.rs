//! Continuous mode: a code held in front of the camera is reported once per window.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on setup

#[path = "support/degrade.rs"]
mod degrade;

use std::time::Duration;

use degrade::Img;
use quetma_core::keys::TrustList;
use quetma_core::render::EcLevel;
use quetma_core::scan::{ContinuousScanner, LumaFrame, Scanner, ScannerConfig};

fn continuous(window_secs: u64) -> ContinuousScanner {
    let config = ScannerConfig {
        repeat_after: Duration::from_secs(window_secs),
        ..ScannerConfig::default()
    };
    ContinuousScanner::new(Scanner::new(config, TrustList::new()))
}

fn frame(img: &Img) -> LumaFrame<'_> {
    LumaFrame::packed(&img.data, img.w as u32, img.h as u32).unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn same_code_once_per_window_then_again() {
    let img = degrade::render("VENUE A", EcLevel::M, 4);
    let mut c = continuous(3);
    let mut reported = Vec::new();
    // 30 frames per second for 7 seconds.
    for i in 0..210u64 {
        let now = ms(i * 1000 / 30);
        if !c.scan(&frame(&img), now).is_empty() {
            reported.push(now);
        }
    }
    assert_eq!(reported, vec![ms(0), ms(3000), ms(6000)]);
}

#[test]
fn two_codes_both_reported() {
    let a = degrade::render("VENUE A", EcLevel::M, 4);
    let b = degrade::render("VENUE B", EcLevel::M, 4);
    let mut c = continuous(3);
    assert_eq!(c.scan(&frame(&a), ms(0))[0].text, "VENUE A");
    assert_eq!(c.scan(&frame(&b), ms(100))[0].text, "VENUE B");
    assert!(c.scan(&frame(&a), ms(200)).is_empty());
    assert!(c.scan(&frame(&b), ms(300)).is_empty());
    assert_eq!(c.remembered(), 2);
}

#[test]
fn memory_is_bounded_by_the_window() {
    let a = degrade::render("VENUE A", EcLevel::M, 4);
    let blank = Img::new(64, 64, 255);
    let mut c = continuous(3);
    assert_eq!(c.scan(&frame(&a), ms(0)).len(), 1);
    assert_eq!(c.remembered(), 1);
    assert!(c.scan(&frame(&blank), ms(2999)).is_empty());
    assert_eq!(c.remembered(), 1);
    assert!(c.scan(&frame(&blank), ms(3000)).is_empty());
    assert_eq!(c.remembered(), 0);
}

#[test]
fn clock_going_backwards_counts_as_no_time() {
    let a = degrade::render("VENUE A", EcLevel::M, 4);
    let mut c = continuous(3);
    assert_eq!(c.scan(&frame(&a), ms(10_000)).len(), 1);
    assert!(c.scan(&frame(&a), ms(5_000)).is_empty());
    c.reset();
    assert_eq!(c.scan(&frame(&a), ms(5_000)).len(), 1);
}
