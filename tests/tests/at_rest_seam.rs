//! The storage seam: every snapshot and chunk passes through the store's `AtRest` both ways,
//! and bytes it did not make are a typed error when read, not a crash.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use panelnotes_core::store::at_rest::AtRest;
use panelnotes_core::{DocumentId, Error, Store, StoreOptions};
use panelnotes_tests::fixture;

/// A stand-in for a cipher: a marker and the bytes reversed, so stored bytes differ from what
/// Automerge wrote and opening checks the marker.
struct Reversed;

impl AtRest for Reversed {
    fn seal(&self, _: DocumentId, mut plain: Vec<u8>) -> Vec<u8> {
        plain.reverse();
        plain.extend_from_slice(b"SEALED");
        plain
    }

    fn open(&self, id: DocumentId, mut stored: Vec<u8>) -> panelnotes_core::Result<Vec<u8>> {
        if !stored.ends_with(b"SEALED") {
            return Err(Error::Corrupt { id, reason: "not sealed by this store".into() });
        }
        stored.truncate(stored.len() - 6);
        stored.reverse();
        Ok(stored)
    }
}

fn open(path: &std::path::Path) -> Store {
    let options = StoreOptions { at_rest: Arc::new(Reversed), ..Default::default() };
    Store::open_with(path, fixture::identity("ana@acme"), options).unwrap()
}

#[test]
fn snapshots_and_chunks_go_through_the_seam_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ana.sqlite3");
    let mut s = open(&path);
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (_, i) = fixture::candidate_with_interview(&mut s, &["ana@acme"], t0);
    s.replace_notes(i, "learn", "Ran Spark on two hundred nodes").unwrap();
    s.close().unwrap();

    let raw = rusqlite::Connection::open(&path).unwrap();
    let mut blobs: Vec<Vec<u8>> = raw.prepare("SELECT snapshot FROM documents").unwrap()
        .query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    blobs.extend(raw.prepare("SELECT bytes FROM chunks").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap));
    assert!(blobs.len() >= 3);
    assert!(blobs.iter().all(|b| b.ends_with(b"SEALED")), "every stored blob went through seal");

    let mut s = open(&path);
    assert_eq!(s.notes(i, "learn").unwrap(), "Ran Spark on two hundred nodes");
    s.close().unwrap();

    // A store opened without the seam reads sealed bytes as damage: quarantined, typed.
    let mut plain = Store::open(&path, fixture::identity("ana@acme")).unwrap();
    assert!(matches!(plain.notes(i, "learn"), Err(Error::Corrupt { .. }) | Err(Error::Quarantined { .. })));
}

#[test]
fn a_scorecard_draft_goes_through_the_seam_too() {
    use panelnotes_core::model::{Ratings, Recommendation, ScorecardDraft};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ana.sqlite3");
    let mut s = open(&path);
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (_, i) = fixture::candidate_with_interview(&mut s, &["ana@acme"], t0);
    let draft = ScorecardDraft {
        ratings: Ratings { technical_depth: Some(3), ..Default::default() },
        recommendation: Some(Recommendation::Yes),
        comments: "MARKER-draft-comment".into(),
    };
    s.save_scorecard_draft(i, draft.clone()).unwrap();
    s.close().unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    let stored: Vec<u8> = raw.query_row("SELECT draft FROM scorecard_drafts", [], |r| r.get(0)).unwrap();
    assert!(stored.ends_with(b"SEALED"), "the draft went through seal");
    let mut s = open(&path);
    assert_eq!(s.scorecard_draft(i).unwrap(), Some(draft));
}
