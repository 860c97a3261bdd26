//! The Kotlin binding tests (JUnit 5 on the JVM through JNA), run by `scripts/kotlin-test`
//! against a real `quetma serve` (its sync test uploads a visit to it).
//! Fails when the toolchain is missing under `CI=true`.

#[test]
fn kotlin_binding_suite() {
    quetma_e2e::run_suite_against_server("kotlin-test", "kotlin");
}
