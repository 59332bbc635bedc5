//! A join box flooded by someone who photographed the code: the lead's device reads a
//! bounded number of items per pass, garbage admits nobody, and an open invite queues at
//! most `MAX_PENDING` requests for the lead.

use automerge::sync::{Message, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit};
use chrono::{TimeZone, Utc};

use super::{JoinDecision, MAX_ITEMS, MAX_PENDING};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::{NewCandidate, NewInterview, Template};
use crate::store::{Identity, ManualClock, Store, StoreOptions};
use crate::trust::roster::Hash;

fn open(dir: &std::path::Path, who: &str, seed: u64) -> Store {
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap());
    let options = StoreOptions { clock: std::sync::Arc::new(clock), seed: Some(seed), ..Default::default() };
    let identity = Identity { id: InterviewerId::new(who).unwrap(), display_name: who.into() };
    Store::open_with(dir.join(format!("{who}.sqlite3")), identity, options).unwrap()
}

fn lead(dir: &std::path::Path) -> (Store, Hash) {
    let mut ana = open(dir, "ana@acme", 1);
    let applied = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let c = ana
        .create_candidate(NewCandidate { name: "Dana".into(), role: "Data engineer".into(), source: None, contact: None, applied_at: applied })
        .unwrap();
    let i = ana
        .schedule_interview(NewInterview {
            candidate_id: c,
            title: None,
            template: Template::playbook(),
            booked_at: applied,
            scheduled_start: applied + chrono::Duration::days(2),
            minutes: None,
            panelists: ["ana@acme", "ben@acme", "cy@acme"].map(|p| InterviewerId::new(p).unwrap()).to_vec(),
            lead: InterviewerId::new("ana@acme").unwrap(),
        })
        .unwrap();
    let roster = ana.start_roster(i, None).unwrap();
    (ana, roster)
}

/// Syncs `doc` (what the relay holds for `id`) into `store`, as a relay session does.
fn deliver(store: &mut Store, id: DocumentId, doc: &mut AutoCommit) {
    let (mut theirs, mut ours) = (State::new(), State::new());
    for _ in 0..20 {
        if let Some(m) = doc.sync().generate_sync_message(&mut theirs) {
            store.receive_sync_message(id, &mut ours, m).unwrap();
        }
        if let Some(m) = store.generate_sync_message(id, &mut ours).unwrap() {
            doc.sync().receive_sync_message(&mut theirs, Message::decode(&m).unwrap()).unwrap();
        }
    }
}

/// `n` changes by `n` actors, each putting `item(k)` under the same key a joiner uses.
fn flood(doc: &mut AutoCommit, n: u32, item: impl Fn(u32) -> Vec<u8>) {
    for k in 0..n {
        doc.set_actor(ActorId::from(&[k as u8, (k >> 8) as u8, 0xee, 0xee][..]));
        doc.put(automerge::ROOT, "e0000000000", automerge::ScalarValue::Bytes(item(k))).unwrap();
        doc.commit();
    }
}

#[test]
fn a_flooded_join_box_is_read_within_bounds_and_admits_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, roster) = lead(dir.path());
    let seat = InterviewerId::new("ben@acme").unwrap();
    let invite = ana.invite_seat(&roster, Some(seat.clone()), None).unwrap();
    let boxes = ana.open_join_boxes().unwrap();
    let join_box = invite.join_box();
    assert_eq!(boxes, vec![(join_box, vec![])]);

    // Garbage from a hundred actors, some of it starting like a request for this box.
    let mut doc = AutoCommit::new();
    flood(&mut doc, 100, |k| if k % 2 == 0 { vec![k as u8; 40] } else { [join_box.as_bytes().as_slice(), &[k as u8; 60]].concat() });
    deliver(&mut ana, join_box, &mut doc);
    let read = ana.answer_join_box(join_box).unwrap();
    assert!(!read.is_empty() && read.len() <= MAX_ITEMS, "{} items read", read.len());
    assert!(read.iter().all(|d| matches!(d, JoinDecision::Refused(_))), "{read:?}");
    assert!(ana.roster(&roster).unwrap().state().device_in(&seat).is_none());
    assert!(ana.answers_posted(join_box).unwrap().is_empty());
}

#[test]
fn an_open_invite_queues_at_most_max_pending_requests_from_a_photo() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, roster) = lead(dir.path());
    let invite = ana.invite_seat(&roster, None, None).unwrap();
    ana.open_join_boxes().unwrap();
    let join_box = invite.join_box();
    // Twelve phones (or one with twelve keys) post valid requests with the photo.
    let mut requests = Vec::new();
    for k in 0..12u64 {
        let mut phone = open(dir.path(), &format!("p{k}@x"), 100 + k);
        requests.push(phone.join_request(&invite, "photo").unwrap());
    }
    let mut doc = AutoCommit::new();
    flood(&mut doc, 12, |k| requests[k as usize].clone());
    deliver(&mut ana, join_box, &mut doc);
    for _ in 0..3 {
        ana.answer_join_box(join_box).unwrap();
    }
    assert_eq!(ana.join_requests().unwrap().len() as i64, MAX_PENDING);
    // The lead refuses one: one more takes its place, never more.
    let first = ana.join_requests().unwrap()[0].id;
    ana.refuse_join_request(first).unwrap();
    ana.answer_join_box(join_box).unwrap();
    assert_eq!(ana.join_requests().unwrap().len() as i64, MAX_PENDING);
}

#[test]
fn a_code_used_on_the_lan_is_done_and_one_admitted_from_the_queue_waits_for_its_welcome() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ana, roster) = lead(dir.path());
    let mut ben = open(dir.path(), "ben@acme", 2);
    let seated = ana.invite_seat(&roster, Some(InterviewerId::new("ben@acme").unwrap()), None).unwrap();
    let open_code = ana.invite_seat(&roster, None, None).unwrap();
    assert_eq!(ana.open_join_boxes().unwrap().len(), 2);
    // Ben joins with his seat code over the LAN: that code needs no relay answer.
    let request = ben.join_request(&seated, "Pixel").unwrap();
    assert!(matches!(ana.receive_join_request(&request).unwrap(), JoinDecision::Admitted { .. }));
    let still: Vec<DocumentId> = ana.open_join_boxes().unwrap().into_iter().map(|(b, _)| b).collect();
    assert_eq!(still, vec![open_code.join_box()]);
    // A request from the open code, admitted from the lead's queue: its box stays open until
    // the welcome is posted there.
    let mut cy = open(dir.path(), "cy@acme", 3);
    let request = cy.join_request(&open_code, "Tablet").unwrap();
    let JoinDecision::Pending { request: id, .. } = ana.receive_join_request(&request).unwrap() else { panic!("not pending") };
    ana.admit_join_request(id, InterviewerId::new("cy@acme").unwrap()).unwrap();
    let still: Vec<DocumentId> = ana.open_join_boxes().unwrap().into_iter().map(|(b, _)| b).collect();
    assert_eq!(still, vec![open_code.join_box()]);
}
