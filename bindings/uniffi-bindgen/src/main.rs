//! `cargo run -p uniffi-bindgen -- generate --library target/debug/libquetma_ffi.so ...`
//! (see `scripts/gen-bindings`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
