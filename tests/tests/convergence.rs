//! Convergence under a hostile network. 2 to 5 peers make random edits of every kind (notes
//! with emoji, logistics, questions, stage starts, scorecards, decisions) while the frames
//! between them are delayed, reordered, duplicated, lost, and connections drop and come back.
//! After the network heals, every peer has identical documents, index rows and conflict
//! lists, and no edit is lost.
//!
//! PROPTEST_CASES sets the number of cases (default 200 here; the README documents a longer run).

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use panelnotes_core::model::{NewCandidate, NewInterview, Template};
use panelnotes_core::sync::{Connection, Grant, Role};
use panelnotes_core::{DocumentId, Identity, InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::schedule::{observe, Edit, Script, PIECES, STAGES};
use proptest::prelude::*;

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
    script: Script,
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
        let mut w = World { _dir: dir, stores, wires, grant, c, i, script: Script::default(), clock };
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
        self.script.apply(&mut self.stores[peer], &self.clock, peer, self.c, self.i, e);
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
        observe(&mut self.stores[peer], self.c, self.i)
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
                if let Some(t) = w.script.lost_own_token(&mut w.stores[p], i, p) {
                    panic!("after action {n} {a:?}: peer {p} lost its own {t}");
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
    prop_assert_eq!(&questions, &w.script.questions, "a question was lost");
    let mut notes = String::new();
    for st in &STAGES[1..] {
        notes += &w.stores[0].notes(i, st).unwrap();
    }
    for t in &w.script.tokens {
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
