//! The timeline cannot lie, whatever peers do: several peers record events through the API
//! (which refuses what is out of order) and as an older build would, straight into the
//! documents with any time at all, and sync in any order. On every peer, at every step, the
//! timeline is ordered by when things happened and no speed figure is negative.
//!
//! Deterministic: a fixed seed and an injected clock. PROPTEST_CASES sets the number of cases.

mod common;

use std::sync::Arc;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue};
use chrono::{DateTime, Duration, Utc};
use common::*;
use panelnotes_core::model::{CandidateEventKind, Outcome, Ratings, Recommendation, ScorecardDraft};
use panelnotes_core::{DocumentId, ManualClock, Store, StoreOptions};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

const STAGES: [&str; 5] = ["pitch", "learn", "questions", "logistics", "next_steps"];
const EVENTS: [CandidateEventKind; 7] = [
    CandidateEventKind::Acknowledged,
    CandidateEventKind::DebriefBooked,
    CandidateEventKind::DebriefHeld,
    CandidateEventKind::OfferMade,
    CandidateEventKind::OfferAccepted,
    CandidateEventKind::OfferDeclined,
    CandidateEventKind::Withdrew,
];

#[derive(Clone, Debug)]
enum Op {
    Event(usize),
    Decide(bool),
    Stage(usize),
    End,
    Reopen,
    Submit,
}

#[derive(Clone, Debug)]
enum Step {
    /// Through the API, which may refuse it.
    Api { peer: usize, op: Op, minutes: i32 },
    /// Written into the document as an older build would, at any time.
    Raw { peer: usize, op: Op, minutes: i32 },
    Sync { from: usize, to: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..EVENTS.len()).prop_map(Op::Event),
        1 => any::<bool>().prop_map(Op::Decide),
        3 => (0..STAGES.len()).prop_map(Op::Stage),
        2 => Just(Op::End),
        1 => Just(Op::Reopen),
        2 => Just(Op::Submit),
    ]
}

fn step(peers: usize) -> impl Strategy<Value = Step> {
    // Minutes from the application: two days either side, and the interview in between.
    let minutes = -2 * 24 * 60..6 * 24 * 60;
    prop_oneof![
        4 => (0..peers, op(), minutes.clone()).prop_map(|(peer, op, minutes)| Step::Api { peer, op, minutes }),
        2 => (0..peers, op(), minutes).prop_map(|(peer, op, minutes)| Step::Raw { peer, op, minutes }),
        3 => (0..peers, 0..peers).prop_map(|(from, to)| Step::Sync { from, to }),
    ]
}

struct World {
    _dir: tempfile::TempDir,
    stores: Vec<Store>,
    c: DocumentId,
    i: DocumentId,
    raw_writes: u64,
}

fn peer_name(n: usize) -> String {
    format!("p{n}@acme")
}

fn ts(at: DateTime<Utc>) -> ScalarValue {
    ScalarValue::Timestamp(at.timestamp_millis())
}

impl World {
    fn new(peers: usize) -> World {
        let dir = tempfile::tempdir().unwrap();
        // The clock reads a month after the application: every generated time is past.
        let clock = ManualClock::starting_at(t(30 * 24 * 60));
        let mut stores: Vec<Store> = (0..peers)
            .map(|n| {
                let options = StoreOptions { clock: Arc::new(clock.clone()), seed: Some(1000 + n as u64), ..Default::default() };
                Store::open_with(dir.path().join(format!("{n}.sqlite3")), identity(&peer_name(n)), options).unwrap()
            })
            .collect();
        let c = stores[0].create_candidate(new_candidate("Dana", 0)).unwrap();
        let mut n = panel_interview(c, 2 * 24 * 60);
        n.panelists = (0..peers).map(|p| who(&peer_name(p))).collect();
        n.lead = who(&peer_name(0));
        let i = stores[0].schedule_interview(n).unwrap();
        let mut w = World { _dir: dir, stores, c, i, raw_writes: 0 };
        for p in 1..peers {
            w.sync(0, p);
        }
        w
    }

    fn sync(&mut self, from: usize, to: usize) {
        if from == to {
            return;
        }
        for id in [self.c, self.i] {
            let heads = self.stores[to].heads(id).unwrap_or_default();
            let bytes = self.stores[from].changes_since(id, &heads).unwrap();
            if !bytes.is_empty() {
                self.stores[to].apply_remote(id, &bytes).unwrap();
            }
        }
    }

