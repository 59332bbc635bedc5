use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ScalarValue, ROOT};

use super::*;
use crate::ids::InterviewerId;
use crate::trust::roster::{Action, Entry, Seat, NO_PARENT};
use crate::trust::rules::{check_run, Violation};
use crate::trust::seal::wrap_to;

fn device(n: u8) -> DeviceKeys {
    DeviceKeys::from_secret(&[n; crate::keys::STORED_LEN])
}

fn seat(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

const DOC: [u8; 16] = [2; 16];

struct Panel {
    ana: DeviceKeys,
    ben: DeviceKeys,
    cy: DeviceKeys,
    roster: Roster,
    secret: Secret,
}

fn panel() -> Panel {
    let (ana, ben, cy) = (device(1), device(2), device(3));
    let secret = Secret::from_bytes([9; 32]);
    let w = |d: &DeviceKeys| wrap_to(&d.public().agreement, &secret, b"e0", [1; 32], [1; 24]);
    let mut roster = Roster::new(Entry::sign(
        &ana,
        NO_PARENT,
        Action::Genesis {
            panel: [1; 16],
            documents: vec![(DocumentId::from_bytes(DOC), DocKind::Interview)],
            seats: vec![
                Seat { interviewer: seat("ana"), admin: true },
                Seat { interviewer: seat("ben"), admin: false },
                Seat { interviewer: seat("cy"), admin: false },
            ],
            lead_seat: seat("ana"),
            lead_device: ana.public(),
            lead_label: "iPhone".into(),
            wrapped: w(&ana),
        },
    ))
    .unwrap();
    for (s, d) in [("ben", &ben), ("cy", &cy)] {
        let e = Entry::sign(&ana, roster.head(), Action::Admit { seat: seat(s), device: d.public(), label: "phone".into(), wrapped: w(d), earlier: vec![] });
        roster.append(e).unwrap();
    }
    Panel { ana, ben, cy, roster, secret }
}

/// The lead's document: notes, a scorecards map, a decision field.
fn lead_doc(p: &Panel) -> AutoCommit {
    let mut d = AutoCommit::new().with_actor(p.ana.actor());
    let notes = d.put_object(ROOT, "notes", ObjType::Map).unwrap();
    d.put_object(&notes, "learn", ObjType::Text).unwrap();
    d.put_object(ROOT, "scorecards", ObjType::Map).unwrap();
    d.put(ROOT, "lead", "ana").unwrap();
    d.commit();
    d
}

fn seal_run(p: &Panel, by: &DeviceKeys, seq: u64, run: &mut [Change]) -> Vec<u8> {
    seal(by, &p.secret, 0, [1; 16], DocumentId::from_bytes(DOC), DocKind::Interview, p.roster.head(), seq, run, [seq as u8; 24])
}

fn opened(p: &Panel, bytes: &[u8]) -> Opened {
    match open(bytes, &p.roster, |e| (e == 0).then(|| p.secret.clone())) {
        Verdict::Open(o) => *o,
        Verdict::Hold(h) => panic!("held: {h:?}"),
        Verdict::Reject(r) => panic!("rejected: {r}"),
    }
}

fn rejection(p: &Panel, bytes: &[u8]) -> Rejection {
    match open(bytes, &p.roster, |e| (e == 0).then(|| p.secret.clone())) {
        Verdict::Reject(r) => r,
        Verdict::Open(_) => panic!("accepted"),
        Verdict::Hold(h) => panic!("held: {h:?}"),
    }
}

/// Ben's copy of the lead's document, with one edit of his.
fn ben_edit(p: &Panel, base: &mut AutoCommit, edit: impl FnOnce(&mut AutoCommit)) -> Change {
    let mut d = base.fork().with_actor(p.ben.actor());
    edit(&mut d);
    d.commit();
    d.get_last_local_change().unwrap()
}

#[test]
fn a_members_own_run_opens_and_passes_the_rules() {
    let p = panel();
    let mut doc = lead_doc(&p);
    let change = ben_edit(&p, &mut doc, |d| {
        let notes = d.get(ROOT, "notes").unwrap().unwrap().1;
        let t = d.get(&notes, "learn").unwrap().unwrap().1;
        d.splice_text(&t, 0, 0, "uses Kafka").unwrap();
        let cards = d.get(ROOT, "scorecards").unwrap().unwrap().1;
        d.put(&cards, "ben", ScalarValue::Bytes(vec![1, 2, 3])).unwrap();
    });
    let bytes = seal_run(&p, &p.ben, 1, &mut [change]);
    assert!(!bytes.windows(5).any(|w| w == b"Kafka"), "the run travels sealed");
    let o = opened(&p, &bytes);
    assert_eq!(o.role, Role::Member { seat: seat("ben") });
    assert_eq!(o.body.seq, 1);
    check_run(&doc, DocKind::Interview, &o.role, &o.changes).unwrap();
}

#[test]
fn the_rules_hold_on_what_the_change_does() {
    let p = panel();
    let mut doc = lead_doc(&p);
    let role = Role::Member { seat: seat("ben") };
    let as_cy = ben_edit(&p, &mut doc, |d| {
        let cards = d.get(ROOT, "scorecards").unwrap().unwrap().1;
        let theirs = d.put_object(&cards, "cy", ObjType::Map).unwrap();
        d.put(&theirs, "depth", 1).unwrap();
    });
    assert_eq!(check_run(&doc, DocKind::Interview, &role, &[as_cy]), Err(Violation::OthersScorecard("cy".into())));
    let lead = ben_edit(&p, &mut doc, |d| d.put(ROOT, "lead", "ben").unwrap());
    assert!(matches!(check_run(&doc, DocKind::Interview, &role, &[lead.clone()]), Err(Violation::AdminOnly { .. })));
    let decision = ben_edit(&p, &mut doc, |d| d.put(ROOT, "decision", "hire").unwrap());
    assert!(matches!(check_run(&doc, DocKind::Candidate, &role, &[decision]), Err(Violation::AdminOnly { .. })));
    // Replacing the whole scorecards map is as much the lead's as any one card.
    let replace = ben_edit(&p, &mut doc, |d| {
        d.put_object(ROOT, "scorecards", ObjType::Map).unwrap();
    });
    assert!(matches!(check_run(&doc, DocKind::Interview, &role, &[replace]), Err(Violation::AdminOnly { .. })));
    check_run(&doc, DocKind::Interview, &Role::Admin, &[lead]).unwrap();
    // A nested object the run does not know and the history does not have.
    let mut other = AutoCommit::new().with_actor(p.ben.actor());
    let m = other.put_object(ROOT, "notes", ObjType::Map).unwrap();
    other.commit();
    other.put(&m, "x", 1).unwrap();
    other.commit();
    let orphan = other.get_last_local_change().unwrap();
    assert_eq!(check_run(&doc, DocKind::Interview, &role, &[orphan]), Err(Violation::UnknownObject));
}

#[test]
fn forged_tampered_and_foreign_envelopes_are_refused_naming_the_device() {
    let p = panel();
    let mut doc = lead_doc(&p);
    let ben_fp = p.ben.public().fingerprint();
    let notes = |d: &mut AutoCommit| {
        let n = d.get(ROOT, "notes").unwrap().unwrap().1;
        let t = d.get(&n, "learn").unwrap().unwrap().1;
        d.splice_text(&t, 0, 0, "x").unwrap();
    };
    // Ben's change sealed as if Cy had signed it: Cy's key did not sign it.
    let change = ben_edit(&p, &mut doc, notes);
    let mut by_cy = seal_run(&p, &p.cy, 1, &mut [change.clone()]);
    // ...but the device inside claims Cy, and the change's actor is Ben's.
    assert_eq!(rejection(&p, &by_cy), Rejection::ForeignChange { device: p.cy.public().fingerprint() });
    // Flipping any sealed byte breaks the seal.
    let last = by_cy.len() - 1;
    by_cy[last] ^= 1;
    assert_eq!(rejection(&p, &by_cy), Rejection::Undecryptable);
    // A device that is not on the roster.
    let eve = device(9);
    let theirs = {
        let mut d = doc.fork().with_actor(eve.actor());
        notes(&mut d);
        d.commit();
        d.get_last_local_change().unwrap()
    };
    let bytes = seal(&eve, &p.secret, 0, [1; 16], DocumentId::from_bytes(DOC), DocKind::Interview, p.roster.head(), 1, &mut [theirs], [3; 24]);
    assert_eq!(rejection(&p, &bytes), Rejection::NotMember(eve.public().fingerprint()));
    // A document that is not the panel's.
    let bytes = seal(&p.ben, &p.secret, 0, [1; 16], DocumentId::from_bytes([7; 16]), DocKind::Interview, p.roster.head(), 1, &mut [change.clone()], [4; 24]);
    assert_eq!(rejection(&p, &bytes), Rejection::NotInPanel { device: ben_fp.clone() });
    // Another panel's secret does not open it; a later epoch waits for its secret.
    let other = Secret::from_bytes([8; 32]);
    let bytes = seal(&p.ben, &other, 0, [1; 16], DocumentId::from_bytes(DOC), DocKind::Interview, p.roster.head(), 1, &mut [change.clone()], [5; 24]);
    assert_eq!(rejection(&p, &bytes), Rejection::Undecryptable);
    let bytes = seal(&p.ben, &p.secret, 3, [1; 16], DocumentId::from_bytes(DOC), DocKind::Interview, p.roster.head(), 1, &mut [change.clone()], [5; 24]);
    assert!(matches!(open(&bytes, &p.roster, |e| (e == 0).then(|| p.secret.clone())), Verdict::Hold(Hold::UnknownEpoch(3))));
    // A roster prefix this phone has not seen: held, not rejected.
    let bytes = seal(&p.ben, &p.secret, 0, [1; 16], DocumentId::from_bytes(DOC), DocKind::Interview, [6; 32], 1, &mut [change.clone()], [6; 24]);
    assert!(matches!(open(&bytes, &p.roster, |_| Some(p.secret.clone())), Verdict::Hold(Hold::UnknownRosterHead)));
    // Garbage of every length is a typed rejection.
    for n in [0, 1, 5, 28, 29, 60] {
        assert!(matches!(open(&vec![1; n], &p.roster, |_| Some(p.secret.clone())), Verdict::Reject(_)));
    }
}

#[test]
fn a_member_cannot_slip_a_change_into_a_colleagues_signed_run() {
    let p = panel();
    let mut doc = lead_doc(&p);
    let mut d = doc.fork().with_actor(p.cy.actor());
    let cards = d.get(ROOT, "scorecards").unwrap().unwrap().1;
    let card = d.put_object(&cards, "cy", ObjType::Map).unwrap();
    d.put(&card, "depth", 4).unwrap();
    d.commit();
    let honest = d.get_last_local_change().unwrap();
    let sealed = seal_run(&p, &p.cy, 1, &mut [honest.clone()]);
    let mut body = opened(&p, &sealed).body;
    // Ben holds the secret: he writes a change with Cy's actor and re-seals Cy's body with it.
    let mut forged = doc.fork().with_actor(p.cy.actor());
    let cards = forged.get(ROOT, "scorecards").unwrap().unwrap().1;
    let card = forged.put_object(&cards, "cy", ObjType::Map).unwrap();
    forged.put(&card, "depth", 1).unwrap();
    forged.commit();
    let mut forged = forged.get_last_local_change().unwrap();
    body.changes.insert(0, forged.bytes().into_owned());
    let mut out = vec![VERSION, 0, 0, 0, 0];
    out.extend_from_slice(&[7; 24]);
    let aad = out.clone();
    out.extend_from_slice(&p.secret.derive("envelope", &[1; 16]).seal(&[7; 24], &aad, &body.encode()));
    assert_eq!(rejection(&p, &out), Rejection::RunMismatch { device: p.cy.public().fingerprint() });
    let _ = &p.ana;
}

/// Ben's edit on top of `base` as it is, with the change applied to `base` too.
fn ben_commits(p: &Panel, base: &mut AutoCommit, edit: impl FnOnce(&mut AutoCommit)) -> Change {
    let c = ben_edit(p, base, edit);
    base.apply_changes([c.clone()]).unwrap();
    c
}

fn card(b: u8) -> ScalarValue {
    ScalarValue::Bytes(vec![b; 8])
}

#[test]
fn a_submitted_scorecard_cannot_change_not_even_by_an_admin() {
    let p = panel();
    let mut doc = lead_doc(&p);
    let ben = Role::Member { seat: seat("ben") };
    let cards = |d: &AutoCommit| d.get(ROOT, "scorecards").unwrap().unwrap().1;
    let mut before = doc.fork();
    let submit = ben_commits(&p, &mut doc, |d| d.put(&cards(d), "ben", card(1)).unwrap());
    check_run(&before, DocKind::Interview, &ben, &[submit.clone()]).unwrap();

    let rewrite = ben_edit(&p, &mut doc, |d| d.put(&cards(d), "ben", card(2)).unwrap());
    assert_eq!(check_run(&doc, DocKind::Interview, &ben, &[rewrite.clone()]), Err(Violation::ScorecardSubmitted("ben".into())));
    assert_eq!(check_run(&doc, DocKind::Interview, &Role::Admin, &[rewrite]), Err(Violation::ScorecardSubmitted("ben".into())));
    let delete = ben_edit(&p, &mut doc, |d| d.delete(&cards(d), "ben").unwrap());
    assert_eq!(check_run(&doc, DocKind::Interview, &ben, &[delete]), Err(Violation::ScorecardSubmitted("ben".into())));
    let replace = ben_edit(&p, &mut doc, |d| {
        d.put_object(ROOT, "scorecards", ObjType::Map).unwrap();
    });
    assert_eq!(check_run(&doc, DocKind::Interview, &Role::Admin, &[replace]), Err(Violation::ScorecardsReplaced));

    // A rewrite later in a run names the run's first change as its dependency, which the
    // receiver does not hold yet; the rule still sees the card that was there before.
    let mut d = doc.fork().with_actor(p.ben.actor());
    let notes = d.get(ROOT, "notes").unwrap().unwrap().1;
    let t = d.get(&notes, "learn").unwrap().unwrap().1;
    d.splice_text(&t, 0, 0, "calm").unwrap();
    d.commit();
    let first = d.get_last_local_change().unwrap();
    d.put(&cards(&d), "ben", card(3)).unwrap();
    d.commit();
    let second = d.get_last_local_change().unwrap();
    assert_eq!(check_run(&doc, DocKind::Interview, &ben, &[first.clone(), second]), Err(Violation::ScorecardSubmitted("ben".into())));
    // And a card written twice in one run is changed by its second write.
    let mut d = before.fork().with_actor(p.ben.actor());
    d.put(&cards(&d), "ben", card(1)).unwrap();
    d.commit();
    let once = d.get_last_local_change().unwrap();
    d.put(&cards(&d), "ben", card(4)).unwrap();
    d.commit();
    let twice = d.get_last_local_change().unwrap();
    assert_eq!(check_run(&before, DocKind::Interview, &ben, &[once, twice]), Err(Violation::ScorecardSubmitted("ben".into())));

    // A card is one sealed blob, never an editable object.
    let editable = ben_edit(&p, &mut before.fork(), |d| {
        let m = d.put_object(&cards(d), "ben", ObjType::Map).unwrap();
        d.put(&m, "depth", 4).unwrap();
    });
    assert_eq!(check_run(&before, DocKind::Interview, &ben, &[editable]), Err(Violation::ScorecardNotSealed("ben".into())));
}

#[test]
fn only_an_admin_writes_the_reveal_key_and_releases() {
    let p = panel();
    let mut doc = lead_doc(&p);
    let releases = {
        let mut d = doc.fork().with_actor(p.ana.actor());
        d.put_object(ROOT, "releases", ObjType::Map).unwrap();
        d.put(ROOT, "revealKey", card(7)).unwrap();
        d.commit();
        let c = d.get_last_local_change().unwrap();
        check_run(&doc, DocKind::Interview, &Role::Admin, &[c.clone()]).unwrap();
        doc.apply_changes([c]).unwrap();
        doc.get(ROOT, "releases").unwrap().unwrap().1
    };
    let ben = Role::Member { seat: seat("ben") };
    let release = ben_edit(&p, &mut doc, |d| d.put(&releases, "cy/00", card(1)).unwrap());
    assert_eq!(check_run(&doc, DocKind::Interview, &ben, &[release.clone()]), Err(Violation::AdminOnly { kind: "interview", field: "releases".into() }));
    check_run(&doc, DocKind::Interview, &Role::Admin, &[release]).unwrap();
    let reveal = ben_edit(&p, &mut doc, |d| d.put(ROOT, "revealKey", card(2)).unwrap());
    assert_eq!(check_run(&doc, DocKind::Interview, &ben, &[reveal]), Err(Violation::AdminOnly { kind: "interview", field: "revealKey".into() }));
}
