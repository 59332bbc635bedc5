//! Convergence under a hostile network. 2 to 5 peers make random edits of every kind (notes
//! with emoji, logistics, questions, stage starts, scorecards, decisions) while the frames
//! between them are delayed, reordered, duplicated, lost, and connections drop and come back.
//! After the network heals, every peer has identical documents, index rows and conflict
//! lists, and no edit is lost.
//!
//! PROPTEST_CASES sets the number of cases (default 200 here; the README documents a longer run).

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use panelnotes_core::model::{
    LogisticsUpdate, NewCandidate, NewInterview, Outcome, QuestionKind, Ratings, Recommendation,
    SalaryExpectation, ScorecardDraft, Template,
};
use panelnotes_core::sync::{Connection, Grant, Role};
use panelnotes_core::{DocumentId, Identity, InterviewerId, ManualClock, Store, StoreOptions};
use proptest::prelude::*;

const STAGES: [&str; 5] = ["pitch", "learn", "questions", "logistics", "next_steps"];
const PIECES: [&str; 6] = ["a", " ", "🚀", "中文", "é", "👩🏽‍💻"];

#[derive(Clone, Debug)]
enum Edit {
    /// Inserts a unique token into a stage's notes at a fraction of its length.
    Type { stage: usize, at: u16, piece: usize },
    /// Deletes a few characters of the pitch notes (tokens elsewhere are never deleted).
    Erase { at: u16, len: u8 },
    Question { specific: bool },
    Notice(u16),
    Salary(u8),
    StartStage { stage: usize, minute: u8 },
    Submit(u8),
    Decide(bool),
    Tick,
    /// Lets (simulated) time pass, so ticks fold on the idle, word and cap rules.
    Wait { ms: u16 },
}

#[derive(Clone, Debug)]
enum Action {
    Edit { peer: usize, edit: Edit },
    Offer { link: usize },
    Deliver { link: usize, forward: bool, pick: u16 },
    Duplicate { link: usize, forward: bool, pick: u16 },
    Lose { link: usize, forward: bool, pick: u16 },
    Reconnect { link: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => (0..STAGES.len(), any::<u16>(), 0..PIECES.len()).prop_map(|(stage, at, piece)| Edit::Type { stage, at, piece }),
        1 => (any::<u16>(), 1u8..4).prop_map(|(at, len)| Edit::Erase { at, len }),
        1 => any::<bool>().prop_map(|specific| Edit::Question { specific }),
        1 => (0u16..200).prop_map(Edit::Notice),
        1 => any::<u8>().prop_map(Edit::Salary),
        1 => (0..STAGES.len(), any::<u8>()).prop_map(|(stage, minute)| Edit::StartStage { stage, minute }),
        1 => (0u8..4).prop_map(Edit::Submit),
        1 => any::<bool>().prop_map(Edit::Decide),
        1 => Just(Edit::Tick),
        1 => (0u16..8000).prop_map(|ms| Edit::Wait { ms }),
    ]
}

fn action(peers: usize) -> impl Strategy<Value = Action> {
    let links = peers * (peers - 1) / 2;
    prop_oneof![
        4 => (0..peers, edit()).prop_map(|(peer, edit)| Action::Edit { peer, edit }),
        2 => (0..links).prop_map(|link| Action::Offer { link }),
        5 => (0..links, any::<bool>(), any::<u16>()).prop_map(|(link, forward, pick)| Action::Deliver { link, forward, pick }),
        1 => (0..links, any::<bool>(), any::<u16>()).prop_map(|(link, forward, pick)| Action::Duplicate { link, forward, pick }),
        1 => (0..links, any::<bool>(), any::<u16>()).prop_map(|(link, forward, pick)| Action::Lose { link, forward, pick }),
        1 => (0..links).prop_map(|link| Action::Reconnect { link }),
    ]
}

/// Peers, actions, and the seed of the stores' ids: with the injected clock, a case replays
/// exactly (same change hashes, same Bloom filters, same folds).
fn scenario() -> impl Strategy<Value = (usize, Vec<Action>, u64)> {
    (2usize..=5).prop_flat_map(|peers| (Just(peers), prop::collection::vec(action(peers), 20..120), any::<u64>()))
}

struct Wire {
    a: usize,
    b: usize,
    ca: Option<Connection>,
    cb: Option<Connection>,
    forward: Vec<Vec<u8>>,
    back: Vec<Vec<u8>>,
}

