//! Continuous (camera) mode: the same code held in front of the camera is reported once per
//! window, not once per frame.

use std::collections::HashMap;
use std::time::Duration;

use super::frame::LumaFrame;
use super::scanner::{ScanResult, Scanner};

/// At most this many texts are remembered; past it the oldest are forgotten first.
pub const MAX_REMEMBERED: usize = 256;

/// Wraps a [`Scanner`] and reports a text at most once per
/// [`ScannerConfig::repeat_after`](super::ScannerConfig::repeat_after).
///
/// Time is passed in (`now`, a [`Duration`] since any fixed epoch, e.g. a monotonic clock's
/// start), so the behaviour is testable. Memory is bounded: texts last reported a window ago
/// or more are forgotten, and at most [`MAX_REMEMBERED`] are kept.
#[derive(Debug)]
pub struct ContinuousScanner {
    scanner: Scanner,
    last_reported: HashMap<String, Duration>,
}

impl ContinuousScanner {
    /// Wraps a scanner.
    pub fn new(scanner: Scanner) -> Self {
        Self {
            scanner,
            last_reported: HashMap::new(),
        }
    }

    /// The wrapped scanner.
    pub fn scanner(&self) -> &Scanner {
        &self.scanner
    }

    /// The wrapped scanner, mutably (e.g. to replace its trust list).
    pub fn scanner_mut(&mut self) -> &mut Scanner {
        &mut self.scanner
    }

    /// How many texts are remembered now.
    pub fn remembered(&self) -> usize {
        self.last_reported.len()
    }

    /// Forgets every text, so the next sighting of any code is reported.
    pub fn reset(&mut self) {
        self.last_reported.clear();
    }

    /// Scans a frame taken at `now` and returns the codes not reported within the window.
    /// A clock that goes backwards counts as no time passing.
    pub fn scan(&mut self, frame: &LumaFrame<'_>, now: Duration) -> Vec<ScanResult> {
        let window = self.scanner.config().repeat_after;
        self.last_reported
            .retain(|_, &mut at| now.saturating_sub(at) < window);
        let mut fresh = self.scanner.scan(frame);
        fresh.retain(|r| !self.last_reported.contains_key(&r.text));
        for r in &fresh {
            if self.last_reported.len() >= MAX_REMEMBERED
                && let Some(oldest) = self
                    .last_reported
                    .iter()
                    .min_by_key(|(_, at)| **at)
                    .map(|(t, _)| t.clone())
            {
                self.last_reported.remove(&oldest);
            }
            self.last_reported.insert(r.text.clone(), now);
        }
        fresh
    }
}
