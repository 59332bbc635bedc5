//! Panel trust end to end: a lead's store starts a signed roster and admits devices, changes
//! travel only in sealed, signed envelopes, and every peer refuses what a member's modified
//! app forges (a colleague's scorecard, the decision, another panel), naming the device,
//! while honest work goes on. A removed device gets nothing written after its removal.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ROOT};
use chrono::{Duration, TimeZone, Utc};
use panelnotes_core::keys::DeviceKeys;
use panelnotes_core::model::{Ratings, Recommendation, ScorecardDraft};
use panelnotes_core::trust::envelope::{self, Hold, Rejection, Verdict};
use panelnotes_core::trust::membership::wrap_context;
use panelnotes_core::trust::roster::{Action, Entry, Hash};
use panelnotes_core::trust::rules::Violation;
use panelnotes_core::trust::seal::{unwrap, Secret};
use panelnotes_core::trust::{EnvelopeRejection, Receipt};
use panelnotes_core::{DocumentId, InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};

fn seat(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

fn store(dir: &std::path::Path, who: &str, n: u64, clock: &ManualClock) -> Store {
    let options = StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(n), ..Default::default() };
    Store::open_with(dir.join(format!("{who}.sqlite3")), identity(who), options).unwrap()
}

/// Delivers envelopes and returns each receipt.
fn deliver(to: &mut Store, roster: &Hash, envelopes: &[Vec<u8>]) -> Vec<Receipt> {
    envelopes.iter().map(|e| to.receive_envelope(roster, e).unwrap()).collect()
}

struct Panel {
    _dir: tempfile::TempDir,
    ana: Store,
    cy: Store,
    /// Ben's phone runs a modified app: the test holds its device keys and writes raw changes.
    ben: DeviceKeys,
    roster: Hash,
    c: DocumentId,
    i: DocumentId,
}

fn panel() -> Panel {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let mut ana = store(dir.path(), "ana@acme", 1, &clock);
    let mut cy = store(dir.path(), "cy@acme", 3, &clock);
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (c, i) = candidate_with_interview(&mut ana, &["ana@acme", "ben@acme", "cy@acme"], t0);
    let roster = ana.start_roster(i, None).unwrap();
    let ben = DeviceKeys::from_secret(&[42; 64]);
    ana.admit_device(&roster, seat("cy@acme"), cy.device(), "Pixel 8").unwrap();
    ana.admit_device(&roster, seat("ben@acme"), ben.public(), "iPhone").unwrap();
    assert!(cy.import_roster(&roster, &ana.roster_bytes(&roster).unwrap()).unwrap());
    let out = ana.seal_outgoing(&roster).unwrap();
    assert!(!out.is_empty());
    for r in deliver(&mut cy, &roster, &out) {
        assert!(matches!(r, Receipt::Applied { changed: true, .. }), "{r:?}");
    }
    assert_eq!(cy.interview(i).unwrap().candidate_id, c);
    assert!(ana.seal_outgoing(&roster).unwrap().is_empty(), "nothing new to send");
    Panel { _dir: dir, ana, cy, ben, roster, c, i }
}

impl Panel {
    fn ben_secret(&self, epoch: u32) -> Option<Secret> {
        let r = self.ana.roster(&self.roster).unwrap();
        let wrapped = r.wrapped_for(&self.ben.public().signing, epoch)?;
        unwrap(&self.ben, wrapped, &wrap_context(&r.state().panel, epoch))
    }

    /// A raw change by `actor_of` on Ana's current copy of `doc`, sealed by Ben's device.
    fn ben_forges(&mut self, doc: DocumentId, kind: panelnotes_core::model::DocKind, actor: automerge::ActorId, seq: u64, edit: impl FnOnce(&mut AutoCommit)) -> Vec<u8> {
        let mut d = AutoCommit::load(&self.ana.document_bytes(doc).unwrap()).unwrap().with_actor(actor);
        edit(&mut d);
        d.commit();
        let change = d.get_last_local_change().unwrap();
        let r = self.ana.roster(&self.roster).unwrap();
        let secret = self.ben_secret(r.state().epoch).unwrap();
        envelope::seal(&self.ben, &secret, r.state().epoch, r.state().panel, doc, kind, r.head(), seq, &mut [change], [seq as u8; 24])
    }
}