struct World {
    _dir: tempfile::TempDir,
    stores: Vec<Store>,
    wires: Vec<Wire>,
    grant: Grant,
    c: DocumentId,
    i: DocumentId,
    /// Question texts and note tokens each peer wrote: all must survive.
    questions: BTreeSet<String>,
    tokens: BTreeSet<String>,
    counter: u64,
    clock: ManualClock,
}

fn who(n: usize) -> InterviewerId {
    InterviewerId::new(format!("p{n}@acme")).unwrap()
}

impl World {
    fn new(peers: usize, seed: u64) -> World {
        let dir = tempfile::tempdir().unwrap();
        // After every time the edits below use: the store refuses events in its future.
        let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap());
        let mut stores: Vec<Store> = (0..peers)
            .map(|n| {
                let options = StoreOptions {
                    clock: std::sync::Arc::new(clock.clone()),
                    seed: Some(seed.wrapping_add(n as u64)),
                    ..Default::default()
                };
                Store::open_with(dir.path().join(format!("{n}.sqlite3")), Identity { id: who(n), display_name: format!("P{n}") }, options)
                    .unwrap()
            })
            .collect();
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let c = stores[0]
            .create_candidate(NewCandidate { name: "Dana".into(), role: "SRE".into(), source: None, contact: None, applied_at: t0 })
            .unwrap();
        let i = stores[0]
            .schedule_interview(NewInterview {
                candidate_id: c,
                title: None,
                template: Template::playbook(),
                booked_at: t0,
                scheduled_start: t0 + Duration::days(1),
                minutes: None,
                panelists: (0..peers).map(who).collect(),
                lead: who(0),
            })
            .unwrap();
        let grant = Grant::documents([c, i]);
        let mut wires = Vec::new();
        for a in 0..peers {
            for b in a + 1..peers {
                wires.push(Wire { a, b, ca: None, cb: None, forward: vec![], back: vec![] });
            }
        }
        let mut w = World { _dir: dir, stores, wires, grant, c, i, questions: BTreeSet::new(), tokens: BTreeSet::new(), counter: 0, clock };
        for l in 0..w.wires.len() {
            w.reconnect(l);
        }
        w.heal();
        w
    }

    fn reconnect(&mut self, l: usize) {
        let (a, b) = (self.wires[l].a, self.wires[l].b);
        if let Some(mut c) = self.wires[l].ca.take() {
            let _ = c.close(&mut self.stores[a]);
        }
        if let Some(mut c) = self.wires[l].cb.take() {
            let _ = c.close(&mut self.stores[b]);
        }
        let mut ca = Connection::new(&self.stores[a], Role::Initiator, self.grant.clone()).unwrap();
        let cb = Connection::new(&self.stores[b], Role::Responder, self.grant.clone()).unwrap();
        let w = &mut self.wires[l];
        w.forward = ca.take_outgoing();
        w.back.clear();
        w.ca = Some(ca);
        w.cb = Some(cb);
    }

    fn offer(&mut self, l: usize) {
        let (a, b) = (self.wires[l].a, self.wires[l].b);
        let w = &mut self.wires[l];
        if let Some(ca) = w.ca.as_mut() {
            if let Ok(out) = ca.poll(&mut self.stores[a]) {
                w.forward.extend(out);
            }
        }
        if let Some(cb) = w.cb.as_mut() {
            if let Ok(out) = cb.poll(&mut self.stores[b]) {
                w.back.extend(out);
            }
        }
    }

    /// Delivers one frame; a connection that fails is dead until the next reconnect.
    fn deliver(&mut self, l: usize, forward: bool, pick: usize) {
        let (a, b) = (self.wires[l].a, self.wires[l].b);
        let w = &mut self.wires[l];
        let queue = if forward { &mut w.forward } else { &mut w.back };
        if queue.is_empty() {
            return;
        }
        let frame = queue.remove(pick % queue.len());
        let (receiver, store) = if forward { (&mut w.cb, &mut self.stores[b]) } else { (&mut w.ca, &mut self.stores[a]) };
        let Some(conn) = receiver.as_mut() else { return };
        match conn.receive(store, &frame) {
            Ok(_) => {
                let out = conn.take_outgoing();
                if forward { w.back.extend(out) } else { w.forward.extend(out) }
            }
            Err(_) => {
                w.ca = None;
                w.cb = None;
                w.forward.clear();
                w.back.clear();
            }
        }
    }

    fn heal(&mut self) {
        for l in 0..self.wires.len() {
            self.reconnect(l);
        }
        for round in 0.. {
            assert!(round < 400, "the healed network did not converge");
            for l in 0..self.wires.len() {
                self.offer(l);
            }
            let mut moved = false;
            for l in 0..self.wires.len() {
                while !self.wires[l].forward.is_empty() || !self.wires[l].back.is_empty() {
                    moved = true;
                    self.deliver(l, true, 0);
                    self.deliver(l, false, 0);
                }
                assert!(self.wires[l].ca.is_some(), "a reliable connection failed");
            }
            if !moved {
                break;
            }
        }
    }

    fn edit(&mut self, peer: usize, e: &Edit) {
        self.counter += 1;
        let n = self.counter;
        let (c, i) = (self.c, self.i);
        let s = &mut self.stores[peer];
        let t = Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap();
        match e {
            Edit::Type { stage, at, piece } => {
                let text = s.notes(i, STAGES[*stage]).unwrap();
                // Tokens go between tokens (never inside one), so each stays findable; the
                // pitch stage takes plain characters anywhere.
                let mut spots = vec![0u64];
                let mut units = 0u64;
                for ch in text.chars() {
                    units += ch.len_utf16() as u64;
                    if *stage == 0 || ch == '⟩' {
                        spots.push(units);
                    }
                }
                let pos = spots[(*at as usize * spots.len()) / (u16::MAX as usize + 1)];
                let token = if *stage == 0 { PIECES[*piece].to_string() } else { format!("⟨{peer}.{n}{}⟩", PIECES[*piece]) };
                s.splice_notes(i, STAGES[*stage], pos, 0, &token).unwrap();
                if *stage != 0 {
                    self.tokens.insert(token);
                }
            }
            Edit::Erase { at, len } => {
                let text = s.notes(i, "pitch").unwrap();
                let chars: Vec<char> = text.chars().collect();
                if chars.is_empty() {
                    return;
                }
                let ci = (*at as usize * chars.len()) / (u16::MAX as usize + 1);
                let end = (ci + *len as usize).min(chars.len());
                let pos: u64 = chars[..ci].iter().map(|c| c.len_utf16() as u64).sum();
                let del: u64 = chars[ci..end].iter().map(|c| c.len_utf16() as u64).sum();
                s.splice_notes(i, "pitch", pos, del, "").unwrap();
            }
            Edit::Question { specific } => {
                let q = format!("question {peer}.{n}");
                let kind = if *specific { QuestionKind::Specific } else { QuestionKind::Generic };
                s.add_question(i, &q, kind, t).unwrap();
                self.questions.insert(q);
            }
            Edit::Notice(d) => s.set_logistics(c, LogisticsUpdate { notice_period_days: Some(*d as u32), ..Default::default() }).unwrap(),
            Edit::Salary(k) => {
                let min = 50_000 + *k as i64 * 1000;
                s.set_logistics(c, LogisticsUpdate {
                    salary: Some(SalaryExpectation::Range { min, max: min + 10_000, currency: "EUR".into() }),
                    ..Default::default()
                })
                .unwrap()
            }
            Edit::StartStage { stage, minute } => {
                match s.start_stage(i, STAGES[*stage], t + Duration::minutes(*minute as i64)) {
                    Ok(()) | Err(panelnotes_core::Error::InvalidArgument(_) | panelnotes_core::Error::OutOfOrder { .. }) => {} // ended, or before the running stage
                    Err(e) => panic!("{e}"),
                }
            }
            Edit::Submit(r) => {
                let rec = [Recommendation::StrongNo, Recommendation::No, Recommendation::Yes, Recommendation::StrongYes][*r as usize];
                let draft = ScorecardDraft {
                    ratings: Ratings { technical_depth: Some(1 + *r), reaction_to_challenge: Some(2), business_understanding: Some(3), question_quality: Some(4) },
                    recommendation: Some(rec),
                    comments: format!("card {peer}"),
                };
                match s.save_scorecard_draft(i, draft) {
                    // A scorecard needs the interview ended (after any stage start above).
                    Ok(()) => {
                        let _ = s.end_interview(i, t + Duration::hours(5));
                        s.submit_scorecard(i, t + Duration::hours(6)).unwrap()
                    }
                    Err(panelnotes_core::Error::NotPermitted(_)) => {} // submitted already
                    Err(e) => panic!("{e}"),
                }
            }
            Edit::Decide(hire) => {
                let o = if *hire { Outcome::Hire } else { Outcome::Reject };
                // Deciding with scorecards missing is the explicit override: decisions must still
                // happen mid-panel here, whatever arrived.
                match s.decide_despite_missing_scorecards(c, o, t + Duration::days(1), None) {
                    Ok(()) | Err(panelnotes_core::Error::NotPermitted(_)) => {} // only the lead decides
                    Err(e) => panic!("{e}"),
                }
            }
            Edit::Tick => s.tick().unwrap(),
            Edit::Wait { ms } => self.clock.advance(std::time::Duration::from_millis(*ms as u64)),
        }
    }

    fn run(&mut self, a: &Action) {
        match a {
            Action::Edit { peer, edit } => self.edit(*peer, edit),
            Action::Offer { link } => self.offer(*link),
            Action::Deliver { link, forward, pick } => self.deliver(*link, *forward, *pick as usize),
            Action::Duplicate { link, forward, pick } => {
                let w = &mut self.wires[*link];
                let q = if *forward { &mut w.forward } else { &mut w.back };
                if !q.is_empty() {
                    let f = q[*pick as usize % q.len()].clone();
                    q.push(f);
                }
            }
            Action::Lose { link, forward, pick } => {
                let w = &mut self.wires[*link];
                let q = if *forward { &mut w.forward } else { &mut w.back };
                if !q.is_empty() {
                    q.remove(*pick as usize % q.len());
                }
            }
            Action::Reconnect { link } => self.reconnect(*link),
        }
    }

    /// Everything a peer shows, as one comparable value.
    fn observe(&mut self, peer: usize) -> String {
        let (c, i) = (self.c, self.i);
        let s = &mut self.stores[peer];
        let mut out = format!("{:?}\n{:?}\n", s.heads(c).unwrap(), s.heads(i).unwrap());
        out += &format!("{:?}\n{:?}\n", s.candidate(c).unwrap(), s.interview(i).unwrap());
        for st in STAGES {
            out += &format!("{st}: {}\n", s.notes(i, st).unwrap());
        }
        out += &format!("{:?}\n{:?}\n", s.candidates().unwrap(), s.timeline(c).unwrap());
        out += &format!("{:?}\n", s.all_conflicts().unwrap());
        out
    }
}

