//! What envelopes cost. The four-phone panel of `panel_sync` (each phone types about 15,000
//! characters into the interview's notes, keystroke by keystroke, 45 minutes offline, the
//! app timer folding keystrokes), then the phones meet in a star around the lead's phone.
//! Run twice on the same seeds: once syncing the panel's documents in the clear
//! (`Grant::documents`), once as a roster panel whose phones post sealed envelopes in their
//! outboxes and share only those (`mailbox_grant` + `post_outgoing`). Reports bytes on the
//! wire, bytes on disk, and time to converge, each with the ratio.
//!
//! cargo bench -p panelnotes-core --bench trust      (BENCH_CHARS=N to change the typing)

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{NewCandidate, NewInterview, Template};
use panelnotes_core::sync::{Connection, Grant, Role};
use panelnotes_core::{DocumentId, Identity, InterviewerId, ManualClock, Store, StoreOptions};
use rand::{rngs::StdRng, Rng, SeedableRng};

const PANEL: [&str; 4] = ["ana@acme", "ben@acme", "cy@acme", "dee@acme"];
const WORDS: &[&str] = &[
    "spark", "cluster", "shuffle", "latency", "she", "explained", "why", "the", "pipeline", "was",
    "rebuilt", "for", "cost", "business", "impact", "probed", "sampling", "distributed", "🚀",
    "分布式", "trade-offs", "on-call", "metrics",
];
const STAGES: [&str; 5] = ["pitch", "learn", "questions", "logistics", "next_steps"];
/// Minutes per stage, as the playbook runs.
const BUDGET: [u64; 5] = [5, 20, 10, 5, 5];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Envelopes,
}

struct Link {
    a: usize,
    b: usize,
    ca: Connection,
    cb: Connection,
}

/// Every side sends what it owes until nothing moves. Returns the bytes on the wire.
fn settle(stores: &mut [Store], links: &mut [Link]) -> u64 {
    let mut bytes = 0;
    for round in 0.. {
        assert!(round < 400, "no convergence");
        let mut moved = 0;
        for l in links.iter_mut() {
            let out_a = l.ca.poll(&mut stores[l.a]).unwrap();
            let out_b = l.cb.poll(&mut stores[l.b]).unwrap();
            for f in out_a {
                moved += f.len() as u64;
                l.cb.receive(&mut stores[l.b], &f).unwrap();
            }
            for f in out_b {
                moved += f.len() as u64;
                l.ca.receive(&mut stores[l.a], &f).unwrap();
            }
        }
        if moved == 0 {
            return bytes;
        }
        bytes += moved;
    }
    unreachable!()
}

/// Stars around the lead's phone, each side sharing what `grant` gives for its store.
fn star(stores: &mut [Store], grant: &dyn Fn(&Store) -> Grant) -> Vec<Link> {
    (1..stores.len())
        .map(|p| Link {
            a: p,
            b: 0,
            ca: Connection::new(&stores[p], Role::Initiator, grant(&stores[p])).unwrap(),
            cb: Connection::new(&stores[0], Role::Responder, grant(&stores[0])).unwrap(),
        })
        .collect()
}

/// The SQLite files' size once checkpointed, and the bytes their live pages hold.
fn disk(path: &Path) -> (u64, u64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0)).unwrap();
    drop(conn);
    let mut file = std::fs::metadata(path).unwrap().len();
    for suffix in ["-wal", "-shm"] {
        file += std::fs::metadata(format!("{}{suffix}", path.display())).map(|m| m.len()).unwrap_or(0);
    }
    (file, ((pages - free) * page) as u64)
}

struct Figures {
    wire: u64,
    /// On the lead's phone: the saved size of the panel's two documents, and of the outboxes.
    documents: u64,
    outboxes: u64,
    disk_file: u64,
    disk_live: u64,
    seal: Duration,
    converge: Duration,
}

