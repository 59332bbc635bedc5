//! Sealed scorecards across three phones and the standard automerge-repo relay (Node,
//! unmodified). Ana (the lead) and Ben never share a LAN: they sync only through the relay.
//! Cy synced with Ana in the room, went offline, and gets everything through the relay on
//! reconnect. A submitted scorecard is sealed by encryption: its comment is nowhere in the
//! raw bytes of another phone's store (the stores keep their files in plaintext at-rest mode,
//! so only the sealing can hide it), and it opens on a phone only once that phone's own
//! scorecard is in and Ana's phone has released its key there, which it does by itself when a
//! sync delivers a submission.
//!
//! Needs `npm install` in relay/ (scripts/test-all does it).

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use panelnotes_core::model::{Ratings, Recommendation, ScorecardDraft, ScorecardSeal, SealReason, SealState};
use panelnotes_core::transport::lan::{serve, sync_roster_with, LanOptions, SharedStore};
use panelnotes_core::transport::relay::{sync_roster_via_relay, RelayOptions};
use panelnotes_core::{DocumentId, InterviewerId};
use panelnotes_tests::fixture::{candidate_with_interview, shared};
use panelnotes_tests::relay::start_relay;

const ANA: &str = "MARKER-ana-card-q81z";
const BEN: &str = "MARKER-ben-card-w27k";
const CY: &str = "MARKER-cy-card-e55p";

fn who(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

fn draft(comment: &str, rec: Recommendation) -> ScorecardDraft {
    let r = Some(3);
    ScorecardDraft {
        ratings: Ratings { technical_depth: r, reaction_to_challenge: Some(4), business_understanding: r, question_quality: r },
        recommendation: Some(rec),
        comments: format!("{comment} — strong on 数据 pipelines 🚀"),
    }
}

/// Every byte of one phone's store on disk: the database, its WAL and shared memory.
fn store_bytes(dir: &Path, phone: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with(&format!("{phone}.sqlite3")) {
            out.extend(std::fs::read(&p).unwrap());
        }
    }
    assert!(out.len() > 4096, "{phone}'s store is on disk");
    out
}

fn on_disk(dir: &Path, phone: &str, marker: &str) -> bool {
    store_bytes(dir, phone).windows(marker.len()).any(|w| w == marker.as_bytes())
}

fn seals(s: &SharedStore, i: DocumentId) -> Vec<ScorecardSeal> {
    let mut v = s.lock().unwrap().scorecard_seals(i).unwrap();
    v.sort_by(|a, b| a.interviewer.as_str().cmp(b.interviewer.as_str()));
    v
}

fn state_of(seals: &[ScorecardSeal], seat: &str) -> SealState {
    seals.iter().find(|s| s.interviewer.as_str() == seat).unwrap_or_else(|| panic!("no card of {seat}: {seals:?}")).state.clone()
}

fn comment_of(seals: &[ScorecardSeal], seat: &str) -> String {
    let s = seals.iter().find(|s| s.interviewer.as_str() == seat).unwrap();
    assert_eq!(s.state, SealState::Open, "{s:?}");
    s.scorecard.as_ref().expect("an open card has its content").comments.clone()
}

fn sealed(reason: SealReason) -> SealState {
    SealState::Sealed { reason }
}

fn submit(s: &SharedStore, i: DocumentId, comment: &str, rec: Recommendation, at: DateTime<Utc>) {
    let mut s = s.lock().unwrap();
    s.save_scorecard_draft(i, draft(comment, rec)).unwrap();
    s.submit_scorecard(i, at).unwrap();
}

fn save_draft(s: &SharedStore, i: DocumentId, comment: &str) {
    s.lock().unwrap().save_scorecard_draft(i, draft(comment, Recommendation::Yes)).unwrap();
}

