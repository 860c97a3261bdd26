#!/usr/bin/env bash
# macOS only: builds quetma-ffi for iOS devices and simulators, generates the Swift bindings, and
# assembles ios/build/QuetMaCoreFFI.xcframework, which ios/Package.swift then uses as a binary
# target (in place of the Linux system-library target).
#
#   scripts/build-xcframework.sh [--debug]
#
# Needs Xcode, rustup targets aarch64-apple-ios, aarch64-apple-ios-sim, x86_64-apple-ios.
# SQLCipher uses CommonCrypto on Apple targets: no OPENSSL_* variable may leak into the build.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd -P)"
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework: needs macOS and Xcode" >&2; exit 1; }

profile=release
flag=(--release)
if [ "${1:-}" = --debug ]; then profile=debug; flag=(); fi
TARGET="${CARGO_TARGET_DIR:-$repo/target}"
out="$repo/ios/build"
unset OPENSSL_DIR OPENSSL_LIB_DIR OPENSSL_INCLUDE_DIR

for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  rustup target add "$t" >/dev/null
  cargo build "${flag[@]}" --locked -p quetma-ffi --lib --target "$t"
done

# One fat simulator library (Apple silicon + Intel).
mkdir -p "$out/sim"
lipo -create \
  "$TARGET/aarch64-apple-ios-sim/$profile/libquetma_ffi.a" \
  "$TARGET/x86_64-apple-ios/$profile/libquetma_ffi.a" \
  -output "$out/sim/libquetma_ffi.a"

# Bindings from the host library (same code, so the same interface).
cargo build --locked -p quetma-ffi -p uniffi-bindgen
gen="$out/generated"
rm -rf "$gen"
"$TARGET/debug/uniffi-bindgen" generate --library "$TARGET/debug/libquetma_ffi.dylib" \
  --language swift --no-format --out-dir "$gen"

# Headers folder: the C header plus one module map named module.modulemap.
headers="$out/headers"
rm -rf "$headers"
mkdir -p "$headers"
cp "$gen/QuetMaCoreFFI.h" "$gen/QuetMaFlowsFFI.h" "$headers/"
# Two uniffi components in one library: the façade and the app's screen flows.
cat >"$headers/module.modulemap" <<'EOF'
module QuetMaCoreFFI {
    header "QuetMaCoreFFI.h"
    export *
}
module QuetMaFlowsFFI {
    header "QuetMaFlowsFFI.h"
    export *
}
EOF

rm -rf "$out/QuetMaCoreFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$TARGET/aarch64-apple-ios/$profile/libquetma_ffi.a" -headers "$headers" \
  -library "$out/sim/libquetma_ffi.a" -headers "$headers" \
  -output "$out/QuetMaCoreFFI.xcframework"

mkdir -p ios/Sources/QuetMaCore ios/Sources/QuetMaFlows
cp "$gen/QuetMaCore.swift" ios/Sources/QuetMaCore/QuetMaCore.swift
cp "$gen/QuetMaFlows.swift" ios/Sources/QuetMaFlows/QuetMaFlows.swift
# The façade's Swift uses the flows' types (uniffi leaves the import to the package).
sed -i '' 's/^import Foundation$/import Foundation\
import QuetMaFlows/' ios/Sources/QuetMaCore/QuetMaCore.swift
echo "build-xcframework: ios/build/QuetMaCoreFFI.xcframework, ios/Sources/QuetMaCore and QuetMaFlows ready"
