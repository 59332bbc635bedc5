//! What the trust work costs: the same 4-phone panel, typed from the same script, synced twice
//! on fresh stores in one process: once sharing the panel's documents in the clear, once as a
//! rostered panel whose phones share only their outboxes of sealed, signed envelopes (what
//! every path off the phone carries since the trust work landed). Bytes on the wire, bytes on
//! disk and time to converge, each as a ratio of the two.
//!
//! The roster is set up before the interview, as the apps do, so only what was typed offline
//! is sealed when the phones meet; the sealing is timed as part of converging.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use panelnotes_core::sync::Grant;
use panelnotes_core::trust::roster::Hash as RosterId;
use panelnotes_core::{DocumentId, InterviewerId, ManualClock};
use serde_json::{json, Value};

use crate::fixture::{self, Paths};
use crate::net::{lock, settle, Link, Phone};
use crate::script::{self, Key, PANEL, STAGES};
use crate::stats;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Envelopes,
}

struct Figures {
    rounds: usize,
    wire: u64,
    disk: u64,
    seal: Duration,
    converge: Duration,
    /// On the lead's phone: the saved interview and candidate, and the four outboxes.
    documents: u64,
    outboxes: u64,
}

pub fn run(paths: &Paths, runs: usize, chars_each: usize) -> Value {
    let keys = script::generate(chars_each, 42);
    let mut plain = Vec::new();
    let mut sealed = Vec::new();
    for n in 0..runs.max(1) {
        eprintln!("  run {}: plain, then envelopes", n + 1);
        plain.push(once(&paths.scratch("envelopes-plain"), Mode::Plain, &keys));
        sealed.push(once(&paths.scratch("envelopes-sealed"), Mode::Envelopes, &keys));
    }
    let med = |v: &[Figures], f: fn(&Figures) -> f64| stats::median_f64(&v.iter().map(f).collect::<Vec<_>>());
    let side = |v: &[Figures]| {
        json!({
            "rounds": v[0].rounds,
            "wire_bytes": v[0].wire,
            "disk_bytes": v[0].disk,
            "documents_bytes": v[0].documents,
            "outboxes_bytes": v[0].outboxes,
            "converge_ms": med(v, |f| stats::ms(f.converge)),
            "seal_ms": med(v, |f| stats::ms(f.seal)),
        })
    };
    json!({ "runs": runs, "chars_each": chars_each, "keystrokes": keys.len(), "plain": side(&plain), "envelopes": side(&sealed) })
}

fn once(dir: &Path, mode: Mode, keys: &[Key]) -> Figures {
    let clock = ManualClock::default();
    let phones: Vec<Phone> =
        (0..4).map(|i| Arc::new(Mutex::new(fixture::open_phone(dir, i, &clock)))).collect();
    let (candidate, interview) = fixture::panel_interview(&mut lock(&phones[0]), &clock);
    let roster = (mode == Mode::Envelopes).then(|| start_roster(&phones, interview));
    let grant_of = |p: &Phone| match &roster {
        Some(r) => lock(p).mailbox_grant(r).unwrap(),
        None => Grant::documents([candidate, interview]),
    };
    let post = || {
        if let Some(r) = &roster {
            for p in &phones {
                lock(p).post_outgoing(r).unwrap();
            }
        }
    };

    // Before the interview every phone gets the documents; then they go offline.
    post();
    meet(&phones, &grant_of);
    replay(&phones, &clock, interview, keys);

    // They meet: each phone seals what it typed, then the star around the lead syncs.
    let start = Instant::now();
    post();
    let seal = start.elapsed();
    let (rounds, wire) = meet(&phones, &grant_of);
    let converge = start.elapsed();

    let notes: Vec<String> = phones
        .iter()
        .map(|p| STAGES.iter().map(|(s, _)| lock(p).notes(interview, s).unwrap()).collect())
        .collect();
    assert!(notes.windows(2).all(|w| w[0] == w[1]), "the panel did not converge");
    if let Some(r) = &roster {
        for p in &phones {
            let s = lock(p);
            assert_eq!(s.held_envelopes(r).unwrap(), 0, "envelopes were held");
            assert!(s.envelope_problems(r).unwrap().is_empty(), "envelopes were refused");
        }
    }
    let mut lead = lock(&phones[0]);
    let outbox_ids: Vec<DocumentId> = match &roster {
        Some(r) => lead.mailbox_grant(r).unwrap().iter().collect(),
        None => Vec::new(),
    };
    let mut size = |d: DocumentId| lead.document_bytes(d).map(|b| b.len() as u64).unwrap_or(0);
    let documents = size(candidate) + size(interview);
    let outboxes = outbox_ids.into_iter().map(&mut size).sum();
    drop(lead);
    for p in phones {
        let store = Arc::try_unwrap(p).ok().unwrap().into_inner().unwrap();
        store.close().unwrap();
    }
    let disk = (0..4).map(|i| fixture::disk_bytes(&dir.join(format!("{i}.sqlite3")))).sum();
    Figures { rounds, wire, disk, seal, converge, documents, outboxes }
}

/// The lead starts the panel's roster and admits the other three phones, each with its own
/// device key; they take the roster as a welcome would give it.
fn start_roster(phones: &[Phone], interview: DocumentId) -> RosterId {
    let roster = lock(&phones[0]).start_roster(interview, None).unwrap();
    for (p, phone) in phones.iter().enumerate().skip(1) {
        let device = lock(phone).device();
        lock(&phones[0]).admit_device(&roster, InterviewerId::new(PANEL[p]).unwrap(), device, "phone").unwrap();
    }
    let entries = lock(&phones[0]).roster_bytes(&roster).unwrap();
    for p in &phones[1..] {
        lock(p).import_roster(&roster, &entries).unwrap();
    }
    roster
}

/// One star sync around the lead until nothing moves. Returns (rounds, bytes on the wire).
fn meet(phones: &[Phone], grant_of: &dyn Fn(&Phone) -> Grant) -> (usize, u64) {
    let mut links: Vec<Link> = (1..4).map(|p| Link::connect_with(phones, p, 0, grant_of(&phones[p]), grant_of(&phones[0]))).collect();
    let moved = settle(phones, &mut links);
    for l in links.iter_mut() {
        l.close(phones);
    }
    moved
}

/// The script, keystroke by keystroke, the app timer ticking every 500 ms.
fn replay(phones: &[Phone], clock: &ManualClock, interview: DocumentId, keys: &[Key]) {
    let mut stores: Vec<_> = phones.iter().map(lock).collect();
    let (mut now, mut next_tick) = (0u64, 500u64);
    for k in keys {
        while next_tick <= k.t {
            clock.advance(Duration::from_millis(next_tick - now));
            now = next_tick;
            for s in stores.iter_mut() {
                s.tick().unwrap();
            }
            next_tick += 500;
        }
        clock.advance(Duration::from_millis(k.t - now));
        now = k.t;
        stores[k.phone].splice_notes(interview, STAGES[k.stage].0, k.pos, k.del, &k.text).unwrap();
    }
    for s in stores.iter_mut() {
        s.flush().unwrap();
    }
}
