//! The core's layers (ARCHITECTURE.md): dependencies point down only, with no cycles between
//! top-level modules. Read from the sources, so a new `use` that points up fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each module and the modules below it that it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("services", &["store", "model", "timeline", "notes_diff", "text", "trust", "sync", "clock"]),
    ("transport", &["sync", "trust", "store", "model", "clock", "guard"]),
    ("sync", &["trust", "store", "model", "guard", "clock"]),
    ("trust", &["store", "model", "clock"]),
    ("store", &["model", "timeline", "guard", "text", "clock"]),
    ("timeline", &["model"]),
    ("model", &[]),
];
/// Leaf helpers anyone may use.
const SHARED: &[&str] = &["error", "ids", "text", "clock", "keys"];

fn uses(dir: &Path, module: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let root = dir.join(module);
    let files: Vec<_> = if root.is_dir() {
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "rs")).collect()
    } else {
        vec![dir.join(format!("{module}.rs"))]
    };
    for file in files {
        let src = std::fs::read_to_string(&file).unwrap();
        for (i, _) in src.match_indices("crate::") {
            let name: String = src[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            // `crate::Store` and friends are the root's re-exports of the store.
            let name = if name.chars().next().is_some_and(char::is_uppercase) { "store".to_string() } else { name };
            if name != module && !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn core_modules_only_depend_downwards() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for (module, below) in &allowed {
        for used in uses(&src, module) {
            if !below.contains(&used.as_str()) && !SHARED.contains(&used.as_str()) {
                wrong.push(format!("{module} uses {used}"));
            }
        }
    }
    assert!(wrong.is_empty(), "layer violations: {wrong:?}");
}