fn rejected_for_rule(r: &Receipt) -> bool {
    matches!(r, Receipt::Rejected(Rejection::Rule { .. }))
}

#[test]
fn every_peer_refuses_a_members_forgeries_and_honest_work_goes_on() {
    use panelnotes_core::model::DocKind;
    let mut p = panel();
    let ben_fp = p.ben.public().fingerprint();
    let (i, c) = (p.i, p.c);

    // Ben's own note is his to write: every peer applies it.
    let note = p.ben_forges(i, DocKind::Interview, p.ben.actor(), 1, |d| {
        let notes = d.get(ROOT, "notes").unwrap().unwrap().1;
        let learn = d.get(&notes, "learn").unwrap().unwrap().1;
        d.splice_text(&learn, 0, 0, "Ben: knows Kafka. ").unwrap();
    });
    for s in [&mut p.ana, &mut p.cy] {
        assert!(matches!(s.receive_envelope(&p.roster, &note).unwrap(), Receipt::Applied { changed: true, .. }));
        assert!(s.notes(i, "learn").unwrap().contains("knows Kafka"));
    }

    // A scorecard in Cy's name, the decision, and a change that claims Cy's actor.
    let cy_card = p.ben_forges(i, DocKind::Interview, p.ben.actor(), 2, |d| {
        let cards = d.get(ROOT, "scorecards").unwrap().unwrap().1;
        let card = d.put_object(&cards, "cy@acme", ObjType::Map).unwrap();
        d.put(&card, "recommendation", "no_hire").unwrap();
    });
    let decision = p.ben_forges(c, DocKind::Candidate, p.ben.actor(), 1, |d| {
        d.put(ROOT, "decision", "rejected").unwrap();
    });
    let mut as_cy_actor = AutoCommit::load(&p.ana.document_bytes(i).unwrap()).unwrap().with_actor(p.cy.device().actor());
    let notes = as_cy_actor.get(ROOT, "notes").unwrap().unwrap().1;
    let learn = as_cy_actor.get(&notes, "learn").unwrap().unwrap().1;
    as_cy_actor.splice_text(&learn, 0, 0, "x").unwrap();
    as_cy_actor.commit();
    let r = p.ana.roster(&p.roster).unwrap();
    let claims_cy = envelope::seal(&p.ben, &p.ben_secret(0).unwrap(), 0, r.state().panel, i, DocKind::Interview, r.head(), 3, &mut [as_cy_actor.get_last_local_change().unwrap()], [9; 24]);
    for s in [&mut p.ana, &mut p.cy] {
        let got = deliver(s, &p.roster, &[cy_card.clone(), decision.clone(), claims_cy.clone()]);
        assert!(matches!(&got[0], Receipt::Rejected(Rejection::Rule { device, violation: Violation::OthersScorecard(seat) }) if *device == ben_fp && seat == "cy@acme"), "{got:?}");
        assert!(rejected_for_rule(&got[1]), "{got:?}");
        assert_eq!(got[2], Receipt::Rejected(Rejection::ForeignChange { device: ben_fp.clone() }));
        let problems = s.envelope_problems(&p.roster).unwrap();
        assert_eq!(problems.iter().filter(|x| x.device.as_deref() == Some(ben_fp.as_str())).count(), 3, "{problems:?}");
        // Each is recorded as a code the apps word themselves, newest first.
        let codes: Vec<_> = problems.iter().map(|x| x.code).collect();
        assert_eq!(codes, [EnvelopeRejection::ForeignChange, EnvelopeRejection::AdminOnly, EnvelopeRejection::OthersScorecard]);
        // Nothing of it landed, and the problems hold no content.
        assert!(s.candidate(c).unwrap().decision.is_none());
        assert!(problems.iter().all(|x| !x.reason.contains("rejected") && !x.reason.contains("no_hire")));
    }

    // Cy still submits her own scorecard, and Ana takes it.
    let end = Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap();
    p.ana.end_interview(i, end).unwrap();
    let out = p.ana.seal_outgoing(&p.roster).unwrap();
    deliver(&mut p.cy, &p.roster, &out);
    let draft = ScorecardDraft { ratings: Ratings { technical_depth: Some(4), reaction_to_challenge: Some(3), business_understanding: Some(4), question_quality: Some(3) }, recommendation: Some(Recommendation::Yes), comments: "clear thinker".into() };
    p.cy.save_scorecard_draft(i, draft).unwrap();
    p.cy.submit_scorecard(i, end + Duration::hours(1)).unwrap();
    let out = p.cy.seal_outgoing(&p.roster).unwrap();
    for r in deliver(&mut p.ana, &p.roster, &out) {
        assert!(matches!(r, Receipt::Applied { .. }), "{r:?}");
    }
    let cards = p.ana.scorecards(i).unwrap();
    assert!(format!("{cards:?}").contains("cy@acme"), "{cards:?}");
    // Replaying the same envelope is a no-op.
    assert_eq!(p.ana.receive_envelope(&p.roster, &out[0]).unwrap(), Receipt::Duplicate);
}

