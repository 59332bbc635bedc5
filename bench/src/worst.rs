//! The worst-case document: the panel's interview with 260,000 single-character changes in
//! its notes (one keystroke, one change, for hours: what a naive client writes). Loading it
//! is timed in a fresh process per measurement, so its peak RSS is the load's own.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, LoadOptions, ObjType, ReadDoc, TextEncoding};
use panelnotes_core::{DocumentId, ManualClock, Store};
use serde_json::{json, Value};

use crate::fixture::{self, Paths};
use crate::stats::{self, ms};

pub fn path(paths: &Paths) -> std::path::PathBuf {
    paths.0.join("fixtures/worst.automerge")
}

fn load(bytes: &[u8]) -> AutoCommit {
    AutoCommit::load_with_options(bytes, LoadOptions::new().text_encoding(TextEncoding::Utf16CodeUnit)).unwrap()
}

/// Writes the document: the interview as scheduled, then `changes` changes of one character
/// each appended to the `learn` notes.
pub fn generate(paths: &Paths, changes: usize) -> Value {
    let t = Instant::now();
    let mut doc = load(&std::fs::read(paths.initial_interview()).unwrap());
    let notes = match doc.get(automerge::ROOT, "notes").unwrap() {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        _ => panic!("the interview has no notes map"),
    };
    let learn = doc.get(&notes, "learn").unwrap().unwrap().1;
    let alphabet: Vec<char> = "the candidate explained why ".chars().collect();
    for i in 0..changes {
        doc.splice_text(&learn, i, 0, &alphabet[i % alphabet.len()].to_string()).unwrap();
        doc.commit();
    }
    let bytes = doc.save();
    std::fs::write(path(paths), &bytes).unwrap();
    json!({ "changes": changes, "bytes": bytes.len(), "generate_s": t.elapsed().as_secs_f64() })
}

/// The child: one way of loading, once. `raw` is automerge's own load; `store` receives the
/// document from a peer into an empty store, then reopens the store and decodes it again.
pub fn child(mode: &str, file: &Path, interview: DocumentId) {
    let bytes = std::fs::read(file).unwrap();
    let before = stats::current_rss();
    let out = match mode {
        "raw" => {
            let t = Instant::now();
            let mut doc = load(&bytes);
            let e = t.elapsed();
            json!({ "load_ms": ms(e), "changes": doc.get_changes(&[]).len() })
        }
        "store" => {
            let dir = tempfile::tempdir().unwrap();
            let clock = ManualClock::default();
            let mut s = fixture::open_phone(dir.path(), 1, &clock);
            let t = Instant::now();
            s.apply_remote(interview, &bytes).unwrap();
            let receive = t.elapsed();
            s.close().unwrap();
            let t = Instant::now();
            let mut s: Store = fixture::open_phone(dir.path(), 1, &clock);
            s.preload(interview).unwrap();
            let reopen = t.elapsed();
            json!({ "receive_ms": ms(receive), "reopen_preload_ms": ms(reopen) })
        }
        m => panic!("unknown mode {m}"),
    };
    let mut out = out;
    out["peak_rss"] = json!(stats::peak_rss());
    out["rss_before"] = json!(before);
    println!("{out}");
}

/// Each way of loading in `runs` fresh processes; medians.
pub fn run(paths: &Paths, runs: usize) -> Value {
    let ids = fixture::read_ids(paths);
    let exe = std::env::current_exe().unwrap();
    let mut result = json!({});
    for mode in ["raw", "store"] {
        let outs: Vec<Value> = (0..runs)
            .map(|_| {
                let o = Command::new(&exe)
                    .args(["load-child", mode, path(paths).to_str().unwrap(), &ids.interview.to_string()])
                    .output()
                    .unwrap();
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                serde_json::from_slice(&o.stdout).unwrap()
            })
            .collect();
        let mut m = json!({});
        for key in outs[0].as_object().unwrap().keys() {
            let v: Vec<f64> = outs.iter().filter_map(|o| o[key].as_f64()).collect();
            m[key] = json!(stats::median_f64(&v));
        }
        result[mode] = m;
    }
    result
}
