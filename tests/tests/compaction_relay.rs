//! Compaction through the standard automerge-repo relay (Node, unmodified), which keeps every
//! outbox: after the lead compacts, a phone that joins asks the relay for the new epoch's
//! outboxes only and reaches the same documents from the snapshot; a phone that was away on
//! the old epoch learns the new one from the lead's old outbox and catches up. Prints the
//! bytes a fresh phone downloads before and after compaction.
//!
//! Needs `npm install` in relay/ (scripts/test-all does it).

use std::sync::{Arc, Mutex};

use automerge::AutoCommit;
use chrono::{TimeZone, Utc};
use panelnotes_core::transport::relay::{sync_roster_via_relay, RelayOptions};
use panelnotes_core::trust::roster::Hash;
use panelnotes_core::{DocumentId, InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};
use panelnotes_tests::relay::start_relay;

type Phone = Arc<Mutex<Store>>;

fn heads(p: &Phone, doc: DocumentId) -> Vec<automerge::ChangeHash> {
    let mut h = AutoCommit::load(&p.lock().unwrap().document_bytes(doc).unwrap()).unwrap().get_heads();
    h.sort();
    h
}

/// Syncs a phone through the relay twice (a roster learnt in the first session names
/// outboxes the second asks for). Returns the bytes it received.
fn sync(p: &Phone, url: &str, roster: &Hash) -> u64 {
    let opts = RelayOptions::default();
    (0..2).map(|_| sync_roster_via_relay(p, url, roster, &opts).unwrap().bytes_in).sum()
}

#[test]
fn a_late_phone_downloads_only_the_new_epoch_from_the_relay_and_an_away_one_catches_up() {
    let relay = start_relay();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let open = |who: &str, n: u64| -> Phone {
        let options = StoreOptions { clock: Arc::new(clock.clone()), seed: Some(n), ..Default::default() };
        Arc::new(Mutex::new(Store::open_with(dir.path().join(format!("{who}.sqlite3")), identity(who), options).unwrap()))
    };
    let (ana, ben, cy) = (open("ana@acme", 1), open("ben@acme", 2), open("cy@acme", 3));
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (i, roster) = {
        let mut a = ana.lock().unwrap();
        let (_, i) = candidate_with_interview(&mut a, &["ana@acme", "ben@acme", "cy@acme", "dan@acme", "eve@acme"], t0);
        let roster = a.start_roster(i, None).unwrap();
        (i, roster)
    };
    // Admits a phone and hands it the roster (its welcome).
    let admit = |p: &Phone, seat: &str| {
        let device = p.lock().unwrap().device();
        let mut a = ana.lock().unwrap();
        a.admit_device(&roster, InterviewerId::new(seat).unwrap(), device, "phone").unwrap();
        let entries = a.roster_bytes(&roster).unwrap();
        p.lock().unwrap().import_roster(&roster, &entries).unwrap();
    };
    admit(&ben, "ben@acme");
    admit(&cy, "cy@acme");
    let url = relay.url.clone();
    for p in [&ana, &ben, &cy] {
        sync(p, &url, &roster);
    }
    for round in 0..20 {
        for (n, p) in [&ana, &ben].into_iter().enumerate() {
            let text = format!("round {round} by {n}: asked about streaming joins, answered with watermarks. ");
            p.lock().unwrap().splice_notes(i, "learn", 0, 0, &text).unwrap();
            sync(p, &url, &roster);
        }
    }
    // Cy typed offline and posted into the old epoch's outbox, then went away.
    cy.lock().unwrap().splice_notes(i, "learn", 0, 0, "Cy offline: strong on modelling. ").unwrap();
    sync(&cy, &url, &roster);

    let dan = open("dan@acme", 4);
    admit(&dan, "dan@acme");
    sync(&ana, &url, &roster);
    let before = sync(&dan, &url, &roster);
    assert_eq!(heads(&dan, i), heads(&ana, i));

    ana.lock().unwrap().compact_panel(&roster).unwrap();
    sync(&ana, &url, &roster);
    let eve = open("eve@acme", 5);
    admit(&eve, "eve@acme");
    let after = sync(&eve, &url, &roster);
    assert_eq!(heads(&eve, i), heads(&ana, i));
    assert_eq!(eve.lock().unwrap().compacted_epoch(&roster).unwrap(), Some(1));
    eprintln!("fresh phone through the relay, bytes received: before compaction {before}, after {after}");
    assert!(after < before, "{after} < {before}");

    // Cy comes back: the lead's epoch-0 outbox tells it of epoch 1, whose snapshot it loads;
    // what it typed offline is sealed again into epoch 1 and reaches the others.
    for _ in 0..2 {
        for p in [&cy, &ben, &ana, &eve] {
            sync(p, &url, &roster);
        }
    }
    assert_eq!(cy.lock().unwrap().compacted_epoch(&roster).unwrap(), Some(1));
    let want = heads(&ana, i);
    for p in [&ben, &cy, &eve] {
        assert_eq!(heads(p, i), want);
        assert!(p.lock().unwrap().notes(i, "learn").unwrap().contains("Cy offline: strong on modelling."));
    }
}
