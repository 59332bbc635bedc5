//! The fields this issue added, written badly by a peer: a debrief slot with a wrong-typed
//! time, a negative length and a junk attendee; a commitment without an owner and one with a
//! text where a time belongs. Each bad value is skipped and reported; the candidate, the
//! interview, the kit, the brief and the timeline stay readable.

mod common;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue};
use common::*;
use panelnotes_core::{DocumentId, Store};

fn peer_writes(s: &mut Store, id: DocumentId, f: impl FnOnce(&mut AutoCommit)) {
    let mut doc = AutoCommit::load(&s.document_bytes(id).unwrap()).unwrap().with_actor(ActorId::from([9u8; 16]));
    let heads = doc.get_heads();
    f(&mut doc);
    doc.commit();
    s.apply_remote(id, &doc.save_after(&heads)).unwrap();
}

#[test]
fn bad_slots_and_commitments_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    s.add_commitment(i, "Good one", who("ana@acme"), t(900), t(640)).unwrap();
    peer_writes(&mut s, c, |doc| {
        let Some((_, events)) = doc.get(ObjId::Root, "events").unwrap() else { panic!() };
        let n = doc.length(&events);
        let m = doc.insert_object(&events, n, ObjType::Map).unwrap();
        doc.put(&m, "kind", "debrief_booked").unwrap();
        doc.put(&m, "at", ScalarValue::Timestamp(t(30).timestamp_millis())).unwrap();
        doc.put(&m, "debriefAt", "tomorrow-ish").unwrap();
        let m = doc.insert_object(&events, n + 1, ObjType::Map).unwrap();
        doc.put(&m, "kind", "debrief_booked").unwrap();
        doc.put(&m, "at", ScalarValue::Timestamp(t(31).timestamp_millis())).unwrap();
        doc.put(&m, "debriefAt", ScalarValue::Timestamp(t(700).timestamp_millis())).unwrap();
        doc.put(&m, "debriefMinutes", -5).unwrap();
        let a = doc.put_object(&m, "debriefAttendees", ObjType::List).unwrap();
        doc.insert(&a, 0, "ana@acme").unwrap();
        doc.insert(&a, 1, 42).unwrap();
    });
    peer_writes(&mut s, i, |doc| {
        let Some((_, list)) = doc.get(ObjId::Root, "commitments").unwrap() else { panic!() };
        let m = doc.insert_object(&list, 1, ObjType::Map).unwrap();
        doc.put(&m, "text", "no owner").unwrap();
        doc.put(&m, "due", ScalarValue::Timestamp(t(800).timestamp_millis())).unwrap();
        doc.put(&m, "notedAt", ScalarValue::Timestamp(t(640).timestamp_millis())).unwrap();
        let m = doc.insert_object(&list, 2, ObjType::Map).unwrap();
        doc.put(&m, "text", "bad due").unwrap();
        doc.put(&m, "owner", "ben@acme").unwrap();
        doc.put(&m, "due", "thursday").unwrap();
        doc.put(&m, "notedAt", ScalarValue::Timestamp(t(640).timestamp_millis())).unwrap();
    });

    let cand = s.candidate(c).unwrap();
    // The first booking reads without a slot; the second keeps its time, a default length and
    // its one good attendee.
    let slot = cand.debrief().unwrap();
    assert_eq!((slot.at, slot.minutes, slot.attendees.clone()), (t(700), 30, vec![who("ana@acme")]));
    let interview = s.interview(i).unwrap();
    assert_eq!(interview.commitments.iter().map(|(n, c)| (*n, c.text.as_str())).collect::<Vec<_>>(), [(0, "Good one")]);
    let problems = s.problems(None).unwrap();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    for expected in ["events[1].debriefAt", "events[2].debriefMinutes", "events[2].debriefAttendees[1]", "commitments[1].owner", "commitments[2].due"] {
        assert!(paths.contains(&expected), "{expected} not reported: {paths:?}");
    }
    // Everything that reads these still works.
    s.interview_kit(i, t(650)).unwrap();
    s.debrief_brief(c).unwrap();
    s.timeline(c).unwrap();
    assert_eq!(s.open_commitments(None, t(1000)).unwrap().len(), 1);
}
