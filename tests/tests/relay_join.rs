//! Joining a panel through the standard automerge-repo relay (Node, unmodified), with no LAN
//! at all: the joiner's phone posts its sealed request into the invite's join box, the lead's
//! device answers when it syncs, and the welcome comes back sealed to the joiner's device.
//! An expired code, a photo of a used code and garbage written by a JS client get nothing,
//! and the relay's disk holds no plaintext.
//!
//! Needs `npm install` in relay/ (scripts/test-all does it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use panelnotes_core::sync::Grant;
use panelnotes_core::transport::relay::{sync_roster_via_relay, sync_via_relay, RelayOptions};
use panelnotes_core::transport::relay_join::{answer_join_boxes, join_via_relay, pick_up_welcomes, RelayJoin};
use panelnotes_core::trust::join_box::reply_doc;
use panelnotes_core::trust::{JoinDecision, JoinRefusal, SeatInvite};
use panelnotes_core::{InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};
use panelnotes_tests::relay::{relay_dir, start_relay};

type Shared = Arc<Mutex<Store>>;

const NOTE: &str = "MARKER-NOTE-streams-9c1e";

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn seat(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    clock: ManualClock,
    roster: panelnotes_core::trust::roster::Hash,
    interview: panelnotes_core::DocumentId,
    phones: Vec<Shared>,
}

/// Ana (lead) with Ben and Cy scheduled, a note written; Eve is no panelist. Phones 0..4:
/// Ana, Ben, Cy, Eve.
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 3, 8, 0, 0).unwrap());
    let mut phones: Vec<Store> = ["ana@acme", "ben@acme", "cy@acme", "eve@acme"]
        .iter()
        .enumerate()
        .map(|(n, who)| {
            let options = StoreOptions { clock: Arc::new(clock.clone()), seed: Some(n as u64 + 40), ..Default::default() };
            Store::open_with(dir.path().join(format!("{who}.sqlite3")), identity(who), options).unwrap()
        })
        .collect();
    let applied = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (_, interview) = candidate_with_interview(&mut phones[0], &["ana@acme", "ben@acme", "cy@acme"], applied);
    phones[0].splice_notes(interview, "learn", 0, 0, NOTE).unwrap();
    let roster = phones[0].start_roster(interview, None).unwrap();
    World { _dir: dir, clock, roster, interview, phones: phones.into_iter().map(|s| Arc::new(Mutex::new(s))).collect() }
}

/// What a phone sees of an invite: the text of the QR code, parsed.
fn scanned(invite: &SeatInvite) -> SeatInvite {
    SeatInvite::parse(&invite.to_uri()).unwrap()
}

