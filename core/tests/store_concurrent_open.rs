//! Stores opened by many threads at once, as the first SQLite use of a fresh process: SQLCipher's
//! one-time set-up runs after SQLite calls itself initialised, so an unserialised second opener
//! could find the codec not ready and `PRAGMA key` failed (seen once in CI). Its own test binary
//! so that nothing else in the process touches SQLite first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Barrier};

use quetma_core::store::{ManualClock, MemoryKeyVault, Settings, Store};

#[test]
fn concurrent_first_opens_all_succeed() {
    const THREADS: usize = 8;
    const OPENS: usize = 4;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                for _ in 0..OPENS {
                    let dir = tempfile::tempdir().unwrap();
                    let clock = Arc::new(ManualClock::new(1_789_948_800_000));
                    let opened = Store::open(
                        dir.path(),
                        &MemoryKeyVault::new(),
                        Settings::default(),
                        clock,
                    )
                    .map_err(|e| e.to_string());
                    let opened = opened.unwrap();
                    assert!(opened.reset.is_none(), "a fresh store needs no reset");
                    // The store works: a profile goes in and comes back.
                    assert!(opened.store.profiles().unwrap().is_empty());
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
