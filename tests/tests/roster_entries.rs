//! The roster entries beyond admit and remove, end to end between phones: a second device
//! linked to a seat (countersigned by that seat's phone), a forged link every peer refuses,
//! the lead transferred (the decision follows it), and a removed device's change released
//! everywhere once a current member's change builds on it.

use chrono::{DateTime, TimeZone, Utc};
use panelnotes_core::keys::DeviceKeys;
use panelnotes_core::model::{Outcome, Ratings, Recommendation, ScorecardDraft};
use panelnotes_core::trust::envelope::{Hold, Rejection};
use panelnotes_core::trust::linking::{countersigned_bytes, LinkApproval};
use panelnotes_core::trust::membership::encode_entries;
use panelnotes_core::trust::roster::{Action, Entry, Hash};
use panelnotes_core::trust::rules::Violation;
use panelnotes_core::trust::Receipt;
use panelnotes_core::{DocumentId, Error, InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};

fn seat(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

fn store(dir: &std::path::Path, name: &str, who: &str, n: u64, clock: &ManualClock) -> Store {
    let options = StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(n), ..Default::default() };
    Store::open_with(dir.join(format!("{name}.sqlite3")), identity(who), options).unwrap()
}

fn t(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

/// A panel of phones that pass envelopes and roster entries by hand. Phone 0 is Ana's,
/// the lead's; the deputy's seat is Dee's, whose device keys the test holds (her app is
/// modified).
struct Panel {
    _dir: tempfile::TempDir,
    clock: ManualClock,
    phones: Vec<Store>,
    dee: DeviceKeys,
    roster: Hash,
    c: DocumentId,
    i: DocumentId,
    /// Every envelope sent so far, as a mailbox keeps them for a phone that joins late.
    history: Vec<Vec<u8>>,
}

impl Panel {
    /// Ana leads; `who` are the other phones' interviewers, each admitted to their seat.
    fn new(who: &[&str]) -> Panel {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::starting_at(t(10, 9));
        let mut phones = vec![store(dir.path(), "ana", "ana@acme", 1, &clock)];
        let mut seats = vec!["ana@acme"];
        seats.extend_from_slice(who);
        let (c, i) = candidate_with_interview(&mut phones[0], &seats, t(2, 9));
        let roster = phones[0].start_roster(i, Some(seat("dee@acme"))).unwrap();
        let dee = DeviceKeys::from_secret(&[77; 64]);
        phones[0].admit_device(&roster, seat("dee@acme"), dee.public(), "Dee's phone").unwrap();
        for (n, w) in who.iter().enumerate() {
            let s = store(dir.path(), w.split('@').next().unwrap(), w, n as u64 + 2, &clock);
            let device = s.device();
            phones[0].admit_device(&roster, seat(w), device, "phone").unwrap();
            phones.push(s);
        }
        let mut p = Panel { _dir: dir, clock, phones, dee, roster, c, i, history: Vec::new() };
        p.share_roster(0);
        p.send(0);
        p
    }

    /// Phone `from`'s roster entries reach every other phone.
    fn share_roster(&mut self, from: usize) {
        let entries = self.phones[from].roster_bytes(&self.roster).unwrap();
        for (n, s) in self.phones.iter_mut().enumerate() {
            if n != from {
                s.import_roster(&self.roster, &entries).unwrap();
            }
        }
    }

    /// Phone `from`'s new envelopes reach every other phone; returns each phone's receipts.
    fn send(&mut self, from: usize) -> Vec<Vec<Receipt>> {
        let out = self.phones[from].seal_outgoing(&self.roster).unwrap();
        self.deliver(from, &out)
    }

    fn deliver(&mut self, from: usize, out: &[Vec<u8>]) -> Vec<Vec<Receipt>> {
        self.history.extend_from_slice(out);
        let roster = self.roster;
        self.phones
            .iter_mut()
            .enumerate()
            .filter(|(n, _)| *n != from)
            .map(|(_, s)| out.iter().map(|e| s.receive_envelope(&roster, e).unwrap()).collect())
            .collect()
    }

    /// A phone for `who` in this panel's directory, not yet on the roster.
    fn new_phone(&self, name: &str, who: &str, n: u64) -> Store {
        store(self._dir.path(), name, who, n, &self.clock)
    }
}

fn applied(r: &Receipt) -> bool {
    matches!(r, Receipt::Applied { .. })
}

fn draft() -> ScorecardDraft {
    ScorecardDraft {
        ratings: Ratings { technical_depth: Some(4), reaction_to_challenge: Some(4), business_understanding: Some(3), question_quality: Some(4) },
        recommendation: Some(Recommendation::Yes),
        comments: "solid".into(),
    }
}

#[test]
fn bens_tablet_joins_his_seat_its_notes_land_everywhere_and_its_scorecard_is_bens() {
    let mut p = Panel::new(&["ben@acme", "cy@acme"]);
    let (i, roster) = (p.i, p.roster);
    let tablet = p.new_phone("ben-tablet", "ben@acme", 9);
    // Ben's phone vouches for the tablet; the code travels to Ana, who links it.
    let code = p.phones[1].countersign_link(&roster, tablet.device(), "iPad").unwrap().to_code();
    let approval = LinkApproval::from_code(&code).unwrap();
    // Without an admin, Ben's phone cannot link it itself.
    assert!(matches!(p.phones[1].link_device(&roster, &approval), Err(Error::NotPermitted(_))));
    p.phones[0].link_device(&roster, &approval).unwrap();
    p.phones.push(tablet);
    p.share_roster(0);
    for s in &p.phones {
        let r = s.roster(&roster).unwrap();
        let m = r.state().current(&p.phones[3].device().signing).expect("the tablet is on every roster");
        assert_eq!((m.seat.as_str(), m.label.as_str()), ("ben@acme", "iPad"));
    }
    // The tablet reads the panel: its welcome opened the panel's secret.
    for e in p.history.clone() {
        assert!(applied(&p.phones[3].receive_envelope(&roster, &e).unwrap()));
    }
    assert_eq!(p.phones[3].interview(i).unwrap().candidate_id, p.c);

    p.phones[3].splice_notes(i, "learn", 0, 0, "From Ben's tablet. ").unwrap();
    for got in p.send(3) {
        assert!(got.iter().all(applied), "{got:?}");
    }
    for s in &mut p.phones[..3] {
        assert!(s.notes(i, "learn").unwrap().contains("From Ben's tablet."));
    }

    // Its scorecard is Ben's seat's, and every phone takes it as Ben's.
    p.phones[0].end_interview(i, t(4, 10)).unwrap();
    p.send(0);
    p.phones[3].save_scorecard_draft(i, draft()).unwrap();
    p.phones[3].submit_scorecard(i, t(4, 11)).unwrap();
    for got in p.send(3) {
        assert!(got.iter().all(applied), "{got:?}");
    }
    for s in &mut p.phones[..3] {
        let seals = s.scorecard_seals(i).unwrap();
        assert_eq!(seals.len(), 1, "{seals:?}");
        assert_eq!(seals[0].interviewer, seat("ben@acme"));
        assert!(!format!("{:?}", seals[0].state).contains("Refused"), "{seals:?}");
        assert!(s.envelope_problems(&roster).unwrap().is_empty());
    }
    // Ben's phone counts the card as its own seat's: it waits for no submission of its own,
    // only for the lead's release, and then opens it.
    assert!(format!("{:?}", p.phones[1].scorecard_seals(i).unwrap()[0].state).contains("WaitingForRelease"));
    assert!(p.phones[0].release_scorecards(i).unwrap() > 0);
    p.send(0);
    let seal = p.phones[1].scorecard_seals(i).unwrap().remove(0);
    assert_eq!(seal.scorecard.map(|c| c.comments), Some("solid".to_owned()));
}

#[test]
fn a_link_countersigned_by_another_seat_is_refused_by_every_peer() {
    let mut p = Panel::new(&["ben@acme", "cy@acme"]);
    let roster = p.roster;
    let eve = DeviceKeys::from_secret(&[66; 64]);
    let state = p.phones[0].roster(&roster).unwrap().state().clone();
    // Dee, a deputy, appends a link of Eve's device to Ben's seat, countersigned by Cy's phone
    // (which vouches only for its own seat) and, again, by Eve's own key.
    let cy_says = p.phones[2].countersign_link(&roster, eve.public(), "x").unwrap();
    let as_ben = |countersigner: [u8; 32], countersignature: [u8; 64]| {
        Entry::sign(
            &p.dee,
            p.phones[0].roster(&roster).unwrap().head(),
            Action::Link { seat: seat("ben@acme"), device: eve.public(), label: "x".into(), wrapped: vec![0; 104], earlier: vec![], countersigner, countersignature },
        )
    };
    let forged = [
        as_ben(cy_says.countersigner, cy_says.countersignature),
        as_ben(eve.public().signing, eve.sign(&countersigned_bytes(&state.panel, &seat("ben@acme"), &eve.public()))),
    ];
    for f in forged {
        let bytes = encode_entries(&[f]);
        for s in &mut p.phones {
            let head = s.roster(&roster).unwrap().head();
            assert!(!s.import_roster(&roster, &bytes).unwrap());
            let r = s.roster(&roster).unwrap();
            assert_eq!(r.head(), head);
            assert!(r.state().members.get(&eve.public().signing).is_none());
        }
    }
    // The same approval from Ben's own phone is one the roster takes.
    let ben_says = p.phones[1].countersign_link(&roster, eve.public(), "x").unwrap();
    p.phones[0].link_device(&roster, &ben_says).unwrap();
    p.share_roster(0);
    assert!(p.phones.iter().all(|s| s.roster(&roster).unwrap().state().current(&eve.public().signing).is_some()));
}

#[test]
fn after_a_transfer_the_new_lead_decides_and_the_old_lead_cannot() {
    let mut p = Panel::new(&["ben@acme", "cy@acme"]);
    let (c, i, roster) = (p.c, p.i, p.roster);
    p.phones[0].end_interview(i, t(4, 10)).unwrap();
    p.send(0);
    // Ana records a decision, then hands the panel to Cy and steps down as admin before her
    // phone sends it: it travels under the roster where she no longer is one.
    p.phones[0].decide_despite_missing_scorecards(c, Outcome::Reject, t(5, 9), None).unwrap();
    let cy = s_device(&p, 2);
    p.phones[0].transfer_lead(&roster, seat("cy@acme"), cy, false).unwrap();
    p.share_roster(0);
    let ana = s_device(&p, 0);
    for s in &p.phones {
        let r = s.roster(&roster).unwrap();
        assert_eq!(r.state().lead_seat, seat("cy@acme"));
        assert!(r.state().is_lead(&cy) && r.state().is_admin(&cy));
        assert!(!r.state().is_admin(&ana) && r.state().current(&ana).is_some(), "Ana stays on the panel as a member");
    }
    // Every peer refuses Ana's decision, naming her device.
    let ana_fp = p.phones[0].device().fingerprint();
    for got in p.send(0) {
        assert!(
            got.iter().any(|r| matches!(r, Receipt::Rejected(Rejection::Rule { device, violation: Violation::AdminOnly { .. } }) if *device == ana_fp)),
            "{got:?}"
        );
    }
    // Her phone follows the roster too: it no longer lets her decide, though the candidate
    // document still names her the lead.
    assert_eq!(p.phones[0].candidate(c).unwrap().lead, Some(seat("ana@acme")));
    assert!(matches!(p.phones[0].decide_despite_missing_scorecards(c, Outcome::Reject, t(5, 9), None), Err(Error::NotPermitted(_))));
    // Cy decides, and every phone takes it.
    p.phones[2].decide_despite_missing_scorecards(c, Outcome::Hire, t(5, 10), None).unwrap();
    for got in p.send(2) {
        assert!(got.iter().all(applied), "{got:?}");
    }
    for n in [1, 2] {
        let d = p.phones[n].candidate(c).unwrap().decision.expect("Cy's decision");
        assert_eq!((d.outcome, d.by), (Outcome::Hire, Some(seat("cy@acme"))));
    }
    assert_eq!(p.phones[1].heads(c).unwrap(), p.phones[2].heads(c).unwrap());
}

fn s_device(p: &Panel, n: usize) -> [u8; 32] {
    p.phones[n].device().signing
}

#[test]
fn a_removed_devices_change_that_a_member_applied_first_is_released_everywhere() {
    let mut p = Panel::new(&["ben@acme", "cy@acme", "dan@acme"]);
    let (i, roster) = (p.i, p.roster);
    // Dan writes; only Cy's phone hears it before Ana removes him.
    p.phones[3].splice_notes(i, "learn", 0, 0, "Dan, late: ").unwrap();
    let from_dan = p.phones[3].seal_outgoing(&roster).unwrap();
    assert!(from_dan.iter().all(|e| applied(&p.phones[2].receive_envelope(&roster, e).unwrap())));
    let dan = s_device(&p, 3);
    p.phones[0].remove_device(&roster, dan).unwrap();
    let entries = p.phones[0].roster_bytes(&roster).unwrap();
    p.phones[1].import_roster(&roster, &entries).unwrap();
    let dan_fp = p.phones[3].device().fingerprint();
    for e in &from_dan {
        assert_eq!(p.phones[0].receive_envelope(&roster, e).unwrap(), Receipt::Held(Hold::AfterRemoval { device: dan_fp.clone() }));
    }
    assert!(!p.phones[0].notes(i, "learn").unwrap().contains("Dan, late"));
    // Cy hears of the removal after applying Dan's change: her phone says so with an empty
    // change of its own, which depends on Dan's.
    p.phones[2].import_roster(&roster, &entries).unwrap();
    let from_cy = p.phones[2].seal_outgoing(&roster).unwrap();
    assert_eq!(from_cy.len(), 1, "one run: the empty change");
    // Ana holds Dan's change and takes Cy's: both go in.
    assert!(applied(&p.phones[0].receive_envelope(&roster, &from_cy[0]).unwrap()));
    assert_eq!(p.phones[0].held_envelopes(&roster).unwrap(), 0);
    // Ben hears them the other way round: Cy's run waits for Dan's, then both go in.
    assert_eq!(p.phones[1].receive_envelope(&roster, &from_cy[0]).unwrap(), Receipt::Held(Hold::MissingDependencies));
    assert!(!p.phones[1].notes(i, "learn").unwrap().contains("Dan, late"));
    assert_eq!(p.phones[1].receive_envelope(&roster, &from_dan[0]).unwrap(), Receipt::Held(Hold::AfterRemoval { device: dan_fp.clone() }));
    assert_eq!(p.phones[1].held_envelopes(&roster).unwrap(), 0);
    for n in [0, 1] {
        assert!(p.phones[n].notes(i, "learn").unwrap().starts_with("Dan, late: "));
        assert_eq!(p.phones[n].heads(i).unwrap(), p.phones[2].heads(i).unwrap());
    }
    // What Dan writes next, which no member builds on, stays held.
    p.phones[3].splice_notes(i, "learn", 0, 0, "Dan again: ").unwrap();
    let again = p.phones[3].seal_outgoing(&roster).unwrap();
    for n in [0, 1, 2] {
        for e in &again {
            assert!(matches!(p.phones[n].receive_envelope(&roster, e).unwrap(), Receipt::Held(Hold::AfterRemoval { .. } | Hold::UnknownEpoch(_))));
        }
        assert!(!p.phones[n].notes(i, "learn").unwrap().contains("Dan again"));
    }
    // Until an admin accepts it: Ana moves Dan's cutoff past it, and every phone that takes
    // in her entry applies what it held.
    p.phones[0].accept_held(&roster, dan, i, 2).unwrap();
    assert!(p.phones[0].notes(i, "learn").unwrap().starts_with("Dan again: "));
    p.share_roster(0);
    for n in [1, 2] {
        assert_eq!(p.phones[n].held_envelopes(&roster).unwrap(), 0);
        assert_eq!(p.phones[n].heads(i).unwrap(), p.phones[0].heads(i).unwrap());
    }
    // An acceptance signed by a device that is no admin is no roster entry at all.
    let head = p.phones[1].roster(&roster).unwrap().head();
    let forged = Entry::sign(&DeviceKeys::from_secret(&[66; 64]), head, Action::AcceptHeld { device: dan, document: i, up_to: 99 });
    assert!(!p.phones[1].import_roster(&roster, &encode_entries(&[forged])).unwrap());
}
