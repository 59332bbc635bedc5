//! A four-phone panel after 45 offline minutes: each phone typed about 15,000 characters into
//! the interview's notes (keystroke by keystroke, under the store's commit policy), then they
//! meet in a star around the lead's phone. Reports rounds to convergence, bytes on the wire
//! against the compressed size of what each phone lacked, and the time.
//!
//! cargo bench -p panelnotes-tests --bench panel_sync      (BENCH_CHARS=N to change the typing)

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{NewCandidate, NewInterview, Template};
use panelnotes_core::sync::Grant;
use panelnotes_core::{Identity, InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::net::{settle, Link};
use rand::{rngs::StdRng, Rng, SeedableRng};

const PANEL: [&str; 4] = ["ana@acme", "ben@acme", "cy@acme", "dee@acme"];
const WORDS: &[&str] = &[
    "spark", "cluster", "shuffle", "latency", "she", "explained", "why", "the", "pipeline", "was",
    "rebuilt", "for", "cost", "business", "impact", "probed", "sampling", "distributed", "🚀",
    "分布式", "trade-offs", "on-call", "metrics",
];

fn main() {
    let chars_each: usize = std::env::var("BENCH_CHARS").ok().and_then(|v| v.parse().ok()).unwrap_or(15_000);
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::default();
    let mut stores: Vec<Store> = PANEL
        .iter()
        .map(|p| {
            Store::open_with(
                dir.path().join(format!("{p}.sqlite3")),
                Identity { id: InterviewerId::new(*p).unwrap(), display_name: p.to_string() },
                StoreOptions { clock: std::sync::Arc::new(clock.clone()), ..Default::default() },
            )
            .unwrap()
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
    let grant = Grant::panel(&mut stores[0], i).unwrap();
    // Before the interview, everyone gets the documents.
    let mut links: Vec<Link> = (1..4).map(|p| Link::connect(&mut stores, p, 0, grant.clone(), grant.clone())).collect();
    settle(&mut stores, &mut links);
    for l in links.iter_mut() {
        l.close(&mut stores);
    }

    // 45 minutes offline: four typists, keystroke by keystroke, the app timer ticking.
    let stages = ["pitch", "learn", "questions", "logistics", "next_steps"];
    let budget = [5u64, 20, 10, 5, 5];
    let mut rngs: Vec<StdRng> = (0..4).map(StdRng::seed_from_u64).collect();
    let mut next_at = [Duration::ZERO; 4];
    let mut typed = [0usize; 4];
    let mut word: Vec<Vec<char>> = vec![Vec::new(); 4];
    let mut now = Duration::ZERO;
    let mut next_tick = Duration::from_millis(500);
    let typing = Instant::now();
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
        let stage = stages
            .iter()
            .zip(budget)
            .find(|(_, b)| {
                acc += b;
                minute < acc
            })
            .map(|(s, _)| *s)
            .unwrap_or("next_steps");
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
    println!(
        "typed 4 x {chars_each} characters offline over {} simulated minutes in {:.1} s",
        now.as_secs() / 60,
        typing.elapsed().as_secs_f64()
    );

    // What each phone lacks before they meet, as compressed bundles of those changes.
    let docs: Vec<automerge::AutoCommit> = stores
        .iter_mut()
        .map(|s| automerge::AutoCommit::load(&s.document_bytes(i).unwrap()).unwrap())
        .collect();
    let mut merged = docs[0].clone();
    for d in &docs[1..] {
        let mut d = d.clone();
        merged.merge(&mut d).unwrap();
    }
    let merged_size = merged.save().len();
    let all: Vec<automerge::ChangeHash> = merged.get_changes(&[]).iter().map(|c| c.hash()).collect();
    let lacked: Vec<usize> = docs
        .iter()
        .map(|d| {
            let mut d = d.clone();
            let have: std::collections::HashSet<_> = d.get_changes(&[]).iter().map(|c| c.hash()).collect();
            let missing: Vec<_> = all.iter().filter(|h| !have.contains(h)).copied().collect();
            merged.bundle(missing).unwrap().bytes().len()
        })
        .collect();

    // They meet: a star around the lead's phone.
    let mut links: Vec<Link> = (1..4).map(|p| Link::connect(&mut stores, p, 0, grant.clone(), grant.clone())).collect();
    let start = Instant::now();
    let (rounds, bytes) = settle(&mut stores, &mut links);
    let elapsed = start.elapsed();
    let text: Vec<String> = stores.iter_mut().map(|s| s.notes(i, "learn").unwrap()).collect();
    assert!(text.windows(2).all(|w| w[0] == w[1]), "the panel did not converge");
    let mut received = [0u64; 4];
    for l in &links {
        received[l.a] += l.ca.stats().bytes_in;
        received[l.b] += l.cb.stats().bytes_in;
    }
    println!(
        "merged interview: {} changes, {} KB compressed; sync: {rounds} rounds, {} KB on the wire, {:.0} ms",
        all.len(),
        merged_size / 1024,
        bytes / 1024,
        elapsed.as_secs_f64() * 1e3
    );
    for p in 0..4 {
        println!(
            "  {}: received {} KB for {} KB of compressed changes it lacked: {:.2}x",
            PANEL[p],
            received[p] / 1024,
            lacked[p] / 1024,
            received[p] as f64 / lacked[p].max(1) as f64
        );
    }
    println!(
        "total wire bytes / compressed merged document: {:.2}x (the floor for 4 phones is about 3x: each lacks about 3/4 of it)",
        bytes as f64 / merged_size as f64
    );
}
