//! A keystroke never waits for a decode: after reopening, keystrokes are checked against the
//! index text and logged; a decode made off the writer is handed back and the keystrokes
//! typed meanwhile are applied; nothing typed is lost, whatever arrives from peers meanwhile.

use chrono::{TimeZone, Utc};
use panelnotes_core::sync::Grant;
use panelnotes_core::text::utf16_len;
use panelnotes_core::{DocumentId, Error, Store};
use panelnotes_tests::fixture;
use panelnotes_tests::net::{settle, Link};

fn type_at_end(s: &mut Store, i: DocumentId, stage: &str, text: &str) {
    for ch in text.chars() {
        let end = utf16_len(&s.interview_view(i).unwrap().notes.iter().find(|(k, _)| k == stage).unwrap().1);
        s.splice_notes(i, stage, end, 0, &ch.to_string()).unwrap();
    }
}

fn reopen(dir: &tempfile::TempDir, who: &str, s: Store) -> Store {
    s.close().unwrap();
    fixture::phone(dir.path(), who)
}

fn setup(dir: &tempfile::TempDir) -> (Store, DocumentId) {
    let mut s = fixture::phone(dir.path(), "ana@acme");
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (_, i) = fixture::candidate_with_interview(&mut s, &["ana@acme", "ben@acme"], t0);
    type_at_end(&mut s, i, "learn", "Spark 🚀 on 200 nodes.");
    (s, i)
}

#[test]
fn keystrokes_after_reopening_are_durable_before_any_decode_and_land_where_typed() {
    let dir = tempfile::tempdir().unwrap();
    let (s, i) = setup(&dir);
    let mut s = reopen(&dir, "ana@acme", s);
    // Checked against the index text: an emoji is two UTF-16 units, so 6 is inside it.
    assert!(matches!(s.splice_notes(i, "learn", 7, 0, "x"), Err(Error::SplitCharacter { position: 7 })));
    assert!(matches!(s.splice_notes(i, "nope", 0, 0, "x"), Err(Error::NotFound { kind: "stage", .. })));
    assert!(matches!(s.splice_notes(i, "learn", 1_000, 0, "x"), Err(Error::OutOfRange { .. })));
    s.splice_notes(i, "learn", 0, 0, "Used ").unwrap();
    s.splice_notes(i, "learn", 13, 1, "").unwrap(); // the space after the emoji
    s.splice_notes(i, "pitch", 0, 0, "Opted in.").unwrap();
    // The view shows them at once, without the document.
    let view = s.interview_view(i).unwrap();
    let text = |v: &panelnotes_core::InterviewView, k: &str| v.notes.iter().find(|(s, _)| s == k).unwrap().1.clone();
    assert_eq!(text(&view, "learn"), "Used Spark 🚀on 200 nodes.");
    assert!(s.start_decode(i).unwrap().is_some(), "typed without a decode");
    // Killed now (no flush, no fold): the log has them.
    std::mem::forget(s);
    let mut s = fixture::phone(dir.path(), "ana@acme");
    assert_eq!(s.notes(i, "learn").unwrap(), "Used Spark 🚀on 200 nodes.");
    assert_eq!(s.notes(i, "pitch").unwrap(), "Opted in.");
}

#[test]
fn a_decode_made_off_the_writer_takes_the_keystrokes_typed_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let (s, i) = setup(&dir);
    let mut s = reopen(&dir, "ana@acme", s);
    s.splice_notes(i, "learn", 0, 0, "A ").unwrap();
    let job = s.start_decode(i).unwrap().expect("not decoded yet");
    // The decode runs on another thread while the writer takes more keystrokes.
    let worker = std::thread::spawn(move || job.decode());
    type_at_end(&mut s, i, "learn", " B");
    let decoded = worker.join().unwrap().unwrap();
    type_at_end(&mut s, i, "learn", " C");
    s.finish_decode(decoded).unwrap();
    assert!(s.start_decode(i).unwrap().is_none(), "the decode was kept");
    type_at_end(&mut s, i, "learn", " D");
    assert_eq!(s.notes(i, "learn").unwrap(), "A Spark 🚀 on 200 nodes. B C D");

    // A decode that went stale (the document changed on disk meanwhile) is dropped.
    let s2 = reopen(&dir, "ana@acme", s);
    let mut s = s2;
    let job = s.start_decode(i).unwrap().unwrap();
    s.preload(i).unwrap();
    type_at_end(&mut s, i, "learn", " E");
    s.flush().unwrap();
    s.unload(i).unwrap();
    s.finish_decode(job.decode().unwrap()).unwrap();
    assert!(s.start_decode(i).unwrap().is_some(), "a stale decode is not kept");
    assert_eq!(s.notes(i, "learn").unwrap(), "A Spark 🚀 on 200 nodes. B C D E");
}

#[test]
fn keystrokes_typed_before_the_decode_merge_with_changes_from_a_peer() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, i) = setup(&dir);
    let mut ben = fixture::phone(dir.path(), "ben@acme");
    let mut ana = ana;
    let grant = Grant::panel(&mut ana, i).unwrap();
    let mut stores = vec![ana, ben];
    let mut links = vec![Link::connect(&mut stores, 1, 0, grant.clone(), grant.clone())];
    settle(&mut stores, &mut links);
    links[0].close(&mut stores);
    drop(links);
    ben = stores.pop().unwrap();
    let ana = stores.pop().unwrap();
    // Ben types at the start while Ana, reopened, types at the end without a decode.
    ben.splice_notes(i, "learn", 0, 0, "Ben: ").unwrap();
    let mut ana = reopen(&dir, "ana@acme", ana);
    type_at_end(&mut ana, i, "learn", " Ana.");
    assert!(ana.start_decode(i).unwrap().is_some(), "typed without a decode");
    let mut stores = vec![ana, ben];
    let mut links = vec![Link::connect(&mut stores, 1, 0, grant.clone(), grant)];
    settle(&mut stores, &mut links);
    for s in stores.iter_mut() {
        assert_eq!(s.notes(i, "learn").unwrap(), "Ben: Spark 🚀 on 200 nodes. Ana.");
    }
}

#[test]
fn decoded_documents_cross_threads() {
    fn send<T: Send>() {}
    send::<panelnotes_core::Decoding>();
    send::<panelnotes_core::Decoded>();
}
