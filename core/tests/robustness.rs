//! Bad bytes on disk and bad fields from peers: typed errors, quarantine, and a store that
//! keeps working for everything else.

mod common;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId};
use common::*;
use panelnotes_core::model::{CandidateEventKind, CandidateProblem, LogisticsUpdate, QuarantineReason, RiskTolerance};
use panelnotes_core::{DocKind, Error, ProblemKind, Store};

/// Flips a byte inside `needle` wherever it sits in the file at `path`.
fn flip_on_disk(path: &std::path::Path, needle: &[u8]) -> usize {
    let mut file = std::fs::read(path).unwrap();
    let at = file
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the bytes are in the database file");
    let target = at + needle.len() / 2;
    file[target] ^= 0x5a;
    std::fs::write(path, file).unwrap();
    target
}

#[test]
fn a_corrupt_chunk_quarantines_its_document_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let mut s = open(&dir, "ana@acme");
    let victim = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let other = s.create_candidate(new_candidate("Eli", 10)).unwrap();
    let i = s.schedule_interview(panel_interview(other, 600)).unwrap();
    s.splice_notes(i, "learn", 0, 0, "Notes that must survive").unwrap();
    // A distinctive edit whose chunk we will damage.
    s.record_event(victim, CandidateEventKind::Note, t(30), Some("marker-7f3a9c1e-marker".into()))
        .unwrap();
    s.close().unwrap();
    // The store is checkpointed on close, so the chunk's bytes are in the main file.
    flip_on_disk(&path, b"marker-7f3a9c1e-marker");

    let mut s = open(&dir, "ana@acme");
    match s.candidate(victim) {
        Err(Error::Corrupt { id, reason }) => {
            assert_eq!(id, victim);
            assert!(!reason.is_empty());
        }
        r => panic!("expected a corrupt document, got {r:?}"),
    }
    // Reported from then on, without retrying the load.
    assert!(matches!(s.candidate(victim), Err(Error::Quarantined { .. })));
    let q = s.quarantined().unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].id, victim);
    assert_eq!(q[0].kind, DocKind::Candidate);
    assert_eq!(q[0].reason, QuarantineReason::Undecodable);

    // Everything else works: the list (with the problem shown), the other candidate, notes,
    // new edits, new documents.
    let list = s.candidates().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list.iter().find(|c| c.id == victim).unwrap().problem,
        Some(CandidateProblem::Quarantined { reason: QuarantineReason::Undecodable })
    );
    assert!(list.iter().find(|c| c.id == other).unwrap().problem.is_none());
    assert_eq!(s.notes(i, "learn").unwrap(), "Notes that must survive");
    s.splice_notes(i, "learn", 0, 0, "Still ").unwrap();
    s.record_event(other, CandidateEventKind::Acknowledged, t(40), None).unwrap();
    let fresh = s.create_candidate(new_candidate("Fay", 50)).unwrap();
    assert!(matches!(s.export_markdown(victim), Err(Error::Quarantined { .. })));
    s.close().unwrap();

    let mut s = open(&dir, "ana@acme");
    assert_eq!(s.notes(i, "learn").unwrap(), "Still Notes that must survive");
    assert_eq!(s.candidate(fresh).unwrap().name, "Fay");
    assert_eq!(s.verify().unwrap(), 0, "the quarantined document is not loaded again");
    assert_eq!(s.quarantined().unwrap().len(), 1);
}

#[test]
fn verify_finds_damage_in_documents_not_yet_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let mut s = open(&dir, "ana@acme");
    let a = s.create_candidate(new_candidate("marker-1b2c3d4e5f-name", 0)).unwrap();
    let b = s.create_candidate(new_candidate("Eli", 10)).unwrap();
    s.close().unwrap();
    // The name is in the index table too, in plain text; the document snapshot compresses
    // it, so flip a byte of the snapshot itself instead.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let snapshot: Vec<u8> = conn
        .query_row("SELECT snapshot FROM documents WHERE id = ?1", [&a.as_bytes()[..]], |r| r.get(0))
        .unwrap();
    drop(conn);
    // Bytes 4..8 are the chunk's checksum: unique to this document.
    flip_on_disk(&path, &snapshot[4..36]);
    let mut s = open(&dir, "ana@acme");
    assert_eq!(s.verify().unwrap(), 1);
    assert_eq!(s.quarantined().unwrap()[0].id, a);
    assert_eq!(s.candidate(b).unwrap().name, "Eli");
}