    fn api(&mut self, peer: usize, op: &Op, at: DateTime<Utc>) {
        let (c, i) = (self.c, self.i);
        let s = &mut self.stores[peer];
        // Refusals are the point: the API keeps its own peer's timeline in order.
        let _ = match op {
            Op::Event(k) => s.record_event(c, EVENTS[*k], at, None),
            // The override: the property is about time order, whatever scorecards are in.
            Op::Decide(hire) => s.decide_despite_missing_scorecards(c, if *hire { Outcome::Hire } else { Outcome::Reject }, at, None),
            Op::Stage(k) => s.start_stage(i, STAGES[*k], at),
            Op::End => s.end_interview(i, at),
            Op::Reopen => s.reopen_interview(i),
            Op::Submit => {
                let draft = ScorecardDraft {
                    ratings: Ratings { technical_depth: Some(2), reaction_to_challenge: Some(3), business_understanding: Some(4), question_quality: Some(1) },
                    recommendation: Some(Recommendation::Yes),
                    comments: String::new(),
                };
                s.save_scorecard_draft(i, draft).and_then(|()| s.submit_scorecard(i, at))
            }
        };
    }

    fn raw(&mut self, peer: usize, op: &Op, at: DateTime<Utc>) {
        self.raw_writes += 1;
        let doc_id = match op {
            Op::Event(_) | Op::Decide(_) => self.c,
            _ => self.i,
        };
        let s = &mut self.stores[peer];
        let mut actor = [0xEE; 16];
        actor[..8].copy_from_slice(&self.raw_writes.to_be_bytes());
        let mut doc = AutoCommit::load(&s.document_bytes(doc_id).unwrap()).unwrap().with_actor(ActorId::from(actor));
        let heads = doc.get_heads();
        let root = ObjId::Root;
        match op {
            Op::Event(k) => {
                let Some((_, events)) = doc.get(&root, "events").unwrap() else { return };
                let n = doc.length(&events);
                let m = doc.insert_object(&events, n, ObjType::Map).unwrap();
                doc.put(&m, "kind", EVENTS[*k].as_str()).unwrap();
                doc.put(&m, "at", ts(at)).unwrap();
            }
            Op::Decide(hire) => {
                let m = doc.put_object(&root, "decision", ObjType::Map).unwrap();
                doc.put(&m, "outcome", if *hire { "hire" } else { "reject" }).unwrap();
                doc.put(&m, "at", ts(at)).unwrap();
            }
            Op::Stage(k) => {
                let Some((_, starts)) = doc.get(&root, "stageStarts").unwrap() else { return };
                doc.put(&starts, STAGES[*k], ts(at)).unwrap();
            }
            Op::End => doc.put(&root, "endedAt", ts(at)).unwrap(),
            Op::Reopen => {
                let _ = doc.delete(&root, "endedAt");
            }
            Op::Submit => {
                let Some((_, cards)) = doc.get(&root, "scorecards").unwrap() else { return };
                // The timeline reads a sealed card's clear header: a version byte, then the
                // milliseconds; the sealed rest does not matter to it.
                let mut card = vec![1u8];
                card.extend_from_slice(&at.timestamp_millis().to_le_bytes());
                card.extend_from_slice(&[0; 40]);
                doc.put(&cards, peer_name(peer).as_str(), automerge::ScalarValue::Bytes(card)).unwrap();
            }
        }
        doc.commit();
        s.apply_remote(doc_id, &doc.save_after(&heads)).unwrap();
    }

    /// What must hold on every peer, at every step.
    fn check(&mut self) -> Result<(), TestCaseError> {
        for (p, s) in self.stores.iter().enumerate() {
            let tl = s.timeline(self.c).unwrap();
            prop_assert!(
                tl.entries.windows(2).all(|w| w[0].at <= w[1].at),
                "peer {}'s timeline is out of time order: {:?}",
                p,
                tl.entries.iter().map(|e| (e.at, e.kind)).collect::<Vec<_>>()
            );
            for d in tl.speed.figures() {
                prop_assert!(d >= Duration::zero(), "peer {} shows a negative figure {:?}: {:?}", p, d, tl.speed);
            }
        }
        Ok(())
    }
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Step>)> {
    (2usize..=4).prop_flat_map(|peers| (Just(peers), prop::collection::vec(step(peers), 10..50)))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        rng_seed: RngSeed::Fixed(0x7173_1e11),
        failure_persistence: None,
        max_shrink_iters: 100,
        .. ProptestConfig::default()
    })]

    #[test]
    fn no_speed_figure_is_negative_and_the_timeline_is_ordered_by_when_things_happened((peers, steps) in scenario()) {
        let mut w = World::new(peers);
        for s in &steps {
            match s {
                Step::Api { peer, op, minutes } => w.api(*peer, op, t(*minutes as i64)),
                Step::Raw { peer, op, minutes } => w.raw(*peer, op, t(*minutes as i64)),
                Step::Sync { from, to } => w.sync(*from, *to),
            }
            w.check()?;
        }
        // Once everyone has everything, everyone shows the same timeline, flags included.
        for _ in 0..2 {
            for a in 0..peers {
                for b in 0..peers {
                    w.sync(a, b);
                }
            }
        }
        w.check()?;
        let first = w.stores[0].timeline(w.c).unwrap();
        for p in 1..peers {
            prop_assert_eq!(&w.stores[p].timeline(w.c).unwrap(), &first);
        }
    }
}
