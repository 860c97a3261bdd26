//! The Swift binding tests (XCTest, Swift 6 with warnings as errors), run by `scripts/swift-test`
//! (on Linux in the Debian trixie chroot `.ci/run` makes) against a real `quetma serve` (its sync
//! test uploads a visit to it). Fails when the toolchain is missing under `CI=true`.

#[test]
fn swift_binding_suite() {
    quetma_e2e::run_suite_against_server("swift-test", "swift");
}
