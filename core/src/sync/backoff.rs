//! Exponential back-off with full jitter: after the `n`-th failure an item waits a random time
//! in `[min, min(cap, base · 2ⁿ)]`. The delay is computed, never slept: it becomes the item's
//! `next_attempt_at` in the store, so it survives the app being killed.

use std::time::Duration;

/// The back-off schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Ceiling of the first retry's delay.
    pub base: Duration,
    /// Longest delay.
    pub cap: Duration,
    /// Shortest delay (so a failing item is never retried in the same breath).
    pub min: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(6 * 3600),
            min: Duration::from_secs(1),
        }
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Backoff {
    /// The ceiling after `attempts` earlier failures: `min(cap, base · 2^attempts)`, ms.
    pub fn ceiling_ms(&self, attempts: u32) -> i64 {
        let factor = 1i64.checked_shl(attempts.min(40)).unwrap_or(i64::MAX);
        ms(self.base)
            .saturating_mul(factor)
            .min(ms(self.cap))
            .max(ms(self.min))
    }

    /// The delay after `attempts` earlier failures, drawn with `unit`, a random number in
    /// `[0, 1)`: full jitter over `[min, ceiling]`, ms.
    pub fn delay_ms(&self, attempts: u32, unit: f64) -> i64 {
        let lo = ms(self.min);
        let hi = self.ceiling_ms(attempts);
        let span = (hi - lo).max(0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let jitter = (span as f64 * unit.clamp(0.0, 1.0)) as i64;
        lo.saturating_add(jitter.clamp(0, span))
    }
}

/// A random number in `[0, 1)` from the system's generator (0.5 if it fails).
pub fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    #[allow(clippy::cast_precision_loss)]
    let v = (u64::from_le_bytes(b) >> 11) as f64;
    v / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let b = Backoff::default();
        assert_eq!(b.ceiling_ms(0), 30_000);
        assert_eq!(b.ceiling_ms(1), 60_000);
        assert_eq!(b.ceiling_ms(3), 240_000);
        assert_eq!(b.ceiling_ms(30), 6 * 3600 * 1000);
        assert_eq!(b.ceiling_ms(u32::MAX), 6 * 3600 * 1000);
    }

    #[test]
    fn jitter_spans_min_to_ceiling() {
        let b = Backoff::default();
        assert_eq!(b.delay_ms(2, 0.0), 1_000);
        assert_eq!(b.delay_ms(2, 1.0), 120_000);
        for _ in 0..100 {
            let d = b.delay_ms(4, random_unit());
            assert!((1_000..=480_000).contains(&d));
        }
    }
}