#[test]
fn a_file_that_is_not_a_store_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    match Store::open(&path, identity("ana@acme")) {
        Err(Error::Storage(_)) => {}
        Err(e) => panic!("expected a storage error, got {e}"),
        Ok(_) => panic!("a garbage file opened as a store"),
    }
}

#[test]
fn a_store_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    drop(open(&dir, "ana@acme"));
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path, identity("ana@acme")),
        Err(Error::StoreTooNew { found: 99, .. })
    ));
}

/// A document as a buggy or newer peer might write it.
fn peer_candidate(f: impl FnOnce(&mut AutoCommit)) -> Vec<u8> {
    let mut doc = AutoCommit::new();
    let root = ObjId::Root;
    doc.put(&root, "schema", 7i64).unwrap();
    doc.put(&root, "type", "candidate").unwrap();
    let profile = doc.put_object(&root, "profile", automerge::ObjType::Map).unwrap();
    doc.put(&profile, "name", "Gus").unwrap();
    doc.put(&profile, "role", "SRE").unwrap();
    doc.put(&root, "appliedAt", automerge::ScalarValue::Timestamp(t(0).timestamp_millis())).unwrap();
    f(&mut doc);
    doc.save()
}

#[test]
fn wrong_typed_fields_from_a_peer_are_skipped_and_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let id = panelnotes_core::DocumentId::random();
    let bytes = peer_candidate(|doc| {
        let l = doc.put_object(ObjId::Root, "logistics", automerge::ObjType::Map).unwrap();
        doc.put(&l, "noticePeriodDays", "two weeks").unwrap();
        doc.put(&l, "riskTolerance", "averse").unwrap();
    });
    s.apply_remote(id, &bytes).unwrap();
    // The document reads: the bad field is skipped, its neighbour is kept.
    let c = s.candidate(id).unwrap();
    assert_eq!(c.name, "Gus");
    assert_eq!(c.logistics.notice_period_days, None);
    assert_eq!(c.logistics.risk_tolerance, Some(RiskTolerance::Averse));
    let problems = s.problems(Some(id)).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "logistics.noticePeriodDays");
    assert_eq!(problems[0].kind, ProblemKind::InvalidValue);
    assert!(problems[0].actor.is_some(), "the op's actor names who wrote it");
    assert!(problems[0].written_at.is_some());
    // Writing the field repairs it, as an ordinary edit, and the problem goes away.
    s.set_logistics(id, LogisticsUpdate { notice_period_days: Some(14), ..Default::default() }).unwrap();
    assert_eq!(s.candidate(id).unwrap().logistics.notice_period_days, Some(14));
    assert!(s.problems(Some(id)).unwrap().is_empty());

    // Other shapes of damage: each is skipped and reported by path; the candidate still reads.
    type Damage = Box<dyn FnOnce(&mut AutoCommit)>;
    let cases: Vec<(Damage, &str)> = vec![
        (Box::new(|d| { d.put(ObjId::Root, "events", 5i64).unwrap(); }), "events"),
        (Box::new(|d| { d.put(ObjId::Root, "appliedAt", "yesterday").unwrap(); }), "appliedAt"),
        (
            Box::new(|d| {
                let l = d.put_object(ObjId::Root, "logistics", automerge::ObjType::Map).unwrap();
                let m = d.put_object(&l, "salary", automerge::ObjType::Map).unwrap();
                d.put(&m, "kind", "range").unwrap();
                d.put(&m, "min", "lots").unwrap();
            }),
            "logistics.salary.min",
        ),
    ];
    for (damage, field) in cases {
        let id = panelnotes_core::DocumentId::random();
        s.apply_remote(id, &peer_candidate(damage)).unwrap();
        assert_eq!(s.candidate(id).unwrap().name, "Gus", "{field}");
        let paths: Vec<String> = s.problems(Some(id)).unwrap().into_iter().map(|p| p.path).collect();
        assert_eq!(paths, vec![field.to_string()]);
    }
    // The candidate list shows them all.
    assert_eq!(s.candidates().unwrap().len(), 4);
}

