#!/usr/bin/env bash
# Builds PanelNotesRust.xcframework for iOS devices and simulators (arm64, and x86_64 for
# Intel simulators) with the mobile profile, and regenerates the Swift bindings. Runs on a
# Mac with Xcode and rustup; it cannot run on Linux.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
    # Only the staticlib crate type: cargo drops LTO when `lib` is built too (FACTS.md).
    cargo rustc --profile mobile -p panelnotes-ffi --target "$t" --crate-type staticlib
done
# Bindings from a host build (library mode reads the metadata of an unstripped library).
cargo build --release -p panelnotes-ffi -p uniffi-bindgen
target/release/uniffi-bindgen generate --no-format --language swift --out-dir ios/Generated target/release/libpanelnotes_ffi.dylib
mkdir -p ios/Sources/PanelNotesFFI ios/Generated/include
# One Swift file per crate (the core's records and the FFI layer), one Swift module for both,
# and one module map naming both C modules.
mv ios/Generated/*.swift ios/Sources/PanelNotesFFI/
cp ios/Generated/*.h ios/Generated/include/
cat ios/Generated/*.modulemap > ios/Generated/include/module.modulemap
mkdir -p target/ios-sim
lipo -create target/aarch64-apple-ios-sim/mobile/libpanelnotes_ffi.a target/x86_64-apple-ios/mobile/libpanelnotes_ffi.a \
    -output target/ios-sim/libpanelnotes_ffi.a
rm -rf ios/PanelNotesRust.xcframework
xcodebuild -create-xcframework \
    -library target/aarch64-apple-ios/mobile/libpanelnotes_ffi.a -headers ios/Generated/include \
    -library target/ios-sim/libpanelnotes_ffi.a -headers ios/Generated/include \
    -output ios/PanelNotesRust.xcframework
echo "ios/PanelNotesRust.xcframework is ready: swift build / swift test in ios/"
