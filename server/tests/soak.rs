//! A 20-second `quetma bench soak` per backend: simulated phones and scanners against a live
//! `quetma serve`, killed (SIGKILL) at half time and started again; every acknowledged item
//! must be stored exactly once with its last body. The 10-minute run is a command, not a test
//! (server/README.md, Benchmark).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

#[tokio::test(flavor = "multi_thread")]
async fn soak_with_a_kill_stores_every_acknowledged_item_once() {
    let dir = tempfile::tempdir().unwrap();
    for (name, url) in common::backends("soak").await {
        // The server is another process: SQLite needs a file, not memory.
        let url = if name == "sqlite" {
            format!("sqlite://{}", dir.path().join("soak.db").display())
        } else {
            url
        };
        let out = Command::new(env!("CARGO_BIN_EXE_quetma"))
            .args(["bench", "soak", "--minutes", "0.34", "--phones", "40"])
            .args(["--scanners", "4", "--rate", "60", "--restart", "kill"])
            .args(["--database-url", &url])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("{name}:\n{stdout}");
        assert!(out.status.success(), "{name}: {stdout}\n{stderr}");
        assert!(
            stdout.contains("started again"),
            "{name}: no restart\n{stdout}"
        );
        assert!(
            stdout.contains(
                "missing 0, doubled 0, stale body 0, not acknowledged or cancelled but stored 0"
            ),
            "{name}: {stdout}"
        );
        assert!(stdout.contains("soak: OK"), "{name}: {stdout}");
    }
}
