//! What a co-panelist's phone, the relay or the Wi-Fi can send, replayed as a second client
//! would send it. Each test is named after a scenario that once crashed, bricked or stalled
//! a phone; each now ends in a typed error or a reported problem, the document stays usable
//! and the rest of the store is untouched.

use automerge::sync::{ChunkList, Message, MessageVersion};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue};
use chrono::{TimeZone, Utc};
use panelnotes_core::model::{QuestionKind, Ratings, Recommendation, ScorecardDraft};
use panelnotes_core::sync::wire::{PeerMetadata, WireMessage};
use panelnotes_core::sync::{Connection, Event, Grant, Role};
use panelnotes_core::{DocumentId, ManualClock, ProblemKind, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};
use panelnotes_tests::net::{settle, Link};

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

struct Panel {
    _dir: tempfile::TempDir,
    stores: Vec<Store>,
    clock: ManualClock,
    c: DocumentId,
    i: DocumentId,
}

/// Ana (lead), Ben and Cy, each with a store on one simulated clock, all holding the
/// candidate and the interview.
fn panel() -> Panel {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::default();
    let mut stores: Vec<Store> = ["ana@acme", "ben@acme", "cy@acme"]
        .iter()
        .enumerate()
        .map(|(n, who)| {
            let options = StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(n as u64 + 1), ..Default::default() };
            Store::open_with(dir.path().join(format!("{who}.sqlite3")), identity(who), options).unwrap()
        })
        .collect();
    let (c, i) = candidate_with_interview(&mut stores[0], &["ana@acme", "ben@acme", "cy@acme"], t0());
    let mut p = Panel { _dir: dir, stores, clock, c, i };
    p.sync(0, 1);
    p.sync(0, 2);
    p
}

impl Panel {
    fn grant(&self) -> Grant {
        Grant::documents([self.c, self.i])
    }

    fn sync(&mut self, a: usize, b: usize) {
        let g = self.grant();
        let mut links = vec![Link::connect(&mut self.stores, a, b, g.clone(), g)];
        settle(&mut self.stores, &mut links);
        links[0].close(&mut self.stores);
    }

    /// A responder connection on phone `n` that completed the handshake with "evil".
    fn evil_peer(&mut self, n: usize) -> (Connection, String) {
        let mut conn = Connection::new(&self.stores[n], Role::Responder, self.grant()).unwrap();
        let join = WireMessage::Join {
            sender: "evil".into(),
            versions: vec!["1".into()],
            metadata: PeerMetadata { storage_id: Some("evil-storage".into()), is_ephemeral: false },
        };
        conn.receive(&mut self.stores[n], &join.encode()).unwrap();
        let me = conn.peer_id().to_owned();
        conn.take_outgoing();
        (conn, me)
    }
}

fn sync_frame(me: &str, document: DocumentId, data: Vec<u8>) -> Vec<u8> {
    WireMessage::Sync { sender: "evil".into(), target: me.into(), document, data }.encode()
}

/// A sync message with no changes and one `have` whose Bloom filter is given raw.
fn message_with_bloom(bloom: &[u8]) -> Vec<u8> {
    let mut m = vec![0x42, 0, 0, 1, 0];
    m.push(bloom.len() as u8);
    m.extend(bloom);
    m.push(0);
    m
}

#[test]
fn a_bloom_filter_with_zero_bits_per_entry_is_refused_and_the_next_poll_does_not_panic() {
    let mut p = panel();
    let (mut conn, me) = p.evil_peer(1);
    // One entry, zero bits per entry, seven probes: automerge would take `hash % 0` later.
    let events = conn.receive(&mut p.stores[1], &sync_frame(&me, p.i, message_with_bloom(&[1, 0, 7]))).unwrap();
    assert!(matches!(&events[..], [Event::Rejected { document, .. }] if *document == p.i), "{events:?}");
    conn.poll(&mut p.stores[1]).unwrap();
    assert!(!conn.is_closed());
    p.stores[1].splice_notes(p.i, "learn", 0, 0, "still typing").unwrap();
}