#[test]
fn a_newer_peers_unknown_fields_survive_our_edits() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let id = panelnotes_core::DocumentId::random();
    let bytes = peer_candidate(|doc| {
        doc.put(ObjId::Root, "pronouns", "they/them").unwrap();
        let l = doc.put_object(ObjId::Root, "logistics", automerge::ObjType::Map).unwrap();
        doc.put(&l, "visa", "needs sponsorship").unwrap();
    });
    s.apply_remote(id, &bytes).unwrap();
    let c = s.candidate(id).unwrap();
    assert_eq!(c.schema_version, 7);
    assert_eq!(c.name, "Gus");
    s.set_logistics(id, LogisticsUpdate { risk_tolerance: Some(RiskTolerance::Averse), ..Default::default() })
        .unwrap();
    s.record_event(id, CandidateEventKind::Acknowledged, t(5), None).unwrap();
    let doc = AutoCommit::load(&s.document_bytes(id).unwrap()).unwrap();
    use automerge::ReadDoc;
    let (v, _) = doc.get(ObjId::Root, "pronouns").unwrap().unwrap();
    assert_eq!(v.as_str(), Some("they/them"));
    let (_, l) = doc.get(ObjId::Root, "logistics").unwrap().unwrap();
    let (v, _) = doc.get(&l, "visa").unwrap().unwrap();
    assert_eq!(v.as_str(), Some("needs sponsorship"));
    assert_eq!(s.candidates().unwrap()[0].name, "Gus");
}

#[test]
fn garbage_document_bytes_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let before = s.document_bytes(c).unwrap();
    for junk in [vec![], vec![0u8; 10], b"\x85\x6f\x4a\x83garbage".to_vec(), before[..before.len() / 2].to_vec()] {
        match s.apply_remote(c, &junk) {
            Err(Error::InvalidArgument(_)) => {}
            Ok(()) if junk.is_empty() => {}
            r => panic!("{} junk bytes: {r:?}", junk.len()),
        }
        let fresh = panelnotes_core::DocumentId::random();
        assert!(s.apply_remote(fresh, &junk).is_err());
        assert!(matches!(s.candidate(fresh), Err(Error::NotFound { .. })));
    }
    assert_eq!(s.document_bytes(c).unwrap(), before);
    assert_eq!(s.candidates().unwrap().len(), 1);
}

#[test]
fn chunks_are_compacted_into_a_snapshot_without_losing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let every_edit = panelnotes_core::StoreOptions {
        policy: panelnotes_core::CommitPolicy::every_edit(),
        offline_policy: panelnotes_core::CommitPolicy::every_edit(),
        ..Default::default()
    };
    let mut s = open_with(&dir, "ana@acme", every_edit.clone());
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    let text = "Explains the shuffle: 分布式 joins, skew, 🚀 spill to disk. ".repeat(20);
    for (n, ch) in text.chars().enumerate() {
        let pos = text.chars().take(n).map(|c| c.len_utf16() as u64).sum();
        s.splice_notes(i, "learn", pos, 0, &ch.to_string()).unwrap();
    }
    let count = |p: &std::path::Path| -> i64 {
        let conn = rusqlite::Connection::open(p).unwrap();
        conn.query_row("SELECT COUNT(*) FROM chunks", [], |r| r.get(0)).unwrap()
    };
    let before = count(&path);
    assert!(before > 1000, "one chunk per keystroke under the every-edit policy: {before}");
    s.tick().unwrap();
    let after = count(&path);
    assert!(after < 10, "the chunks outweighed the snapshot and were compacted: {after} left");
    crash(s);
    let mut s = open_with(&dir, "ana@acme", every_edit);
    assert_eq!(s.notes(i, "learn").unwrap(), text);
    assert_eq!(s.candidate(c).unwrap().interviews, vec![i]);
}

#[test]
fn strings_written_as_text_objects_by_js_peers_read_as_strings() {
    use automerge::ObjType;
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let id = panelnotes_core::DocumentId::random();
    let bytes = peer_candidate(|doc| {
        // What @automerge/automerge 3 writes for `d.profile.source = "referral"`.
        let (_, profile) = automerge::ReadDoc::get(doc, ObjId::Root, "profile").unwrap().unwrap();
        let src = doc.put_object(&profile, "source", ObjType::Text).unwrap();
        doc.splice_text(&src, 0, 0, "referral 🚀").unwrap();
        let events = doc.put_object(ObjId::Root, "events", ObjType::List).unwrap();
        let e = doc.insert_object(&events, 0, ObjType::Map).unwrap();
        let k = doc.put_object(&e, "kind", ObjType::Text).unwrap();
        doc.splice_text(&k, 0, 0, "acknowledged").unwrap();
        doc.put(&e, "at", automerge::ScalarValue::Timestamp(t(60).timestamp_millis())).unwrap();
    });
    s.apply_remote(id, &bytes).unwrap();
    let c = s.candidate(id).unwrap();
    assert_eq!(c.source.as_deref(), Some("referral 🚀"));
    assert_eq!(c.events.len(), 1);
    assert_eq!(c.events[0].kind, CandidateEventKind::Acknowledged);
}
