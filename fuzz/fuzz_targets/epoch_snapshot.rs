#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| panelnotes_tests::fuzz::epoch_snapshot(data));
