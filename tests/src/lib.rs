//! Helpers shared by the end-to-end tests: the real `quetma` server ([`server`]), a
//! fault-injecting proxy in front of it ([`proxy`]), core phones ([`phone`]), camera frames of
//! posters and cards ([`images`]), the cards themselves ([`cards`]) and a JSON client for the
//! tool API ([`http`]).

pub mod cards;
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
pub fn run_suite(script: &str, name: &str, env: &[(&str, &str)]) {
    let root = repo_root();
    let path = root.join("scripts").join(script);
    let status = Command::new(&path)
        .current_dir(&root)
        .envs(env.iter().copied())
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

/// Runs a binding-test script against a real `quetma serve` (SQLite): the server is started,
/// the e2e café venue registered, and the suite gets `QUETMA_TEST_SERVER_URL`,
/// `QUETMA_TEST_PUBLIC_KEYS` (a copy of the server's `public.json` in the cargo target folder,
/// which the Swift chroot can read) and `QUETMA_TEST_POSTER` (the venue's poster text), so
/// that its sync test checks a visit in at a venue the server knows and uploads it.
pub fn run_suite_against_server(script: &str, name: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("tokio: {e}"));
    let server = runtime
        .block_on(async {
            let srv = server::TestServer::start(server::Backend::Sqlite).await?;
            let owner = srv.login(server::OWNER).await?;
            let (_, poster, _) = srv.register_venue(&owner, 9886).await?;
            anyhow::Ok((srv, poster))
        })
        .unwrap_or_else(|e| panic!("{name} suite: test server: {e:#}"));
    let (srv, poster) = server;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_absolute() {
                t
            } else {
                repo_root().join(t)
            }
        })
        .unwrap_or_else(|| repo_root().join("target"));
    let dir = target.join("e2e-binding-server");
    let keys = dir.join(format!("public-{name}.json"));
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::copy(srv.data_dir().join("keys/public.json"), &keys))
        .unwrap_or_else(|e| panic!("{name} suite: copying public.json: {e}"));
    let keys = keys.to_string_lossy().into_owned();
    run_suite(
        script,
        name,
        &[
            ("QUETMA_TEST_SERVER_URL", srv.base_url.as_str()),
            ("QUETMA_TEST_PUBLIC_KEYS", keys.as_str()),
            ("QUETMA_TEST_POSTER", poster.as_str()),
        ],
    );
    drop(srv);
}