#[test]
fn a_bloom_filter_with_a_huge_probe_count_is_refused_before_automerge_reserves_memory() {
    let mut p = panel();
    let (mut conn, me) = p.evil_peer(1);
    // 2^31 probes: automerge reserves 8 GiB for them, and the failed allocation aborts.
    let bloom = [1, 10, 0x80, 0x80, 0x80, 0x80, 0x08, 0xff, 0xff];
    let events = conn.receive(&mut p.stores[1], &sync_frame(&me, p.i, message_with_bloom(&bloom))).unwrap();
    assert!(matches!(&events[..], [Event::Rejected { .. }]), "{events:?}");
    conn.poll(&mut p.stores[1]).unwrap();
    assert_eq!(p.stores[1].notes(p.i, "learn").unwrap(), "");
}

/// Ana's interview document as an Automerge document a second client can edit.
fn peer_copy(p: &mut Panel) -> AutoCommit {
    let bytes = p.stores[0].document_bytes(p.i).unwrap();
    AutoCommit::load(&bytes).unwrap()
}

#[test]
fn a_js_client_question_without_asked_at_leaves_the_interview_usable() {
    let mut p = panel();
    p.stores[1].add_question(p.i, "How do you deploy?", QuestionKind::Specific, t0()).unwrap();
    p.sync(0, 1);
    let mut js = peer_copy(&mut p);
    let heads = js.get_heads();
    let (_, questions) = js.get(ObjId::Root, "questions").unwrap().unwrap();
    let q = js.insert_object(&questions, 1, ObjType::Map).unwrap();
    js.put(&q, "text", "A question from the web app").unwrap();
    js.put(&q, "kind", "generic").unwrap();
    js.commit();
    p.stores[1].apply_remote(p.i, &js.save_after(&heads)).unwrap();

    let ben = &mut p.stores[1];
    // Everything the issue saw fail now works: print, append, show, export.
    assert_eq!(ben.interview(p.i).unwrap().questions.len(), 1);
    ben.splice_notes(p.i, "learn", 0, 0, "Ran Spark").unwrap();
    assert_eq!(ben.notes(p.i, "learn").unwrap(), "Ran Spark");
    assert_eq!(ben.interview_view(p.i).unwrap().interview.questions.len(), 1);
    ben.export_markdown(p.c).unwrap();
    let problems = ben.problems(Some(p.i)).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "questions[1].askedAt");
    assert_eq!(problems[0].kind, ProblemKind::InvalidValue);
    assert!(problems[0].actor.is_some());
    // `verify` loads everything and reports the problem rather than "all documents load".
    assert_eq!(ben.verify().unwrap(), 0);
    assert_eq!(ben.problems(None).unwrap().len(), 1);
    // Dropping the item is an ordinary edit: it syncs, and the problem is gone everywhere.
    assert!(ben.drop_invalid(p.i, "notes.learn").is_err(), "only listed problems can be dropped");
    ben.drop_invalid(p.i, "questions[1].askedAt").unwrap();
    assert!(ben.problems(Some(p.i)).unwrap().is_empty());
    assert_eq!(ben.interview(p.i).unwrap().questions.len(), 1);
    p.sync(1, 0);
    assert_eq!(p.stores[0].interview(p.i).unwrap().questions.len(), 1);
    assert!(p.stores[0].problems(Some(p.i)).unwrap().is_empty());
}

#[test]
fn one_wrongly_typed_minutes_field_never_makes_an_interview_unusable() {
    let mut p = panel();
    let mut js = peer_copy(&mut p);
    let heads = js.get_heads();
    js.put(ObjId::Root, "minutes", "x").unwrap();
    let (_, stages) = js.get(ObjId::Root, "stages").unwrap().unwrap();
    let (_, first) = js.get(&stages, 0).unwrap().unwrap();
    js.put(&first, "minutes", "x").unwrap();
    js.commit();
    p.stores[1].apply_remote(p.i, &js.save_after(&heads)).unwrap();

    let ben = &mut p.stores[1];
    let i = ben.interview(p.i).unwrap();
    assert_eq!(i.stages.len(), 5, "the stage with a bad budget is still there");
    assert_eq!(i.stages[0].minutes, 0);
    assert_eq!(i.minutes, 40, "the total falls back to the stages' budgets");
    // Two days later, the interview runs on this document.
    p.clock.advance(std::time::Duration::from_secs(3 * 24 * 3600));
    let ben = &mut p.stores[1];
    let start = t0() + chrono::Duration::days(2);
    ben.start_stage(p.i, "pitch", start).unwrap();
    ben.end_interview(p.i, start + chrono::Duration::minutes(40)).unwrap();
    ben.save_scorecard_draft(p.i, draft()).unwrap();
    ben.submit_scorecard(p.i, start + chrono::Duration::hours(1)).unwrap();
    assert_eq!(ben.interview(p.i).unwrap().submitted.len(), 1);
    let paths: Vec<String> = ben.problems(Some(p.i)).unwrap().into_iter().map(|p| p.path).collect();
    assert_eq!(paths, vec!["minutes".to_string(), "stages[0].minutes".to_string()]);
}