#[test]
fn three_phones_a_relay_and_scorecards_sealed_until_your_own_is_in() {
    let relay = start_relay();
    let dir = tempfile::tempdir().unwrap();
    let (ana, ben, cy): (SharedStore, SharedStore, SharedStore) =
        (shared(dir.path(), "ana@acme"), shared(dir.path(), "ben@acme"), shared(dir.path(), "cy@acme"));
    let applied = Utc::now() - chrono::Duration::days(3);
    let (i, roster) = {
        let mut a = ana.lock().unwrap();
        let (_, i) = candidate_with_interview(&mut a, &["ana@acme", "ben@acme", "cy@acme"], applied);
        a.splice_notes(i, "learn", 0, 0, "Ran Spark on 200 nodes. ").unwrap();
        let roster = a.start_roster(i, None).unwrap();
        for (phone, seat) in [(&ben, "ben@acme"), (&cy, "cy@acme")] {
            let device = phone.lock().unwrap().device();
            a.admit_device(&roster, who(seat), device, "phone").unwrap();
        }
        // The welcome carries the roster (the join flow); here, directly.
        let entries = a.roster_bytes(&roster).unwrap();
        for phone in [&ben, &cy] {
            phone.lock().unwrap().import_roster(&roster, &entries).unwrap();
        }
        (i, roster)
    };

    // In the room: Cy's phone syncs with Ana's over the LAN, then goes offline.
    let lan = LanOptions { quiet: Duration::from_millis(250), timeout: Duration::from_secs(20), ..Default::default() };
    let server = serve(ana.clone(), "127.0.0.1:0", lan.clone()).unwrap();
    sync_roster_with(&cy, server.local_addr(), &roster, &lan, None).unwrap();
    server.stop();
    assert!(cy.lock().unwrap().notes(i, "learn").unwrap().contains("Spark"));

    let end = applied + chrono::Duration::days(2) + chrono::Duration::minutes(45);
    ana.lock().unwrap().end_interview(i, end).unwrap();
    let opts = RelayOptions::default();
    let relay_sync = |phone: &SharedStore| {
        sync_roster_via_relay(phone, &relay.url, &roster, &opts).unwrap();
    };

    // Ben, never on Ana's LAN, gets the interview through the relay, writes more notes and
    // submits his scorecard that evening.
    relay_sync(&ana);
    relay_sync(&ben);
    assert!(ben.lock().unwrap().notes(i, "learn").unwrap().contains("Spark"));
    assert!(ben.lock().unwrap().interview(i).unwrap().ended_at.is_some());
    ben.lock().unwrap().splice_notes(i, "questions", 0, 0, "Asked about on-call. ").unwrap();
    // The search finds a marker where one is: Ben's draft, kept on his phone only (in this
    // plaintext at-rest mode, in the clear), and never synced.
    save_draft(&ben, i, BEN);
    assert!(on_disk(dir.path(), "ben@acme", BEN));
    relay_sync(&ben);
    relay_sync(&ana);
    assert!(!on_disk(dir.path(), "ana@acme", BEN), "a draft left Ben's phone");
    assert!(seals(&ana, i).is_empty());
    submit(&ben, i, BEN, Recommendation::Yes, end + chrono::Duration::hours(3));
    assert_eq!(comment_of(&seals(&ben, i), "ben@acme"), format!("{BEN} — strong on 数据 pipelines 🚀"), "Ben reads his own");
    relay_sync(&ben);

    // Ana's phone has Ben's card, sealed: not in its files, and not shown to Ana, who has
    // not submitted hers.
    relay_sync(&ana);
    assert!(!on_disk(dir.path(), "ana@acme", BEN), "Ben's comment is on Ana's disk in the clear");
    assert_eq!(state_of(&seals(&ana, i), "ben@acme"), sealed(SealReason::WaitingForYourSubmission));
    assert!(seals(&ana, i).iter().all(|s| s.scorecard.is_none()));

    // Ana submits: her card opens Ben's for her, and her phone releases her card's key to
    // Ben's phone, whose own is in.
    submit(&ana, i, ANA, Recommendation::StrongYes, end + chrono::Duration::hours(4));
    assert_eq!(comment_of(&seals(&ana, i), "ben@acme"), format!("{BEN} — strong on 数据 pipelines 🚀"));
    assert!(!on_disk(dir.path(), "ana@acme", BEN));
    relay_sync(&ana);
    relay_sync(&ben);
    let b = seals(&ben, i);
    assert_eq!(comment_of(&b, "ana@acme"), format!("{ANA} — strong on 数据 pipelines 🚀"));
    assert_eq!(b.iter().find(|s| s.interviewer.as_str() == "ana@acme").unwrap().scorecard.as_ref().unwrap().recommendation, Recommendation::StrongYes);
    // Open, and still sealed on disk: only the key was released.
    assert!(!on_disk(dir.path(), "ben@acme", ANA));

    // Cy comes back online: everything arrives through the relay, and both cards stay sealed
    // to her (in her files too) until her own is in.
    relay_sync(&cy);
    assert!(cy.lock().unwrap().notes(i, "questions").unwrap().contains("on-call"), "Ben's notes reach Cy");
    let c = seals(&cy, i);
    assert_eq!(c.len(), 2, "{c:?}");
    for seat in ["ana@acme", "ben@acme"] {
        assert_eq!(state_of(&c, seat), sealed(SealReason::WaitingForYourSubmission));
    }
    for marker in [ANA, BEN] {
        assert!(!on_disk(dir.path(), "cy@acme", marker));
    }

    // Cy submits. Until Ana's phone has seen her card, the others wait for its release, and
    // the API says whose phone they wait for.
    submit(&cy, i, CY, Recommendation::No, end + chrono::Duration::hours(5));
    let c = seals(&cy, i);
    for seat in ["ana@acme", "ben@acme"] {
        assert_eq!(state_of(&c, seat), sealed(SealReason::WaitingForRelease { by_seat: who("ana@acme") }));
    }
    assert_eq!(state_of(&c, "cy@acme"), SealState::Open);
    relay_sync(&cy);
    // Ana's phone takes Cy's card and, all three being in, releases every key to every
    // device, in the same sync.
    relay_sync(&ana);
    relay_sync(&cy);
    relay_sync(&ben);
    let c = seals(&cy, i);
    assert_eq!(comment_of(&c, "ana@acme"), format!("{ANA} — strong on 数据 pipelines 🚀"));
    assert_eq!(comment_of(&c, "ben@acme"), format!("{BEN} — strong on 数据 pipelines 🚀"));
    assert_eq!(comment_of(&seals(&ben, i), "cy@acme"), format!("{CY} — strong on 数据 pipelines 🚀"));
    assert_eq!(comment_of(&seals(&ana, i), "cy@acme"), format!("{CY} — strong on 数据 pipelines 🚀"));
    // Nobody's comment is on another phone's disk, opened or not; nor on the relay's.
    for (phone, others) in [("ana@acme", [BEN, CY]), ("ben@acme", [ANA, CY]), ("cy@acme", [ANA, BEN])] {
        for marker in others {
            assert!(!on_disk(dir.path(), phone, marker), "{marker} on {phone}'s disk");
        }
    }
    let mut relay_files = Vec::new();
    collect(relay.data_dir(), &mut relay_files);
    assert!(!relay_files.is_empty());
    for bytes in &relay_files {
        for marker in [ANA, BEN, CY] {
            assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()));
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(std::fs::read(&p).unwrap());
        }
    }
}
