//! Twenty phones re-sync a whole store: each starts empty (a new or reinstalled phone) and
//! takes every document of a store from the lead in a star, all in one process as the Node
//! side runs its repos. Then the same phones reconnect with nothing new, which is what every
//! later meeting costs. The store is the first BENCH_RESYNC_CANDIDATES (25) candidates of the
//! lead's with their interviews and the panel's two documents: all 500 would take our sync
//! engine several minutes and automerge-repo far longer (20 phones and 50 candidates took
//! ours 39 s and automerge-repo 315 s), more than the whole run may take.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use panelnotes_core::sync::Grant;
use panelnotes_core::{DocumentId, Identity, InterviewerId, ManualClock, Store};
use serde_json::{json, Value};

use crate::fixture::{self, Paths};
use crate::net::{lock, settle, Link, Phone};
use crate::stats::{self, ms};

/// Every document of a store: candidates (the first `limit`), their interviews, and the
/// panel's two.
pub fn all_documents(store: &Store, panel: &[DocumentId], limit: usize) -> Vec<DocumentId> {
    let mut ids = Vec::new();
    for c in store.candidates().unwrap().into_iter().take(limit) {
        ids.push(c.id);
        ids.extend(store.timeline(c.id).unwrap().interviews.iter().map(|i| i.id));
    }
    for id in panel {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    ids
}

/// The documents of the re-sync, as the export listed them for both sides.
fn resync_documents(paths: &Paths) -> (Vec<DocumentId>, u64) {
    let index: Value = serde_json::from_str(&std::fs::read_to_string(paths.0.join("fixtures/store-docs/index.json")).unwrap()).unwrap();
    let ids = index["resync"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().parse().unwrap()).collect();
    (ids, index["resync_candidates"].as_u64().unwrap())
}

pub fn run(paths: &Paths, members: usize) -> Value {
    let (docs, candidates) = resync_documents(paths);
    let dir = paths.scratch("resync");
    std::fs::copy(paths.panel().join("0.sqlite3"), dir.join("0.sqlite3")).unwrap();
    let clock = ManualClock::default();
    let hub = fixture::open_phone(&dir, 0, &clock);
    let mut phones: Vec<Phone> = vec![Arc::new(Mutex::new(hub))];
    for m in 0..members {
        let who = format!("panelist{m}@acme");
        let s = Store::open_with(
            dir.join(format!("m{m}.sqlite3")),
            Identity { id: InterviewerId::new(&who).unwrap(), display_name: who.clone() },
            fixture::options(&clock, 3000 + m as u64),
        )
        .unwrap();
        phones.push(Arc::new(Mutex::new(s)));
    }
    let grant = Grant::documents(docs.iter().copied());
    let mut links: Vec<Link> = (1..=members).map(|p| Link::connect(&phones, p, 0, &grant)).collect();
    let t = Instant::now();
    let (rounds, bytes) = settle(&phones, &mut links);
    let fresh_ms = ms(t.elapsed());
    for p in &phones[1..] {
        let s = lock(p);
        let missing = docs.iter().filter(|d| !s.has_document(**d).unwrap()).count();
        assert_eq!(missing, 0, "a phone lacks {missing} documents after the re-sync");
    }
    let received: Vec<u64> = links.iter().map(|l| l.ca.stats().bytes_in).collect();
    for l in links.iter_mut() {
        l.close(&phones);
    }
    // The same phones meet again with nothing new: persisted sync state should make this cheap.
    let mut again: Vec<Link> = (1..=members).map(|p| Link::connect(&phones, p, 0, &grant)).collect();
    let t = Instant::now();
    let (rounds_again, bytes_again) = settle(&phones, &mut again);
    let again_ms = ms(t.elapsed());
    drop(again);
    drop(links);
    drop(phones);
    let _ = std::fs::remove_dir_all(&dir);
    json!({
        "phones": members,
        "documents": docs.len(),
        "candidates": candidates,
        "fresh": {
            "time_ms": fresh_ms,
            "rounds": rounds,
            "bytes": bytes,
            "per_phone_received_median": stats::median_f64(&received.iter().map(|b| *b as f64).collect::<Vec<_>>()),
        },
        "reconnect": { "time_ms": again_ms, "rounds": rounds_again, "bytes": bytes_again },
    })
}

/// The lead's documents as files for the Node side, which imports them into its own repo:
/// `<id>.automerge` each, and `index.json` listing (id, kind).
pub fn export(paths: &Paths) {
    let ids = fixture::read_ids(paths);
    let out = paths.0.join("fixtures/store-docs");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let dir = paths.scratch("export");
    std::fs::copy(paths.panel().join("0.sqlite3"), dir.join("0.sqlite3")).unwrap();
    let clock = ManualClock::default();
    let mut hub = fixture::open_phone(&dir, 0, &clock);
    let candidates: Vec<DocumentId> = hub.candidates().unwrap().iter().map(|c| c.id).collect();
    let panel = [ids.panel_candidate, ids.interview];
    let docs = all_documents(&hub, &panel, usize::MAX);
    let resync_candidates = crate::stats::env_usize("BENCH_RESYNC_CANDIDATES", 25);
    let resync: Vec<String> = all_documents(&hub, &panel, resync_candidates).iter().map(|d| d.to_string()).collect();
    let mut index = Vec::new();
    for id in docs {
        std::fs::write(out.join(format!("{id}.automerge")), hub.document_bytes(id).unwrap()).unwrap();
        let kind = if candidates.contains(&id) { "candidate" } else { "interview" };
        index.push(json!({ "id": id.to_string(), "kind": kind }));
    }
    let me = fixture::who(0).id.as_str().to_owned();
    std::fs::write(
        out.join("index.json"),
        json!({
            "me": me,
            "some_candidate": ids.some_candidate.to_string(),
            "docs": index,
            "resync": resync,
            "resync_candidates": resync_candidates,
        })
        .to_string(),
    )
    .unwrap();
    drop(hub);
    let _ = std::fs::remove_dir_all(&dir);
}