fn draft() -> ScorecardDraft {
    ScorecardDraft {
        ratings: Ratings { technical_depth: Some(3), reaction_to_challenge: Some(3), business_understanding: Some(2), question_quality: Some(4) },
        recommendation: Some(Recommendation::Yes),
        comments: "solid".into(),
    }
}

/// One change per token a peer types at the end of the "learn" notes, as raw change bytes.
fn typed_changes(doc: &mut AutoCommit, tokens: &[&str]) -> Vec<Vec<u8>> {
    let (_, notes) = doc.get(ObjId::Root, "notes").unwrap().unwrap();
    let (_, learn) = doc.get(&notes, "learn").unwrap().unwrap();
    tokens
        .iter()
        .map(|tok| {
            let len = doc.length(&learn);
            doc.splice_text(&learn, len, 0, tok).unwrap();
            doc.commit();
            doc.get_last_local_change().unwrap().raw_bytes().to_vec()
        })
        .collect()
}

/// The lost note of issue 8: a message that brings an applicable change together with one
/// whose dependency is missing. The applicable one used to stay unsaved and out of the notes
/// cache, so the next keystroke landed at a stale position, inside another panelist's note.
#[test]
fn a_change_whose_dependency_never_arrives_does_not_hold_back_later_changes() {
    let mut p = panel();
    p.stores[1].splice_notes(p.i, "learn", 0, 0, "⟨ben⟩").unwrap();
    p.sync(0, 1);
    p.sync(0, 2);
    // Cy writes one token; a second client writes two, of which only the second arrives.
    let mut cy = peer_copy(&mut p);
    cy.set_actor(automerge::ActorId::from(&[7u8; 16][..]));
    let cy_change = typed_changes(&mut cy, &["⟨cy⟩"]).remove(0);
    let mut other = peer_copy(&mut p);
    other.set_actor(automerge::ActorId::from(&[9u8; 16][..]));
    let orphan = typed_changes(&mut other, &["⟨lost⟩", "⟨orphan⟩"]).remove(1);

    let heads = p.stores[1].heads(p.i).unwrap();
    let (mut conn, me) = p.evil_peer(1);
    let message = Message {
        heads: vec![],
        need: vec![],
        have: vec![],
        changes: ChunkList::from(vec![cy_change, orphan]),
        flags: None,
        version: MessageVersion::V1,
    };
    let events = conn.receive(&mut p.stores[1], &sync_frame(&me, p.i, message.encode())).unwrap();
    assert!(events.contains(&Event::DocumentChanged(p.i)), "{events:?}");
    let ben = &mut p.stores[1];
    assert_ne!(ben.heads(p.i).unwrap(), heads, "Cy's change is saved though the orphan waits");
    let text = ben.notes(p.i, "learn").unwrap();
    assert_eq!(text, "⟨ben⟩⟨cy⟩");
    assert_eq!(ben.interview_view(p.i).unwrap().notes[1].1, "⟨ben⟩⟨cy⟩", "the index has it too");
    // Typing at the end of what the phone shows lands at the end, not inside Cy's note.
    let end: u64 = text.encode_utf16().count() as u64;
    ben.splice_notes(p.i, "learn", end, 0, "⟨ben2⟩").unwrap();
    assert_eq!(ben.notes(p.i, "learn").unwrap(), "⟨ben⟩⟨cy⟩⟨ben2⟩");
    // It survives a reopen: it was durable, not only in memory.
    ben.unload(p.i).unwrap();
    assert_eq!(ben.notes(p.i, "learn").unwrap(), "⟨ben⟩⟨cy⟩⟨ben2⟩");
}

