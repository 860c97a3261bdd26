//! Password-guessing throttle shared by the portal login and `POST /api/v1/session`.
//!
//! Failed logins are counted in memory under three keys, each with its own free allowance
//! and then a delay that doubles with every further failure (capped):
//!
//! | key | free failures | delay after that | stops |
//! | --- | --- | --- | --- |
//! | account + client address | 5 | 1 s, 2 s, 4 s … ≤ 15 min | guessing one account from one place |
//! | client address (any account) | 20 | 1 s, 2 s, 4 s … ≤ 15 min | one password across many accounts |
//! | account (any address) | 100 | 1 s, 2 s, 4 s … ≤ 60 s | guessing one account from many places |
//!
//! There is no hard lock: the owner of an account, from their own address, waits at most the
//! account-wide delay (a minute) however many guesses others make; an attacker's own address
//! slows to one guess per 15 minutes. While a key is delayed, the password is not even checked
//! (so the delay cannot be used to test guesses) and the answer is 429 with `Retry-After`.
//! A success clears the account + address counter. Counters are forgotten 15 minutes after
//! their last failure. Held in memory: a restart forgets them (it also costs an attacker the
//! restart), and several server processes each count their own.

use std::collections::HashMap;
use std::sync::Mutex;

/// How long a counter is kept after its last failure, ms.
pub const FORGET_AFTER_MS: i64 = 15 * 60_000;
/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Rule {
    free: u32,
    cap_ms: i64,
}

const PAIR: Rule = Rule {
    free: 5,
    cap_ms: 15 * 60_000,
};
const ADDRESS: Rule = Rule {
    free: 20,
    cap_ms: 15 * 60_000,
};
const ACCOUNT: Rule = Rule {
    free: 100,
    cap_ms: 60_000,
};

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_ms: i64,
    not_before_ms: i64,
}

/// What a new failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// Whether this failure started (or lengthened) a delay.
    pub delayed: bool,
    /// The longest delay now in force, ms from now.
    pub wait_ms: i64,
}

/// The throttle (one per process, in [`crate::state::AppState`]).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<String, Entry>>,
}

fn keys(account: &str, address: &str) -> [(String, Rule); 3] {
    let account = account.to_lowercase();
    [
        (format!("p|{account}|{address}"), PAIR),
        (format!("a|{address}"), ADDRESS),
        (format!("u|{account}"), ACCOUNT),
    ]
}

fn delay_ms(rule: Rule, failures: u32) -> i64 {
    if failures <= rule.free {
        return 0;
    }
    let doublings = (failures - rule.free - 1).min(30);
    (1000_i64 << doublings).min(rule.cap_ms)
}

impl LoginThrottle {
    /// How long `account` from `address` must still wait before a guess is checked, ms
    /// (`None`: go ahead).
    pub fn wait(&self, account: &str, address: &str, now_ms: i64) -> Option<i64> {
        let map = self.entries.lock().ok()?;
        keys(account, address)
            .iter()
            .filter_map(|(k, _)| map.get(k))
            .map(|e| e.not_before_ms.saturating_sub(now_ms))
            .filter(|w| *w > 0)
            .max()
    }

    /// Counts a failed guess.
    pub fn failed(&self, account: &str, address: &str, now_ms: i64) -> Failure {
        let Ok(mut map) = self.entries.lock() else {
            return Failure {
                delayed: false,
                wait_ms: 0,
            };
        };
        if map.len() > SWEEP_AT {
            map.retain(|_, e| now_ms.saturating_sub(e.last_ms) < FORGET_AFTER_MS);
        }
        let mut out = Failure {
            delayed: false,
            wait_ms: 0,
        };
        for (k, rule) in keys(account, address) {
            let e = map.entry(k).or_insert(Entry {
                failures: 0,
                last_ms: now_ms,
                not_before_ms: 0,
            });
            if now_ms.saturating_sub(e.last_ms) >= FORGET_AFTER_MS {
                e.failures = 0;
            }
            e.failures = e.failures.saturating_add(1);
            e.last_ms = now_ms;
            let d = delay_ms(rule, e.failures);
            if d > 0 {
                e.not_before_ms = now_ms.saturating_add(d);
                out.delayed = true;
                out.wait_ms = out.wait_ms.max(d);
            }
        }
        out
    }

    /// A successful login: the account + address counter starts again.
    pub fn succeeded(&self, account: &str, address: &str) {
        if let Ok(mut map) = self.entries.lock() {
            map.remove(&keys(account, address)[0].0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(delay_ms(PAIR, 5), 0);
        assert_eq!(delay_ms(PAIR, 6), 1000);
        assert_eq!(delay_ms(PAIR, 7), 2000);
        assert_eq!(delay_ms(PAIR, 8), 4000);
        assert_eq!(delay_ms(PAIR, 60), 15 * 60_000);
        assert_eq!(delay_ms(ACCOUNT, u32::MAX), 60_000);
    }

    #[test]
    fn one_address_does_not_delay_another() {
        let t = LoginThrottle::default();
        for i in 0..6 {
            t.failed("admin", "10.0.0.1", i);
        }
        assert!(t.wait("admin", "10.0.0.1", 10).is_some());
        assert_eq!(t.wait("admin", "10.0.0.2", 10), None);
        assert_eq!(t.wait("admin", "10.0.0.1", 10_000), None, "the delay ends");
    }
}