fn run(mode: Mode, chars_each: usize) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap());
    let path = |p: &str| dir.path().join(format!("{p}.sqlite3"));
    let mut stores: Vec<Store> = PANEL
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let options = StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(n as u64 + 1), ..Default::default() };
            Store::open_with(path(p), Identity { id: InterviewerId::new(*p).unwrap(), display_name: p.to_string() }, options).unwrap()
        })
        .collect();
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let c = stores[0]
        .create_candidate(NewCandidate { name: "Dana".into(), role: "Data engineer".into(), source: None, contact: None, applied_at: t0 })
        .unwrap();
    let i = stores[0]
        .schedule_interview(NewInterview {
            candidate_id: c,
            title: None,
            template: Template::playbook(),
            booked_at: t0,
            scheduled_start: t0,
            minutes: None,
            panelists: PANEL.iter().map(|p| InterviewerId::new(*p).unwrap()).collect(),
            lead: InterviewerId::new(PANEL[0]).unwrap(),
        })
        .unwrap();
    let roster = (mode == Mode::Envelopes).then(|| {
        let roster = stores[0].start_roster(i, None).unwrap();
        for p in 1..4 {
            let device = stores[p].device();
            stores[0].admit_device(&roster, InterviewerId::new(PANEL[p]).unwrap(), device, "phone").unwrap();
        }
        let entries = stores[0].roster_bytes(&roster).unwrap();
        for s in stores[1..].iter_mut() {
            s.import_roster(&roster, &entries).unwrap();
        }
        roster
    });
    let grant = |s: &Store| -> Grant {
        match &roster {
            Some(r) => s.mailbox_grant(r).unwrap(),
            None => Grant::documents([c, i]),
        }
    };
    let post = |stores: &mut [Store]| {
        if let Some(r) = &roster {
            for s in stores.iter_mut() {
                s.post_outgoing(r).unwrap();
            }
        }
    };
    // Before the interview, everyone gets the documents.
    post(&mut stores);
    let mut links = star(&mut stores, &grant);
    settle(&mut stores, &mut links);
    for l in links.iter_mut() {
        let _ = l.ca.close(&mut stores[l.a]);
        let _ = l.cb.close(&mut stores[l.b]);
    }
    drop(links);

    type_offline(&mut stores, &clock, i, chars_each);

    // They meet: each phone seals what it wrote (the envelope run only), then the star syncs.
    let start = Instant::now();
    post(&mut stores);
    let seal = start.elapsed();
    let mut links = star(&mut stores, &grant);
    let wire = settle(&mut stores, &mut links);
    let converge = start.elapsed();
    let notes: Vec<String> = stores.iter_mut().map(|s| STAGES.iter().map(|st| s.notes(i, st).unwrap()).collect()).collect();
    assert!(notes.windows(2).all(|w| w[0] == w[1]), "the panel did not converge");
    assert!(notes[0].chars().count() >= chars_each * 3, "the notes are missing typing");
    if let Some(r) = &roster {
        for s in &stores {
            assert_eq!(s.held_envelopes(r).unwrap(), 0);
            assert!(s.envelope_problems(r).unwrap().is_empty());
        }
    }
    let documents = [c, i].iter().map(|d| stores[0].document_bytes(*d).unwrap().len() as u64).sum();
    let outboxes = match &roster {
        Some(r) => stores[0].mailbox_grant(r).unwrap().iter().collect::<Vec<_>>().iter().map(|m| stores[0].document_bytes(*m).map(|b| b.len() as u64).unwrap_or(0)).sum(),
        None => 0,
    };
    for l in links.iter_mut() {
        let _ = l.ca.close(&mut stores[l.a]);
        let _ = l.cb.close(&mut stores[l.b]);
    }
    drop(links);
    drop(stores);
    let (mut disk_file, mut disk_live) = (0, 0);
    for p in PANEL {
        let (f, l) = disk(&path(p));
        disk_file += f;
        disk_live += l;
    }
    Figures { wire, documents, outboxes, disk_file, disk_live, seal, converge }
}