#[test]
fn orphaned_changes_expire_with_a_reported_problem() {
    let mut p = panel();
    let mut other = peer_copy(&mut p);
    other.set_actor(automerge::ActorId::from(&[9u8; 16][..]));
    let orphan = typed_changes(&mut other, &["⟨lost⟩", "⟨orphan⟩"]).remove(1);
    let (mut conn, me) = p.evil_peer(1);
    let message = Message { heads: vec![], need: vec![], have: vec![], changes: ChunkList::from(vec![orphan]), flags: None, version: MessageVersion::V1 };
    conn.receive(&mut p.stores[1], &sync_frame(&me, p.i, message.encode())).unwrap();
    p.stores[1].tick().unwrap();
    assert!(p.stores[1].problems(None).unwrap().is_empty(), "not yet: the dependency may still come");
    p.clock.advance(panelnotes_core::store::ORPHAN_TTL + std::time::Duration::from_secs(1));
    p.stores[1].tick().unwrap();
    let problems = p.stores[1].problems(Some(p.i)).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].kind, ProblemKind::OrphanChanges);
    // The document goes on: edits and sync work.
    p.stores[1].splice_notes(p.i, "learn", 0, 0, "fine").unwrap();
    p.sync(1, 0);
    assert_eq!(p.stores[0].notes(p.i, "learn").unwrap(), "fine");
}

/// Flips one byte of every copy of `marker` in the raw database file (the document's chunk
/// and the index rows that repeat it).
fn flip_on_disk(path: &std::path::Path, marker: &[u8]) {
    let mut bytes = std::fs::read(path).unwrap();
    let spots: Vec<usize> = bytes.windows(marker.len()).enumerate().filter(|(_, w)| *w == marker).map(|(n, _)| n).collect();
    assert!(!spots.is_empty(), "marker on disk");
    for at in spots {
        bytes[at + marker.len() / 2] ^= 0x55;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_quarantined_document_heals_from_a_panel_member_that_has_it() {
    let mut p = panel();
    p.stores[0].splice_notes(p.i, "learn", 0, 0, "shared-7f3a9c1e-notes").unwrap();
    p.sync(0, 1);
    p.stores[1].flush().unwrap();
    let path = p._dir.path().join("ben@acme.sqlite3");
    // Reopen Ben's phone on a damaged file.
    let options = StoreOptions { clock: std::sync::Arc::new(p.clock.clone()), seed: Some(2), ..Default::default() };
    let ben = std::mem::replace(&mut p.stores[1], Store::open_with(p._dir.path().join("tmp.sqlite3"), identity("ben@acme"), options.clone()).unwrap());
    ben.close().unwrap();
    flip_on_disk(&path, b"shared-7f3a9c1e-notes");
    p.stores[1] = Store::open_with(&path, identity("ben@acme"), options).unwrap();
    assert!(p.stores[1].notes(p.i, "learn").is_err());
    assert_eq!(p.stores[1].quarantined().unwrap().len(), 1);

    // The next sync with Ana, who has a healthy copy, restores it.
    p.sync(0, 1);
    let ben = &mut p.stores[1];
    assert!(ben.quarantined().unwrap().is_empty());
    assert_eq!(ben.notes(p.i, "learn").unwrap(), "shared-7f3a9c1e-notes");
    assert!(ben.problems(Some(p.i)).unwrap().iter().any(|pr| pr.kind == ProblemKind::Healed));
    // Editable, and it syncs on.
    ben.splice_notes(p.i, "learn", 0, 0, "healed ").unwrap();
    p.sync(1, 2);
    assert_eq!(p.stores[2].notes(p.i, "learn").unwrap(), "healed shared-7f3a9c1e-notes");
}

#[test]
fn timestamps_come_from_the_injected_clock() {
    let mut p = panel();
    p.clock.advance(std::time::Duration::from_secs(3600));
    p.stores[1].splice_notes(p.i, "learn", 0, 0, "x").unwrap();
    p.stores[1].flush().unwrap();
    let mut doc = AutoCommit::load(&p.stores[1].document_bytes(p.i).unwrap()).unwrap();
    let last = doc.get_changes(&[]).into_iter().map(|c| c.timestamp()).max().unwrap();
    assert_eq!(last, (t0() + chrono::Duration::hours(1)).timestamp());
    let _ = ScalarValue::Null;
}
