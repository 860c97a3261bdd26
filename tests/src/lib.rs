//! Helpers shared by the end-to-end tests: the real `quetma` server ([`server`]), a
//! fault-injecting proxy in front of it ([`proxy`]), core phones ([`phone`]), camera frames of
//! posters and cards ([`images`]) and a JSON client for the tool API ([`http`]).

pub mod http;
pub mod images;
pub mod phone;
pub mod proxy;
pub mod server;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the folder holding `scripts/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Exit status a suite script uses when its toolchain is missing.
pub const TOOLCHAIN_MISSING: i32 = 127;

/// Runs a binding-test script (`scripts/kotlin-test`, `scripts/swift-test`) with its output going
/// straight to the terminal (so `cargo test` shows the suite's own summary line even when the
/// test passes), and turns its exit status into a test result:
///
/// - 0: the suite passed;
/// - [`TOOLCHAIN_MISSING`]: fails under `CI=true` (a suite must never silently skip in CI),
///   otherwise prints a note and passes;
/// - anything else: fails.
pub fn run_suite(script: &str, name: &str) {
    let root = repo_root();
    let path = root.join("scripts").join(script);
    let status = Command::new(&path)
        .current_dir(&root)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    match status.code() {
        Some(0) => {}
        Some(TOOLCHAIN_MISSING) => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !ci,
                "{name} suite: toolchain missing under CI=true (install it in .ci/run)"
            );
            // Straight to stderr: libtest would swallow `eprintln!` of a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "{name} suite: SKIPPED locally, toolchain missing (CI would fail)"
            );
        }
        other => panic!("{name} suite failed (exit status {other:?}); see its output above"),
    }
}