fn admitted(decisions: &[JoinDecision]) -> Vec<InterviewerId> {
    decisions
        .iter()
        .filter_map(|d| match d {
            JoinDecision::Admitted { seat, .. } => Some(seat.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn ben_joins_through_the_relay_reads_the_notes_and_expired_or_used_codes_get_nothing() {
    let relay = start_relay();
    let w = world();
    let opts = RelayOptions::default();
    let (ana, ben, cy, eve) = (&w.phones[0], &w.phones[1], &w.phones[2], &w.phones[3]);
    let invite = ana.lock().unwrap().invite_seat(&w.roster, Some(seat("ben@acme")), None).unwrap();

    // Ben's phone posts its request; the lead's device has not synced yet.
    assert_eq!(join_via_relay(ben, &relay.url, &scanned(&invite), "Pixel 8", &opts).unwrap(), RelayJoin::Waiting);
    assert!(ben.lock().unwrap().rosters().unwrap().is_empty());

    // Ana's next relay sync answers the join box: Ben is a scheduled panelist with a free
    // seat, so he is admitted on its own; then her panel sync carries the roster and notes.
    let decisions = answer_join_boxes(ana, &relay.url, &opts).unwrap();
    assert_eq!(admitted(&decisions), vec![seat("ben@acme")], "{decisions:?}");
    sync_roster_via_relay(ana, &relay.url, &w.roster, &opts).unwrap();

    // Ben's next relay contact picks up the welcome, then his mailboxes bring the notes.
    assert_eq!(pick_up_welcomes(ben, &relay.url, &opts).unwrap(), vec![w.roster]);
    sync_roster_via_relay(ben, &relay.url, &w.roster, &opts).unwrap();
    {
        let mut b = ben.lock().unwrap();
        let me = b.device().signing;
        assert_eq!(b.roster(&w.roster).unwrap().state().current(&me).map(|m| m.seat.clone()), Some(seat("ben@acme")));
        assert!(b.notes(w.interview, "learn").unwrap().contains(NOTE));
        assert!(b.waiting_relay_joins().unwrap().is_empty(), "nothing left to pick up");
    }
    // And what Ben writes reaches Ana through the relay.
    ben.lock().unwrap().splice_notes(w.interview, "learn", 0, 0, "Ben: solid. ").unwrap();
    sync_roster_via_relay(ben, &relay.url, &w.roster, &opts).unwrap();
    sync_roster_via_relay(ana, &relay.url, &w.roster, &opts).unwrap();
    assert!(ana.lock().unwrap().notes(w.interview, "learn").unwrap().starts_with("Ben: solid. "));

    // Eve's phone with a photo of Ben's used code: the lead's device no longer even reads
    // that box, and Eve gets nothing.
    assert_eq!(join_via_relay(eve, &relay.url, &scanned(&invite), "Eve's", &opts).unwrap(), RelayJoin::Waiting);
    assert!(admitted(&answer_join_boxes(ana, &relay.url, &opts).unwrap()).is_empty());
    assert!(pick_up_welcomes(eve, &relay.url, &opts).unwrap().is_empty());
    // Had it read the box, every check refuses Eve: the token is used (and no reply goes out).
    let join_box = invite.join_box();
    sync_via_relay(ana, &relay.url, Grant::documents([join_box]), &opts).unwrap();
    {
        let mut a = ana.lock().unwrap();
        let read = a.answer_join_box(join_box).unwrap();
        assert!(read.contains(&JoinDecision::Refused(JoinRefusal::AlreadyUsed)), "{read:?}");
        assert_eq!(admitted(&read), vec![seat("ben@acme")], "Ben's own request still gets his welcome, nobody else");
        assert_eq!(a.answers_posted(join_box).unwrap().len(), 1, "one reply, Ben's");
        assert!(a.join_requests().unwrap().is_empty());
        let state = a.roster(&w.roster).unwrap().state().clone();
        assert_eq!(state.device_in(&seat("ben@acme")).map(|m| m.device.signing), Some(ben.lock().unwrap().device().signing));
        assert!(state.current(&eve.lock().unwrap().device().signing).is_none());
    }
    assert!(pick_up_welcomes(eve, &relay.url, &opts).unwrap().is_empty());
    assert!(eve.lock().unwrap().rosters().unwrap().is_empty());

    // Cy's code expires before the lead's device syncs (his request is on the relay in
    // time): the lead's device no longer reads the box, and nothing is answered.
    let cy_invite = ana.lock().unwrap().invite_seat(&w.roster, Some(seat("cy@acme")), Some(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap())).unwrap();
    assert_eq!(join_via_relay(cy, &relay.url, &scanned(&cy_invite), "Cy's", &opts).unwrap(), RelayJoin::Waiting);
    w.clock.advance(std::time::Duration::from_secs(2 * 3600));
    assert!(answer_join_boxes(ana, &relay.url, &opts).unwrap().is_empty(), "an expired box is not read");
    assert!(ana.lock().unwrap().answer_join_box(cy_invite.join_box()).unwrap().is_empty());
    assert!(pick_up_welcomes(cy, &relay.url, &opts).unwrap().is_empty());
    assert!(cy.lock().unwrap().rosters().unwrap().is_empty());
    assert!(ana.lock().unwrap().roster(&w.roster).unwrap().state().device_in(&seat("cy@acme")).is_none());

    // Nothing under the relay's data directory holds plaintext: no name, note, interviewer
    // id or device label.
    let stored = files(relay.data_dir());
    assert!(stored.len() > 4, "the relay stored the join boxes and mailboxes");
    for (path, bytes) in &stored {
        for marker in ["Dana Example", NOTE, "Ben: solid", "ana@acme", "ben@acme", "cy@acme", "eve@acme", "Pixel 8", "Eve's", "Cy's"] {
            assert!(!contains(bytes, marker), "{} holds {marker:?}", path.display());
        }
    }
}

#[test]
fn garbage_a_js_client_writes_into_a_join_box_or_a_reply_is_ignored() {
    let relay = start_relay();
    let w = world();
    let opts = RelayOptions::default();
    let (ana, cy) = (&w.phones[0], &w.phones[2]);
    let invite = ana.lock().unwrap().invite_seat(&w.roster, Some(seat("cy@acme")), None).unwrap();
    assert_eq!(join_via_relay(cy, &relay.url, &scanned(&invite), "Cy's Pixel", &opts).unwrap(), RelayJoin::Waiting);

    // A standard automerge-repo client that knows the join box id (a photo of the code)
    // reads it and writes garbage into it.
    let intrude = |ids: &[String]| {
        let out = Command::new("node").arg("intruder.mjs").arg(&relay.url).args(ids).current_dir(relay_dir()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let seen = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!seen.contains("\"error\""), "{seen}");
        for marker in ["Dana Example", NOTE, "cy@acme", "ana@acme", "Cy's Pixel"] {
            assert!(!seen.contains(marker), "the intruder read {marker:?}: {seen}");
        }
        seen
    };
    let seen = intrude(&[invite.join_box().url()]);
    assert_eq!(seen.matches("\"found\":true").count(), 1, "{seen}");

    // Ana's device reads Cy's request and the garbage: Cy is admitted, the garbage is refused
    // item by item and leaves no pending request.
    let decisions = answer_join_boxes(ana, &relay.url, &opts).unwrap();
    assert_eq!(admitted(&decisions), vec![seat("cy@acme")], "{decisions:?}");
    assert!(decisions.iter().all(|d| matches!(d, JoinDecision::Admitted { .. } | JoinDecision::Refused(_))), "{decisions:?}");
    assert!(decisions.len() >= 2, "the garbage was read and refused: {decisions:?}");
    assert!(ana.lock().unwrap().join_requests().unwrap().is_empty());

    // Garbage in Cy's reply document too (its id needs Cy's device key, which a photo of the
    // code and a read of the join box give): Cy still opens Ana's welcome, and only that.
    let reply = reply_doc(&invite, &cy.lock().unwrap().device().signing);
    let seen = intrude(&[reply.url()]);
    assert_eq!(seen.matches("\"found\":true").count(), 1, "{seen}");
    assert_eq!(pick_up_welcomes(cy, &relay.url, &opts).unwrap(), vec![w.roster]);
    sync_roster_via_relay(ana, &relay.url, &w.roster, &opts).unwrap();
    sync_roster_via_relay(cy, &relay.url, &w.roster, &opts).unwrap();
    let mut c = cy.lock().unwrap();
    assert!(c.notes(w.interview, "learn").unwrap().contains(NOTE));
    assert!(c.envelope_problems(&w.roster).unwrap().is_empty());
}

#[test]
fn an_open_invite_waits_once_for_the_lead_and_the_welcome_follows_the_admission() {
    let relay = start_relay();
    let w = world();
    let opts = RelayOptions::default();
    let (ana, cy) = (&w.phones[0], &w.phones[2]);
    let invite = ana.lock().unwrap().invite_seat(&w.roster, None, None).unwrap();
    assert_eq!(join_via_relay(cy, &relay.url, &scanned(&invite), "Cy's tablet", &opts).unwrap(), RelayJoin::Waiting);

    // The lead's device reads the box on every sync: the request keeps one place in the
    // queue however often it is read.
    for _ in 0..2 {
        let decisions = answer_join_boxes(ana, &relay.url, &opts).unwrap();
        assert!(matches!(decisions.as_slice(), [JoinDecision::Pending { .. }]), "{decisions:?}");
    }
    let waiting = ana.lock().unwrap().join_requests().unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].label, "Cy's tablet");
    assert!(pick_up_welcomes(cy, &relay.url, &opts).unwrap().is_empty(), "nothing before the lead decides");

    // The lead admits it (the CLI's `admit`); the next relay sync posts the welcome.
    ana.lock().unwrap().admit_join_request(waiting[0].id, seat("cy@acme")).unwrap();
    assert_eq!(admitted(&answer_join_boxes(ana, &relay.url, &opts).unwrap()), vec![seat("cy@acme")]);
    assert!(answer_join_boxes(ana, &relay.url, &opts).unwrap().is_empty(), "an answered box is not read again");
    assert_eq!(pick_up_welcomes(cy, &relay.url, &opts).unwrap(), vec![w.roster]);
}

#[test]
fn a_request_the_lead_refused_stays_refused_when_read_again() {
    let w = world();
    let (ana, eve) = (&w.phones[0], &w.phones[3]);
    let invite = ana.lock().unwrap().invite_seat(&w.roster, None, None).unwrap();
    let request = eve.lock().unwrap().join_request(&scanned(&invite), "Eve's").unwrap();
    let mut a = ana.lock().unwrap();
    let JoinDecision::Pending { request: id, .. } = a.receive_join_request(&request).unwrap() else { panic!("not pending") };
    assert!(matches!(a.receive_join_request(&request).unwrap(), JoinDecision::Pending { request, .. } if request == id));
    a.refuse_join_request(id).unwrap();
    assert_eq!(a.receive_join_request(&request).unwrap(), JoinDecision::Refused(JoinRefusal::Declined));
    assert!(a.join_requests().unwrap().is_empty());
}
