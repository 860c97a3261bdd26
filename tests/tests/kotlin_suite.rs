//! The Kotlin binding tests (JUnit 5 on the JVM through JNA), run by `scripts/kotlin-test`.
//! Fails when the toolchain is missing under `CI=true`.

#[test]
fn kotlin_binding_suite() {
    quetma_e2e::run_suite("kotlin-test", "kotlin");
}
