//! Interop with the standard automerge-repo sync server (Node, automerge-repo 2.x): two of our
//! stores sync through it, and a JS automerge-repo client reads a candidate document our
//! store wrote, edits it, and our store sees the edit. Loopback only.
//!
//! Needs `npm install` in relay/ (scripts/test-all does it).

use std::process::Command;
use chrono::Utc;
use panelnotes_core::model::CandidateEventKind;
use panelnotes_core::sync::Grant;
use panelnotes_core::transport::relay::{sync_via_relay, RelayOptions};
use panelnotes_tests::fixture::{candidate_with_interview, shared};
use panelnotes_tests::relay::{relay_dir, start_relay};

#[test]
fn our_stores_and_a_js_client_sync_through_the_automerge_repo_server() {
    let relay = start_relay();
    let dir = tempfile::tempdir().unwrap();
    let ana = shared(dir.path(), "ana@acme");
    let (c, i) = {
        let mut s = ana.lock().unwrap();
        let (c, i) = candidate_with_interview(&mut s, &["ana@acme", "ben@acme"], Utc::now());
        s.splice_notes(i, "learn", 0, 0, "Spark 🚀 分布式").unwrap();
        (c, i)
    };
    let grant = Grant::documents([c, i]);
    let opts = RelayOptions::default();
    let up = sync_via_relay(&ana, &relay.url, grant.clone(), &opts).unwrap();
    assert!(up.bytes_out > 0);

    // Ben knows the ids (from the panel invite) and gets the documents from the relay.
    let ben = shared(dir.path(), "ben@acme");
    let down = sync_via_relay(&ben, &relay.url, grant.clone(), &opts).unwrap();
    assert_eq!(down.changed, [c, i].into_iter().collect());
    assert_eq!(ben.lock().unwrap().notes(i, "learn").unwrap(), "Spark 🚀 分布式");
    assert_eq!(ben.lock().unwrap().heads(c).unwrap(), ana.lock().unwrap().heads(c).unwrap());

    // A JS automerge-repo client reads the candidate document and edits it.
    let out = Command::new("node")
        .arg("client.mjs")
        .arg(&relay.url)
        .arg(c.url())
        .arg("hello from JS")
        .current_dir(relay_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json_lite::Seen = serde_json_lite::parse(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(seen.kind, "candidate");
    assert_eq!(seen.name, "Dana Example");

    // Our store sees the JS edit.
    sync_via_relay(&ana, &relay.url, grant, &opts).unwrap();
    let cand = ana.lock().unwrap().candidate(c).unwrap();
    let note = cand.events.iter().find(|e| e.kind == CandidateEventKind::Note).expect("the JS client's event arrived");
    assert_eq!(note.note.as_deref(), Some("hello from JS"));
    assert_eq!(note.by.as_ref().unwrap().as_str(), "js-client@acme");
    assert_eq!(ana.lock().unwrap().timeline(c).unwrap().entries.len(), 3, "applied, scheduled, and the JS note");
}

/// Just enough JSON for the client's one-line report (the tests crate has no JSON dependency).
mod serde_json_lite {
    pub struct Seen {
        pub kind: String,
        pub name: String,
    }

    fn field(s: &str, key: &str) -> String {
        let pat = format!("\"{key}\":\"");
        let start = s.find(&pat).unwrap_or_else(|| panic!("{key} missing in {s}")) + pat.len();
        s[start..].split('"').next().unwrap().to_owned()
    }

    pub fn parse(s: &str) -> Seen {
        Seen { kind: field(s, "type"), name: field(s, "name") }
    }
}