/// 45 minutes offline: four typists, keystroke by keystroke, the app timer ticking.
fn type_offline(stores: &mut [Store], clock: &ManualClock, i: DocumentId, chars_each: usize) {
    let mut rngs: Vec<StdRng> = (0..4).map(StdRng::seed_from_u64).collect();
    let mut next_at = [Duration::ZERO; 4];
    let mut typed = [0usize; 4];
    let mut word: Vec<Vec<char>> = vec![Vec::new(); 4];
    let mut now = Duration::ZERO;
    let mut next_tick = Duration::from_millis(500);
    while let Some(p) = (0..4).filter(|&p| typed[p] < chars_each).min_by_key(|&p| next_at[p]) {
        while next_tick <= next_at[p] {
            clock.advance(next_tick - now);
            now = next_tick;
            for s in stores.iter_mut() {
                s.tick().unwrap();
            }
            next_tick += Duration::from_millis(500);
        }
        clock.advance(next_at[p] - now);
        now = next_at[p];
        let minute = now.as_secs() / 60;
        let mut acc = 0;
        let stage = STAGES.iter().zip(BUDGET).find(|(_, b)| {
            acc += b;
            minute < acc
        });
        let stage = stage.map(|(s, _)| *s).unwrap_or("next_steps");
        if word[p].is_empty() {
            word[p] = format!("{} ", WORDS[rngs[p].random_range(0..WORDS.len())]).chars().rev().collect();
        }
        let ch = word[p].pop().unwrap();
        let end = panelnotes_core::text::utf16_len(&stores[p].notes(i, stage).unwrap());
        stores[p].splice_notes(i, stage, end, 0, &ch.to_string()).unwrap();
        typed[p] += 1;
        let gap = if ch == ' ' && rngs[p].random_bool(0.1) { rngs[p].random_range(800..3000) } else { rngs[p].random_range(90..260) };
        next_at[p] = now + Duration::from_millis(gap);
    }
    for s in stores.iter_mut() {
        s.flush().unwrap();
    }
}

fn kb(b: u64) -> String {
    format!("{:.1} KB", b as f64 / 1024.0)
}

fn main() {
    let chars_each: usize = std::env::var("BENCH_CHARS").ok().and_then(|v| v.parse().ok()).unwrap_or(15_000);
    let plain = run(Mode::Plain, chars_each);
    let sealed = run(Mode::Envelopes, chars_each);
    println!("4 phones x {chars_each} characters typed offline over 45 minutes, then a star around the lead's phone");
    let ratio = |a: u64, b: u64| a as f64 / b.max(1) as f64;
    println!("wire bytes:        plain {:>10}  envelopes {:>10}  ratio {:.2}x", kb(plain.wire), kb(sealed.wire), ratio(sealed.wire, plain.wire));
    println!("disk (files):      plain {:>10}  envelopes {:>10}  ratio {:.2}x", kb(plain.disk_file), kb(sealed.disk_file), ratio(sealed.disk_file, plain.disk_file));
    println!("disk (live pages): plain {:>10}  envelopes {:>10}  ratio {:.2}x", kb(plain.disk_live), kb(sealed.disk_live), ratio(sealed.disk_live, plain.disk_live));
    println!(
        "saved on the lead's phone: interview + candidate plain {}, envelopes {}; the four outboxes {} ({:.2}x the documents)",
        kb(plain.documents),
        kb(sealed.documents),
        kb(sealed.outboxes),
        ratio(sealed.outboxes, sealed.documents)
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "time to converge:  plain {:>7.0} ms  envelopes {:>7.0} ms  ratio {:.2}x (sealing {:.0} ms of it)",
        ms(plain.converge),
        ms(sealed.converge),
        ms(sealed.converge) / ms(plain.converge).max(1e-9),
        ms(sealed.seal)
    );
}
