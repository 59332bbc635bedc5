//! Erasure across a rostered panel on the LAN: the lead's phone erases a candidate, a member
//! that syncs purges, and a phone that was away for weeks comes back holding the candidate:
//! no peer takes its data, it purges on its first sync, and the candidate's marker strings
//! are then in no byte of any phone's database, WAL or side files.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{LogisticsUpdate, NewCandidate, NewInterview, Ratings, Recommendation, ScorecardDraft, Template};
use panelnotes_core::transport::lan::{serve, sync_erasure_with, sync_roster_with, LanOptions, SharedStore};
use panelnotes_core::trust::delivery::Receipt;
use panelnotes_core::trust::envelope::Rejection;
use panelnotes_core::{DocumentId, Error, InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::identity;

const NAME: &str = "Quillon-Vantrebe";
const NOTE: &str = "NOTE-MARKER-built-a-lakehouse-5c1e";
const SALARY: &str = "SALARY-MARKER-asks-7349118-base";
const SCORECARD: &str = "SCORECARD-MARKER-strong-on-tradeoffs-9d0a";
const DRAFT: &str = "DRAFT-MARKER-unsent-thoughts-44b1";
const OFFLINE: &str = "OFFLINE-MARKER-typed-while-away-2f7e";
const MARKERS: [&str; 6] = [NAME, NOTE, SALARY, SCORECARD, DRAFT, OFFLINE];

fn opts() -> LanOptions {
    LanOptions { quiet: Duration::from_millis(250), timeout: Duration::from_secs(20), ..Default::default() }
}

/// The store file and every side file SQLite keeps next to it, read raw.
fn raw_bytes(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let dir = path.parent().unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with(&name) {
            out.extend(std::fs::read(&p).unwrap());
        }
    }
    out
}

fn found(path: &Path) -> Vec<&'static str> {
    let bytes = raw_bytes(path);
    MARKERS.iter().copied().filter(|m| bytes.windows(m.len()).any(|w| w == m.as_bytes())).collect()
}

struct Phone {
    store: SharedStore,
    path: PathBuf,
}

fn phone(dir: &Path, who: &str, seed: u64, clock: &ManualClock) -> Phone {
    let path = dir.join(format!("{who}.sqlite3"));
    let options = StoreOptions { clock: Arc::new(clock.clone()), seed: Some(seed), ..Default::default() };
    Phone { store: Arc::new(Mutex::new(Store::open_with(&path, identity(who), options).unwrap())), path }
}