#[test]
fn a_member_cannot_add_itself_to_another_panel() {
    let mut p = panel();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut eve = store(dir.path(), "eve@acme", 5, &clock);
    let t0 = Utc.with_ymd_and_hms(2026, 3, 9, 9, 0, 0).unwrap();
    let (_, other) = candidate_with_interview(&mut eve, &["eve@acme", "ben@acme"], t0);
    let theirs = eve.start_roster(other, None).unwrap();
    let before = eve.roster(&theirs).unwrap();
    // Ben signs an admit of himself onto Eve's roster: he is no admin there.
    let forged = Entry::sign(&p.ben, before.head(), Action::Admit { seat: seat("ben@acme"), device: p.ben.public(), label: "x".into(), wrapped: vec![0; 104], earlier: vec![] });
    let bytes = panelnotes_core::trust::membership::encode_entries(&[forged]);
    assert!(!eve.import_roster(&theirs, &bytes).unwrap());
    assert!(eve.roster(&theirs).unwrap().state().current(&p.ben.public().signing).is_none());
    // Envelopes for Eve's documents sealed with Ana's panel secret do not open there.
    let note = p.ben_forges(p.i, panelnotes_core::model::DocKind::Interview, p.ben.actor(), 1, |d| {
        d.put(ROOT, "endedAt", 1).unwrap();
    });
    assert_eq!(eve.receive_envelope(&theirs, &note).unwrap(), Receipt::Rejected(Rejection::Undecryptable));
    let _ = &mut p.cy;
}

#[test]
fn a_removed_device_gets_nothing_written_after_its_removal() {
    let mut p = panel();
    let ben_key = p.ben.public().signing;
    let before = p.ben_forges(p.i, panelnotes_core::model::DocKind::Interview, p.ben.actor(), 1, |d| {
        d.put(ROOT, "endedAt", 1).unwrap();
    });
    assert!(matches!(p.ana.receive_envelope(&p.roster, &before).unwrap(), Receipt::Applied { .. }));
    let after = p.ben_forges(p.i, panelnotes_core::model::DocKind::Interview, p.ben.actor(), 2, |d| {
        d.put(ROOT, "endedAt", 2).unwrap();
    });
    p.ana.remove_device(&p.roster, ben_key).unwrap();
    assert!(p.cy.import_roster(&p.roster, &p.ana.roster_bytes(&p.roster).unwrap()).unwrap());
    // What Ben signed after his cutoff waits; it is never applied on its own.
    assert_eq!(p.ana.receive_envelope(&p.roster, &after).unwrap(), Receipt::Held(Hold::AfterRemoval { device: p.ben.public().fingerprint() }));
    // The new epoch's secret was not wrapped to Ben, so what Cy writes now is closed to him.
    assert!(p.ben_secret(1).is_none());
    p.cy.splice_notes(p.i, "learn", 0, 0, "after Ben left").unwrap();
    let out = p.cy.seal_outgoing(&p.roster).unwrap();
    let roster = p.ana.roster(&p.roster).unwrap();
    for e in &out {
        assert!(matches!(envelope::open(e, &roster, |n| p.ben_secret(n)), Verdict::Hold(Hold::UnknownEpoch(1))));
        assert!(matches!(p.ana.receive_envelope(&p.roster, e).unwrap(), Receipt::Applied { .. }));
    }
    assert!(p.ana.notes(p.i, "learn").unwrap().contains("after Ben left"));
}

