//! Every input the fuzz campaigns kept (`fuzz/corpus/<target>/`), replayed on stable Rust in
//! every test run, so a crash a campaign found and we fixed stays fixed.

use std::path::PathBuf;

use panelnotes_tests::fuzz::TARGETS;

#[test]
fn every_kept_fuzz_input_replays_without_a_panic() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut replayed = 0;
    for (name, body) in TARGETS {
        let dir = root.join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            body(&std::fs::read(&f).unwrap());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} inputs");
    assert!(replayed >= TARGETS.len(), "the corpus is missing: {}", root.display());
}