/// The acknowledgements the lead's phone holds, once its listener has taken in what the
/// dialler sent last (the dialler returns when quiet, the listener may still be reading).
fn acknowledged(store: &SharedStore, c: DocumentId, want: u32) -> (u32, u32) {
    for _ in 0..200 {
        let s = store.lock().unwrap().erasure_status(c).unwrap();
        if s.acknowledged >= want {
            return (s.acknowledged, s.expected);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let s = store.lock().unwrap().erasure_status(c).unwrap();
    (s.acknowledged, s.expected)
}

fn draft(comments: &str) -> ScorecardDraft {
    ScorecardDraft {
        ratings: Ratings { technical_depth: Some(3), reaction_to_challenge: Some(4), business_understanding: Some(2), question_quality: Some(3) },
        recommendation: Some(Recommendation::Yes),
        comments: comments.into(),
    }
}

#[test]
fn an_erased_candidate_is_purged_everywhere_and_a_stale_phone_cannot_bring_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let (ana, ben, cy) = (phone(dir.path(), "ana@acme", 1, &clock), phone(dir.path(), "ben@acme", 2, &clock), phone(dir.path(), "cy@acme", 3, &clock));
    let applied = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let start = applied + chrono::Duration::days(2);
    let (c, i, roster) = {
        let mut a = ana.store.lock().unwrap();
        let c = a
            .create_candidate(NewCandidate { name: NAME.into(), role: "Data engineer".into(), source: None, contact: None, applied_at: applied })
            .unwrap();
        let i = a
            .schedule_interview(NewInterview {
                candidate_id: c,
                title: None,
                template: Template::playbook(),
                booked_at: applied,
                scheduled_start: start,
                minutes: None,
                panelists: ["ana@acme", "ben@acme", "cy@acme"].iter().map(|p| InterviewerId::new(*p).unwrap()).collect(),
                lead: InterviewerId::new("ana@acme").unwrap(),
            })
            .unwrap();
        a.start_stage(i, "pitch", start).unwrap();
        a.splice_notes(i, "learn", 0, 0, NOTE).unwrap();
        a.set_logistics(c, LogisticsUpdate { risk_notes: Some(SALARY.into()), ..Default::default() }).unwrap();
        a.end_interview(i, start + chrono::Duration::minutes(45)).unwrap();
        let roster = a.start_roster(i, None).unwrap();
        for (p, who) in [(&ben, "ben@acme"), (&cy, "cy@acme")] {
            let device = p.store.lock().unwrap().device();
            a.admit_device(&roster, InterviewerId::new(who).unwrap(), device, "phone").unwrap();
        }
        let entries = a.roster_bytes(&roster).unwrap();
        for p in [&ben, &cy] {
            p.store.lock().unwrap().import_roster(&roster, &entries).unwrap();
        }
        (c, i, roster)
    };
    let ana_server = serve(ana.store.clone(), "127.0.0.1:0", opts()).unwrap();
    let ana_addr = ana_server.local_addr();

    // The panel syncs: Ben submits a scorecard, Cy keeps a draft of its own.
    sync_roster_with(&ben.store, ana_addr, &roster, &opts(), None).unwrap();
    {
        let mut b = ben.store.lock().unwrap();
        b.save_scorecard_draft(i, draft(SCORECARD)).unwrap();
        b.submit_scorecard(i, start + chrono::Duration::hours(1)).unwrap();
    }
    sync_roster_with(&ben.store, ana_addr, &roster, &opts(), None).unwrap();
    sync_roster_with(&cy.store, ana_addr, &roster, &opts(), None).unwrap();
    cy.store.lock().unwrap().save_scorecard_draft(i, draft(DRAFT)).unwrap();
    for p in [&ana, &ben, &cy] {
        let mut s = p.store.lock().unwrap();
        assert_eq!(s.candidate(c).unwrap().name, NAME);
        assert!(s.notes(i, "learn").unwrap().contains(NOTE));
        assert_eq!(s.interview(i).unwrap().submitted.len(), 1);
        s.flush().unwrap();
    }
    // The check below can fail: before the erasure, the markers are on disk (these stores are
    // plaintext at rest). The submitted scorecard is there only on its author's phone (Ben's):
    // elsewhere it is sealed by encryption.
    for (p, expected) in [(&ana, vec![NAME, NOTE, SALARY]), (&ben, vec![NAME, NOTE, SALARY, SCORECARD]), (&cy, vec![NAME, NOTE, SALARY, DRAFT])] {
        assert_eq!(found(&p.path), expected, "{}", p.path.display());
    }

    // Cy's phone goes offline. Ben may not erase (not an admin); a legal hold blocks Ana.
    assert!(matches!(ben.store.lock().unwrap().erase_candidate(c), Err(Error::NotPermitted(_))));
    ana.store.lock().unwrap().set_legal_hold(c, true).unwrap();
    assert!(matches!(ana.store.lock().unwrap().erase_candidate(c), Err(Error::LegalHold { .. })));
    assert!(ana.store.lock().unwrap().candidate(c).is_ok(), "the hold kept everything");
    ana.store.lock().unwrap().set_legal_hold(c, false).unwrap();

    let status = ana.store.lock().unwrap().erase_candidate(c).unwrap();
    assert_eq!((status.acknowledged, status.expected), (1, 3));
    {
        let mut a = ana.store.lock().unwrap();
        assert!(a.is_erased(c).unwrap() && a.is_erased(i).unwrap());
        assert!(matches!(a.candidate(c), Err(Error::NotFound { .. })));
        assert!(a.candidates().unwrap().is_empty());
    }
    assert_eq!(found(&ana.path), Vec::<&str>::new());

    // Ben's phone syncs: Ana's answers with the record; Ben's checks it and purges.
    sync_roster_with(&ben.store, ana_addr, &roster, &opts(), None).unwrap();
    assert!(ben.store.lock().unwrap().is_erased(c).unwrap());
    assert_eq!(found(&ben.path), Vec::<&str>::new());
    assert_eq!(acknowledged(&ana.store, c, 2), (2, 3));

    // Three weeks later Cy's phone is back, still holding the candidate, with a note typed
    // while away.
    clock.advance(Duration::from_secs(21 * 24 * 3600));
    let (stale_envelopes, stale_roster) = {
        let mut s = cy.store.lock().unwrap();
        assert_eq!(s.candidate(c).unwrap().name, NAME);
        s.splice_notes(i, "learn", 0, 0, OFFLINE).unwrap();
        (s.seal_outgoing(&roster).unwrap(), s.roster_bytes(&roster).unwrap())
    };
    assert!(!stale_envelopes.is_empty());
    // No honest peer takes any of it, on any path.
    for p in [&ana, &ben] {
        let mut s = p.store.lock().unwrap();
        for e in &stale_envelopes {
            assert_eq!(s.receive_envelope(&roster, e).unwrap(), Receipt::Rejected(Rejection::Erased));
        }
        assert!(matches!(s.import_roster(&roster, &stale_roster), Err(Error::Erased { .. })));
        assert!(!s.has_document(c).unwrap() && !s.has_document(i).unwrap());
    }

    // Its first sync, with Ben's phone: Ben's answers with the record, and Cy's purges.
    let ben_server = serve(ben.store.clone(), "127.0.0.1:0", opts()).unwrap();
    sync_roster_with(&cy.store, ben_server.local_addr(), &roster, &opts(), None).unwrap();
    {
        let mut s = cy.store.lock().unwrap();
        assert!(s.is_erased(c).unwrap());
        assert!(matches!(s.candidate(c), Err(Error::NotFound { .. })));
        assert!(s.rosters().unwrap().is_empty(), "the panel's roster and secrets are gone");
    }
    for p in [&ana, &ben, &cy] {
        assert_eq!(found(&p.path), Vec::<&str>::new(), "{}", p.path.display());
        assert!(!p.store.lock().unwrap().has_document(c).unwrap());
    }
    // Ben's phone learnt of Cy's purge; it tells Ana's, whose count is complete.
    assert_eq!(acknowledged(&ben.store, c, 3), (3, 3));
    sync_erasure_with(&ben.store, ana_addr, c, &opts()).unwrap();
    assert_eq!(acknowledged(&ana.store, c, 3), (3, 3));
    // The tombstone holds ids only.
    assert_eq!(found(&ana.path), Vec::<&str>::new());
    let _: DocumentId = c;
}

/// Every file under `dir`, read raw.
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

#[test]
fn the_record_reaches_a_stale_phone_through_the_relay_after_the_lead_destroyed_the_keys() {
    use panelnotes_core::transport::relay::{sync_roster_via_relay, sync_via_relay, RelayOptions};
    use panelnotes_tests::relay::start_relay;
    let relay = start_relay();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let (ana, cy) = (phone(dir.path(), "ana@acme", 1, &clock), phone(dir.path(), "cy@acme", 3, &clock));
    let applied = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let (c, i, roster) = {
        let mut a = ana.store.lock().unwrap();
        let c = a
            .create_candidate(NewCandidate { name: NAME.into(), role: "Data engineer".into(), source: None, contact: None, applied_at: applied })
            .unwrap();
        let i = a
            .schedule_interview(NewInterview {
                candidate_id: c,
                title: None,
                template: Template::playbook(),
                booked_at: applied,
                scheduled_start: applied + chrono::Duration::days(2),
                minutes: None,
                panelists: ["ana@acme", "cy@acme"].iter().map(|p| InterviewerId::new(*p).unwrap()).collect(),
                lead: InterviewerId::new("ana@acme").unwrap(),
            })
            .unwrap();
        a.splice_notes(i, "learn", 0, 0, NOTE).unwrap();
        a.set_logistics(c, LogisticsUpdate { risk_notes: Some(SALARY.into()), ..Default::default() }).unwrap();
        let roster = a.start_roster(i, None).unwrap();
        let device = cy.store.lock().unwrap().device();
        a.admit_device(&roster, InterviewerId::new("cy@acme").unwrap(), device, "phone").unwrap();
        let entries = a.roster_bytes(&roster).unwrap();
        cy.store.lock().unwrap().import_roster(&roster, &entries).unwrap();
        (c, i, roster)
    };
    let opts = RelayOptions::default();
    sync_roster_via_relay(&ana.store, &relay.url, &roster, &opts).unwrap();
    sync_roster_via_relay(&cy.store, &relay.url, &roster, &opts).unwrap();
    assert!(cy.store.lock().unwrap().notes(i, "learn").unwrap().contains(NOTE));
    cy.store.lock().unwrap().flush().unwrap();
    assert_eq!(found(&cy.path), vec![NAME, NOTE, SALARY]);

    // Cy's phone is away. Ana erases, then reaches only the relay: her kept outbox carries
    // the record there, sealed like everything else.
    ana.store.lock().unwrap().erase_candidate(c).unwrap();
    let kept = ana.store.lock().unwrap().erasure_outboxes().unwrap();
    assert_eq!(kept.iter().count(), 1, "one epoch, one outbox");
    sync_via_relay(&ana.store, &relay.url, kept, &opts).unwrap();
    assert_eq!(found(&ana.path), Vec::<&str>::new());

    clock.advance(Duration::from_secs(30 * 24 * 3600));
    cy.store.lock().unwrap().splice_notes(i, "learn", 0, 0, OFFLINE).unwrap();
    sync_roster_via_relay(&cy.store, &relay.url, &roster, &opts).unwrap();
    {
        let mut s = cy.store.lock().unwrap();
        assert!(s.is_erased(c).unwrap(), "the record in Ana's outbox purged Cy's phone");
        assert!(matches!(s.candidate(c), Err(Error::NotFound { .. })));
    }
    assert_eq!(found(&cy.path), Vec::<&str>::new());
    for (path, bytes) in files(relay.data_dir()) {
        for m in MARKERS {
            assert!(!bytes.windows(m.len()).any(|w| w == m.as_bytes()), "{} holds {m:?}", path.display());
        }
    }
    let status = ana.store.lock().unwrap().erasure_status(c).unwrap();
    assert_eq!((status.acknowledged, status.expected), (1, 2), "acknowledgements travel over the LAN only, for now");
}