#[test]
fn out_of_order_envelopes_wait_for_what_they_build_on_and_equivocation_is_caught() {
    use panelnotes_core::model::DocKind;
    let mut p = panel();
    p.cy.splice_notes(p.i, "learn", 0, 0, "first ").unwrap();
    let one = p.cy.seal_outgoing(&p.roster).unwrap();
    p.cy.splice_notes(p.i, "learn", 6, 0, "second").unwrap();
    let two = p.cy.seal_outgoing(&p.roster).unwrap();
    assert_eq!((one.len(), two.len()), (1, 1));
    // The second run arrives first: it waits, then goes in with the first.
    assert_eq!(p.ana.receive_envelope(&p.roster, &two[0]).unwrap(), Receipt::Held(Hold::MissingDependencies));
    assert_eq!(p.ana.held_envelopes(&p.roster).unwrap(), 1);
    assert!(matches!(p.ana.receive_envelope(&p.roster, &one[0]).unwrap(), Receipt::Applied { changed: true, .. }));
    assert_eq!(p.ana.held_envelopes(&p.roster).unwrap(), 0);
    assert!(p.ana.notes(p.i, "learn").unwrap().starts_with("first second"));

    // Ben signs two different runs as his sequence number 1: the second is equivocation.
    let a = p.ben_forges(p.i, DocKind::Interview, p.ben.actor(), 1, |d| d.put(ROOT, "endedAt", 1).unwrap());
    let b = p.ben_forges(p.i, DocKind::Interview, p.ben.actor(), 1, |d| d.put(ROOT, "endedAt", 2).unwrap());
    assert!(matches!(p.ana.receive_envelope(&p.roster, &a).unwrap(), Receipt::Applied { .. }));
    assert_eq!(p.ana.receive_envelope(&p.roster, &b).unwrap(), Receipt::Rejected(Rejection::Equivocation { device: p.ben.public().fingerprint(), seq: 1 }));
}

/// Three phones that sync only their mailboxes, each link sharing what each side's grant
/// says, until nothing moves.
fn sync_mailboxes(stores: &mut [Store], roster: &Hash, pairs: &[(usize, usize)]) {
    use panelnotes_tests::net::{settle, Link};
    for &(a, b) in pairs {
        for s in [a, b] {
            stores[s].post_outgoing(roster).unwrap();
        }
        let (ga, gb) = (stores[a].mailbox_grant(roster).unwrap(), stores[b].mailbox_grant(roster).unwrap());
        let mut links = vec![Link::connect(stores, a, b, ga, gb)];
        settle(stores, &mut links);
        links[0].close(stores);
    }
}

