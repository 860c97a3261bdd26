//! Crash safety: a writer process is killed (SIGKILL) while it checks in as fast as it can;
//! the store reopens consistent and holds every check-in the writer saw acknowledged.
//!
//! The writer is this same test binary, started again with `QUETMA_CRASH_WRITER` set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use quetma_core::citizen::visits::CheckInOptions;
use quetma_core::citizen::{NewProfile, Relation};
use quetma_core::keys::fixtures::{sealing_key, signing_key, trust_list};
use quetma_core::payload::venue::{self, fixtures};
use quetma_core::payload::{Scanned, classify};
use quetma_core::store::{FileKeyVault, Settings, Store, SystemClock};

const ENV: &str = "QUETMA_CRASH_WRITER";

fn open(dir: &Path) -> Store {
    let opened = Store::open(
        &dir.join("data"),
        &FileKeyVault::new(dir.join("vault")),
        Settings::default(),
        Arc::new(SystemClock),
    )
    .unwrap();
    assert!(opened.reset.is_none(), "the store had to be reset");
    opened.store
}

/// The writer: checks in at alternating venues forever, printing each acknowledged visit id.
fn writer(dir: &Path) -> ! {
    let store = open(dir);
    let me = store
        .add_profile(&NewProfile {
            relation: Relation::Owner,
            full_name: "Nguyễn Văn An".into(),
            id_number: Some("001099012345".into()),
            id_kind: None,
            phone: Some("0912345678".into()),
            birth_year: Some(1999),
        })
        .unwrap();
    let posters: Vec<_> = [fixtures::hadong_pharmacy(), fixtures::hadong_market()]
        .iter()
        .map(|info| {
            let text = venue::encode(info, &signing_key(), fixtures::BASE_URL).unwrap();
            match classify(&text, &trust_list()) {
                Scanned::Venue(p) => p,
                _ => unreachable!(),
            }
        })
        .collect();
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let visits = store
            .check_in(
                &posters[i % 2],
                std::slice::from_ref(&me.id),
                sealing_key().public(),
                CheckInOptions::default(),
            )
            .unwrap();
        writeln!(out, "{}", visits[0].id).unwrap();
        out.flush().unwrap();
    }
    unreachable!()
}

#[test]
fn killed_writer_loses_nothing_acknowledged() {
    if let Ok(dir) = std::env::var(ENV) {
        writer(Path::new(&dir));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "killed_writer_loses_nothing_acknowledged",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acked = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while acked.len() < 300 {
        match lines.next() {
            Some(Ok(line)) if line.len() == 26 => acked.push(line),
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    // SIGKILL, in the middle of the next transaction.
    child.kill().unwrap();
    child.wait().unwrap();
    // Lines written before the kill but not yet read are acknowledged too.
    for line in lines.map_while(Result::ok) {
        if line.len() == 26 {
            acked.push(line);
        }
    }
    assert!(
        acked.len() >= 300,
        "the writer acknowledged only {}",
        acked.len()
    );

    let store = open(dir.path());
    for id in &acked {
        let v = store
            .visit(id)
            .unwrap_or_else(|e| panic!("acknowledged visit lost: {e}"));
        assert!(v.started_at > 0);
    }
    // Consistent: every visit has its outbox entry, every ended visit was ended by the next
    // check-in, at most one visit is open.
    let all = store.visits_between(None, 0, i64::MAX).unwrap();
    assert!(all.len() >= acked.len());
    let pending = store.outbox_pending(100_000).unwrap();
    assert_eq!(pending.len(), all.len());
    assert!(all.iter().filter(|v| v.is_open()).count() <= 1);
}
