//! Rostered panels on the LAN: sessions are Noise XXpsk3 between device keys, each checked
//! against the roster before a frame, and share only the panel's mailboxes. A removed
//! device's phone is turned away and reads nothing written after its removal.

use std::time::Duration;

use chrono::Utc;
use panelnotes_core::transport::lan::{serve, sync_roster_with, LanOptions, SharedStore};
use panelnotes_core::InterviewerId;
use panelnotes_tests::fixture::{candidate_with_interview, shared};

fn opts() -> LanOptions {
    LanOptions { quiet: Duration::from_millis(250), timeout: Duration::from_secs(20), ..Default::default() }
}

#[test]
fn members_sync_their_mailboxes_over_the_lan_and_a_removed_device_is_turned_away() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, ben, cy): (SharedStore, SharedStore, SharedStore) =
        (shared(dir.path(), "ana@acme"), shared(dir.path(), "ben@acme"), shared(dir.path(), "cy@acme"));
    let (i, roster) = {
        let mut a = ana.lock().unwrap();
        let (_, i) = candidate_with_interview(&mut a, &["ana@acme", "ben@acme", "cy@acme"], Utc::now());
        a.splice_notes(i, "learn", 0, 0, "Ran Spark on 200 nodes 🚀. ").unwrap();
        let roster = a.start_roster(i, None).unwrap();
        for (phone, who) in [(&ben, "ben@acme"), (&cy, "cy@acme")] {
            let device = phone.lock().unwrap().device();
            a.admit_device(&roster, InterviewerId::new(who).unwrap(), device, "phone").unwrap();
        }
        let entries = a.roster_bytes(&roster).unwrap();
        for phone in [&ben, &cy] {
            phone.lock().unwrap().import_roster(&roster, &entries).unwrap();
        }
        (i, roster)
    };
    let server = serve(ana.clone(), "127.0.0.1:0", opts()).unwrap();
    let addr = server.local_addr();

    sync_roster_with(&ben, addr, &roster, &opts(), None).unwrap();
    assert_eq!(ben.lock().unwrap().notes(i, "learn").unwrap(), "Ran Spark on 200 nodes 🚀. ");
    ben.lock().unwrap().splice_notes(i, "questions", 0, 0, "Asked about on-call 👍").unwrap();
    sync_roster_with(&ben, addr, &roster, &opts(), None).unwrap();
    // Cy gets Ben's words through Ana, who relays Ben's mailbox without reading it for him.
    sync_roster_with(&cy, addr, &roster, &opts(), None).unwrap();
    assert_eq!(cy.lock().unwrap().notes(i, "questions").unwrap(), "Asked about on-call 👍");

    // Ana removes Ben's device and writes on. Ben's phone, which has not heard, dials with
    // the old epoch's key: the handshake completes, the roster check refuses it.
    let ben_device = ben.lock().unwrap().device().signing;
    ana.lock().unwrap().remove_device(&roster, ben_device).unwrap();
    ana.lock().unwrap().splice_notes(i, "learn", 0, 0, "After Ben left. ").unwrap();
    assert!(sync_roster_with(&ben, addr, &roster, &opts(), None).is_err());
    assert!(!ben.lock().unwrap().notes(i, "learn").unwrap().contains("After Ben left"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        server.sessions().iter().any(|s| matches!(s, Err(e) if e.failure == panelnotes_core::transport::lan::SessionFailure::NotMember)),
        "{:?}",
        server.sessions()
    );
    // Cy, still a member, gets the new epoch and what was written in it.
    sync_roster_with(&cy, addr, &roster, &opts(), None).unwrap();
    sync_roster_with(&cy, addr, &roster, &opts(), None).unwrap();
    assert!(cy.lock().unwrap().notes(i, "learn").unwrap().starts_with("After Ben left. "));
    assert_eq!(cy.lock().unwrap().roster(&roster).unwrap().state().epoch, 1);
}

#[test]
fn a_scheduled_panelist_joins_over_the_lan_and_a_photo_of_the_code_gets_nothing() {
    use panelnotes_core::transport::lan::join_with;
    use panelnotes_core::transport::JoinOutcome;
    use panelnotes_core::trust::{JoinDecision, SeatInvite};
    let dir = tempfile::tempdir().unwrap();
    let (ana, ben, eve) = (shared(dir.path(), "ana@acme"), shared(dir.path(), "ben@acme"), shared(dir.path(), "eve@acme"));
    let (i, roster, uri) = {
        let mut a = ana.lock().unwrap();
        let (_, i) = candidate_with_interview(&mut a, &["ana@acme", "ben@acme"], Utc::now());
        a.splice_notes(i, "learn", 0, 0, "Spark 🚀").unwrap();
        let roster = a.start_roster(i, None).unwrap();
        let invite = a.invite_seat(&roster, Some(InterviewerId::new("ben@acme").unwrap()), Some(Utc::now() + chrono::Duration::hours(2))).unwrap();
        (i, roster, invite.to_uri())
    };
    let server = serve(ana.clone(), "127.0.0.1:0", opts()).unwrap();
    let addr = server.local_addr();
    let invite = SeatInvite::parse(&uri).unwrap();
    assert_eq!(join_with(&ben, addr, &invite, "Pixel 8", &opts()).unwrap(), JoinOutcome::Welcomed(roster));
    sync_roster_with(&ben, addr, &roster, &opts(), None).unwrap();
    assert_eq!(ben.lock().unwrap().notes(i, "learn").unwrap(), "Spark 🚀");
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.sessions().iter().any(|s| matches!(s, Ok(r) if matches!(&r.join, Some(JoinOutcome::Decided(JoinDecision::Admitted { label, .. })) if label == "Pixel 8"))));

    // Eve photographed the code: the token is spent. Ben's phone may ask for its welcome
    // again; Eve's gets a refusal and nothing else.
    assert_eq!(join_with(&eve, addr, &invite, "Eve", &opts()).unwrap(), JoinOutcome::Refused("the invite was already used by another device".into()));
    assert!(eve.lock().unwrap().rosters().unwrap().is_empty());
    assert_eq!(join_with(&ben, addr, &invite, "Pixel 8", &opts()).unwrap(), JoinOutcome::Welcomed(roster));
}