#[test]
fn a_removal_reaches_the_panel_through_the_mailboxes_and_the_removed_phone_reads_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let mut stores: Vec<Store> =
        ["ana@acme", "ben@acme", "cy@acme"].iter().enumerate().map(|(n, w)| store(dir.path(), w, n as u64 + 1, &clock)).collect();
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (_, i) = candidate_with_interview(&mut stores[0], &["ana@acme", "ben@acme", "cy@acme"], t0);
    let roster = stores[0].start_roster(i, None).unwrap();
    for (n, who) in [(1, "ben@acme"), (2, "cy@acme")] {
        let device = stores[n].device();
        stores[0].admit_device(&roster, seat(who), device, "phone").unwrap();
    }
    let entries = stores[0].roster_bytes(&roster).unwrap();
    for n in [1, 2] {
        stores[n].import_roster(&roster, &entries).unwrap();
    }
    sync_mailboxes(&mut stores, &roster, &[(0, 1), (0, 2)]);
    assert_eq!(stores[2].interview(i).unwrap().lead, seat("ana@acme"));
    assert_eq!(stores[1].interview(i).unwrap().lead, seat("ana@acme"));

    // Ana removes Ben. Cy learns it from Ana's mailbox, takes the new epoch's secret, and
    // from the next sync on shares the new epoch's mailboxes.
    let ben = stores[1].device().signing;
    stores[0].remove_device(&roster, ben).unwrap();
    sync_mailboxes(&mut stores, &roster, &[(0, 2)]);
    let cy_view = stores[2].roster(&roster).unwrap();
    assert_eq!(cy_view.state().epoch, 1);
    assert!(cy_view.state().current(&ben).is_none());
    stores[0].splice_notes(i, "learn", 0, 0, "after Ben left ").unwrap();
    sync_mailboxes(&mut stores, &roster, &[(0, 2), (0, 1)]);
    assert!(stores[2].notes(i, "learn").unwrap().starts_with("after Ben left "));
    // Ben's phone hears of its removal, but never of what was written after it.
    assert_eq!(stores[1].roster(&roster).unwrap().state().epoch, 1);
    assert!(!stores[1].notes(i, "learn").unwrap().contains("after Ben left"));
    assert_eq!(stores[1].mailbox_grant(&roster).unwrap().iter().count(), 3, "only the first epoch's mailboxes");
}

#[test]
fn a_conflict_names_its_authors_from_the_roster_not_from_what_they_claim() {
    use panelnotes_core::model::DocKind;
    let mut p = panel();
    let i = p.i;
    // Ben's app ends the interview at one time and writes, in the document's own authors
    // map, that his actor is Cy. Cy ends it at another time, concurrently.
    let ben_hex = p.ben.actor().to_hex_string();
    let lie = p.ben_forges(i, DocKind::Interview, p.ben.actor(), 1, |d| {
        d.put(ROOT, "endedAt", "2026-03-04T10:40:00Z").unwrap();
        let actors = match d.get(ROOT, "actors").unwrap() {
            Some((_, id)) => id,
            None => d.put_object(ROOT, "actors", ObjType::Map).unwrap(),
        };
        d.put(&actors, ben_hex.as_str(), "cy@acme").unwrap();
    });
    p.cy.end_interview(i, Utc.with_ymd_and_hms(2026, 3, 4, 10, 45, 0).unwrap()).unwrap();
    let from_cy = p.cy.seal_outgoing(&p.roster).unwrap();
    assert!(matches!(p.ana.receive_envelope(&p.roster, &lie).unwrap(), Receipt::Applied { .. }));
    for e in &from_cy {
        assert!(matches!(p.ana.receive_envelope(&p.roster, e).unwrap(), Receipt::Applied { .. }));
    }
    let conflicts = p.ana.conflicts(i).unwrap();
    let ended = conflicts.iter().find(|c| c.field == "endedAt").expect("the two end times conflict");
    let mut authors: Vec<String> = ended.values.iter().map(|v| v.author.as_ref().map(|a| a.as_str().to_owned()).unwrap_or_default()).collect();
    authors.sort();
    assert_eq!(authors, ["ben@acme", "cy@acme"]);
}