fn check(peers: usize, actions: &[Action], seed: u64) -> Result<(), TestCaseError> {
    let mut w = World::new(peers, seed);
    let watch = std::env::var("CONV_WATCH").is_ok();
    for (n, a) in actions.iter().enumerate() {
        w.run(a);
        if watch {
            // Each peer must always hold every token it typed itself.
            let i = w.i;
            for p in 0..peers {
                let mine = format!("⟨{p}.");
                let all: String = STAGES.iter().map(|st| w.stores[p].notes(i, st).unwrap()).collect();
                for t in w.tokens.iter().filter(|t| t.starts_with(&mine)) {
                    assert!(all.contains(t.as_str()), "after action {n} {a:?}: peer {p} lost its own {t}");
                }
            }
        }
    }
    w.heal();
    let first = w.observe(0);
    for p in 1..peers {
        let other = w.observe(p);
        prop_assert_eq!(&first, &other, "peer {} differs from peer 0", p);
    }
    let i = w.i;
    let interview = w.stores[0].interview(i).unwrap();
    let questions: BTreeSet<String> = interview.questions.iter().map(|q| q.text.clone()).collect();
    prop_assert_eq!(&questions, &w.questions, "a question was lost");
    let mut notes = String::new();
    for st in &STAGES[1..] {
        notes += &w.stores[0].notes(i, st).unwrap();
    }
    for t in &w.tokens {
        prop_assert!(notes.contains(t.as_str()), "note token {} was lost", t);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200),
        max_shrink_iters: 200,
        .. ProptestConfig::default()
    })]

    #[test]
    fn peers_converge_whatever_the_network_does((peers, actions, seed) in scenario()) {
        check(peers, &actions, seed)?;
    }
}