#[test]
fn a_candidate_with_two_panels_never_stalls_a_panel_on_the_other_panels_changes() {
    use panelnotes_core::model::{NewInterview, Template};
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let mut stores: Vec<Store> =
        ["ana@acme", "ben@acme", "cy@acme"].iter().enumerate().map(|(n, w)| store(dir.path(), w, n as u64 + 1, &clock)).collect();
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    // Ana leads two interviews of one candidate: Ben is on the first panel, Cy on the second.
    let (c, first) = candidate_with_interview(&mut stores[0], &["ana@acme", "ben@acme"], t0);
    let second = stores[0]
        .schedule_interview(NewInterview {
            candidate_id: c,
            title: None,
            template: Template::playbook(),
            booked_at: t0,
            scheduled_start: t0 + Duration::days(3),
            minutes: None,
            panelists: vec![seat("ana@acme"), seat("cy@acme")],
            lead: seat("ana@acme"),
        })
        .unwrap();
    let mut rosters = Vec::new();
    for (i, (n, who)) in [(first, (1, "ben@acme")), (second, (2, "cy@acme"))] {
        let r = stores[0].start_roster(i, None).unwrap();
        let device = stores[n].device();
        stores[0].admit_device(&r, seat(who), device, "phone").unwrap();
        let entries = stores[0].roster_bytes(&r).unwrap();
        stores[n].import_roster(&r, &entries).unwrap();
        rosters.push(r);
    }
    let (ra, rb) = (rosters[0], rosters[1]);
    sync_mailboxes(&mut stores, &ra, &[(0, 1)]);
    sync_mailboxes(&mut stores, &rb, &[(0, 2)]);
    // Cy, on the second panel only, records the notice period on the candidate.
    stores[2].set_logistics(c, panelnotes_core::model::LogisticsUpdate { notice_period_days: Some(60), ..Default::default() }).unwrap();
    sync_mailboxes(&mut stores, &rb, &[(0, 2)]);
    assert_eq!(stores[0].candidate(c).unwrap().logistics.notice_period_days, Some(60));
    // Ana's next change to the candidate builds on Cy's. Ben, who is not on Cy's panel, still
    // applies it: Ana's phone vouches for the change Ben's panel never saw.
    stores[0].set_logistics(c, panelnotes_core::model::LogisticsUpdate { notice_period_days: Some(30), ..Default::default() }).unwrap();
    sync_mailboxes(&mut stores, &ra, &[(0, 1)]);
    assert_eq!(stores[1].held_envelopes(&ra).unwrap(), 0);
    assert_eq!(stores[1].candidate(c).unwrap().logistics.notice_period_days, Some(30));
    assert_eq!(stores[1].heads(c).unwrap(), stores[0].heads(c).unwrap());
    // Ben cannot read the second interview: it travels only in the second panel's mailboxes.
    assert!(!stores[1].has_document(second).unwrap());
}

#[test]
fn a_device_admitted_after_a_new_epoch_reads_what_was_written_before() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let mut stores: Vec<Store> =
        ["ana@acme", "ben@acme", "cy@acme"].iter().enumerate().map(|(n, w)| store(dir.path(), w, n as u64 + 1, &clock)).collect();
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (_, i) = candidate_with_interview(&mut stores[0], &["ana@acme", "ben@acme", "cy@acme"], t0);
    let roster = stores[0].start_roster(i, None).unwrap();
    let ben = stores[1].device();
    stores[0].admit_device(&roster, seat("ben@acme"), ben, "phone").unwrap();
    let entries = stores[0].roster_bytes(&roster).unwrap();
    stores[1].import_roster(&roster, &entries).unwrap();
    stores[0].splice_notes(i, "learn", 0, 0, "Written in the first epoch. ").unwrap();
    sync_mailboxes(&mut stores, &roster, &[(0, 1)]);
    stores[0].remove_device(&roster, ben.signing).unwrap();
    // Cy joins late, in the second epoch: she still reads the first epoch's envelopes.
    let cy = stores[2].device();
    stores[0].admit_device(&roster, seat("cy@acme"), cy, "phone").unwrap();
    let entries = stores[0].roster_bytes(&roster).unwrap();
    stores[2].import_roster(&roster, &entries).unwrap();
    sync_mailboxes(&mut stores, &roster, &[(0, 2)]);
    assert_eq!(stores[2].notes(i, "learn").unwrap(), "Written in the first epoch. ");
    assert_eq!(stores[2].held_envelopes(&roster).unwrap(), 0);
}
