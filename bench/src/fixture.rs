//! The fixtures every later stage starts from, made once per run:
//! - the lead's store: 500 candidates with 2,000 interviews (60 % held, the lead's scorecard
//!   owed on a fifth of those), plus the
//!   panel's candidate and interview;
//! - the panel: four phones that received the interview before it started, then typed the
//!   script offline for 45 minutes, keystroke by keystroke, the app timer ticking every
//!   500 ms on a manual clock (this is also the idle keystroke measurement);
//! - the script as JSON for the Node side, marking where our store made its changes, and the
//!   interview as it was before anyone typed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{
    CandidateEventKind, NewCandidate, NewInterview, Ratings, Recommendation, ScorecardDraft, Template,
};
use panelnotes_core::sync::Grant;
use panelnotes_core::{DocumentId, Identity, InterviewerId, ManualClock, Store, StoreOptions};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};

use crate::net::{lock, settle, Link, Phone};
use crate::script::{self, Key, PANEL, STAGES};
use crate::stats;

/// Where a run keeps its files (under target/, never committed).
pub struct Paths(pub PathBuf);

impl Paths {
    /// The typed panel's four stores, phone `i` as `i.sqlite3`; the lead's is the big store.
    pub fn panel(&self) -> PathBuf {
        self.0.join("fixtures/panel")
    }
    pub fn script(&self) -> PathBuf {
        self.0.join("fixtures/script.json")
    }
    pub fn initial_interview(&self) -> PathBuf {
        self.0.join("fixtures/interview-before.automerge")
    }
    pub fn results(&self) -> PathBuf {
        self.0.join("results/rust.json")
    }
    pub fn scratch(&self, name: &str) -> PathBuf {
        let p = self.0.join("scratch").join(name);
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        p
    }
}

pub fn who(i: usize) -> Identity {
    Identity { id: InterviewerId::new(PANEL[i]).unwrap(), display_name: PANEL[i].split('@').next().unwrap().into() }
}

/// Every store of a run reads time from one manual clock and takes seeded ids.
pub fn options(clock: &ManualClock, seed: u64) -> StoreOptions {
    StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(seed), ..Default::default() }
}

pub fn open_phone(dir: &Path, i: usize, clock: &ManualClock) -> Store {
    Store::open_with(dir.join(format!("{i}.sqlite3")), who(i), options(clock, 1000 + i as u64)).unwrap()
}

/// The ids the later stages need, as stored in the script file.
pub struct Ids {
    pub interview: DocumentId,
    pub panel_candidate: DocumentId,
    /// One of the 500 candidates, for the timeline.
    pub some_candidate: DocumentId,
}

pub fn read_ids(paths: &Paths) -> Ids {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(paths.script()).unwrap()).unwrap();
    let id = |k: &str| v["ids"][k].as_str().unwrap().parse().unwrap();
    Ids { interview: id("interview"), panel_candidate: id("panel_candidate"), some_candidate: id("some_candidate") }
}

/// Fills the lead's store: `n` candidates, each acknowledged and with four playbook
/// interviews, 60 % of them held and scored. Returns the candidates.
fn fill_store(ana: &mut Store, n: usize) -> Vec<DocumentId> {
    let t0 = Utc.with_ymd_and_hms(2025, 6, 2, 9, 0, 0).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let mut draft = ScorecardDraft {
        ratings: Ratings {
            technical_depth: Some(3),
            reaction_to_challenge: Some(3),
            business_understanding: Some(2),
            question_quality: Some(4),
        },
        recommendation: Some(Recommendation::Yes),
        comments: "ok".into(),
    };
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let applied = t0 + chrono::Duration::hours(k as i64 * 3);
        let c = ana
            .create_candidate(NewCandidate {
                name: format!("Candidate {k}"),
                role: "Engineer".into(),
                source: Some("careers page".into()),
                contact: None,
                applied_at: applied,
            })
            .unwrap();
        ana.record_event(c, CandidateEventKind::Acknowledged, applied + chrono::Duration::hours(4), None).unwrap();
        for j in 0..4 {
            let start = applied + chrono::Duration::days(2 + j);
            let i = ana
                .schedule_interview(NewInterview {
                    candidate_id: c,
                    title: None,
                    template: Template::playbook(),
                    booked_at: applied + chrono::Duration::hours(5),
                    scheduled_start: start,
                    minutes: None,
                    panelists: PANEL.iter().take(3).map(|p| InterviewerId::new(*p).unwrap()).collect(),
                    lead: InterviewerId::new(PANEL[0]).unwrap(),
                })
                .unwrap();
            if rng.random_bool(0.6) {
                ana.advance_stage(i, start).unwrap();
                ana.end_interview(i, start + chrono::Duration::minutes(47)).unwrap();
                // One in five of her scorecards is still owed: pending feedback has rows.
                if rng.random_bool(0.8) {
                    draft.ratings.technical_depth = Some(rng.random_range(1..=4));
                    ana.save_scorecard_draft(i, draft.clone()).unwrap();
                    ana.submit_scorecard(i, start + chrono::Duration::minutes(rng.random_range(50..600))).unwrap();
                }
            }
        }
        out.push(c);
    }
    ana.flush().unwrap();
    out
}

/// Pending keystroke rows of a phone, read through its own read-only connection: this is how
/// the fixture sees, from outside the store, when the store folded keystrokes into a change.
struct PendingProbe(rusqlite::Connection);

impl PendingProbe {
    fn open(path: &Path) -> Self {
        PendingProbe(rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap())
    }
    fn count(&self) -> i64 {
        self.0.prepare_cached("SELECT count(*) FROM pending_edits").unwrap().query_row([], |r| r.get(0)).unwrap()
    }
}

/// Builds every fixture and returns the figures measured on the way (store build, idle
/// keystrokes).
pub fn build(paths: &Paths, chars_each: usize, candidates: usize) -> Value {
    let dir = paths.panel();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let clock = ManualClock::default();

    let mut ana = open_phone(&dir, 0, &clock);
    let built = Instant::now();
    let all = fill_store(&mut ana, candidates);
    let build_s = built.elapsed().as_secs_f64();
    eprintln!("  lead's store: {candidates} candidates, {} interviews in {build_s:.1} s", candidates * 4);

    let (panel_candidate, interview) = panel_interview(&mut ana, &clock);
    let grant = Grant::panel(&mut ana, interview).unwrap();
    let mut stores = vec![ana];
    for i in 1..4 {
        stores.push(open_phone(&dir, i, &clock));
    }
    let phones: Vec<Phone> = stores.into_iter().map(|s| std::sync::Arc::new(std::sync::Mutex::new(s))).collect();
    // Before the interview, every phone gets the documents; then they go offline.
    let mut links: Vec<Link> = (1..4).map(|p| Link::connect(&phones, p, 0, &grant)).collect();
    settle(&phones, &mut links);
    for l in links.iter_mut() {
        l.close(&phones);
    }
    drop(links);
    std::fs::write(paths.initial_interview(), lock(&phones[0]).document_bytes(interview).unwrap()).unwrap();

    let keys = script::generate(chars_each, 42);
    let (latencies, folds, typing_s) = type_offline(&phones, &dir, &clock, interview, &keys);
    let mut idle = latencies;
    for p in phones {
        let store = std::sync::Arc::try_unwrap(p).ok().unwrap().into_inner().unwrap();
        store.close().unwrap();
    }
    let ids = json!({
        "interview": interview.to_string(),
        "panel_candidate": panel_candidate.to_string(),
        "some_candidate": all.get(all.len() / 2).unwrap_or(&panel_candidate).to_string(),
    });
    std::fs::write(paths.script(), script::to_json(&keys, &folds, ids).to_string()).unwrap();
    json!({
        "candidates": candidates,
        "interviews": candidates * 4,
        "build_store_s": build_s,
        "chars_each": chars_each,
        "keystrokes": keys.len(),
        "typing_s": typing_s,
        "our_changes_from_typing": folds.iter().filter(|f| **f).count(),
        "keystroke_idle": stats::latency_summary(&mut idle),
    })
}

/// The panel's candidate and their playbook interview with all four phones on the panel,
/// created on the lead's phone now. Returns (candidate, interview).
pub fn panel_interview(ana: &mut Store, clock: &ManualClock) -> (DocumentId, DocumentId) {
    let now = clock_wall(clock);
    let panel_candidate = ana
        .create_candidate(NewCandidate {
            name: "Dana Example".into(),
            role: "Data engineer".into(),
            source: None,
            contact: None,
            applied_at: now,
        })
        .unwrap();
    let interview = ana
        .schedule_interview(NewInterview {
            candidate_id: panel_candidate,
            title: Some("Panel".into()),
            template: Template::playbook(),
            booked_at: now,
            scheduled_start: now,
            minutes: None,
            panelists: PANEL.iter().map(|p| InterviewerId::new(*p).unwrap()).collect(),
            lead: InterviewerId::new(PANEL[0]).unwrap(),
        })
        .unwrap();
    (panel_candidate, interview)
}

/// What a store takes on disk once its WAL is checkpointed: the file and any side files.
pub fn disk_bytes(path: &Path) -> u64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(conn);
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).map(|m| m.len()).unwrap_or(0))
        .sum()
}

fn clock_wall(clock: &ManualClock) -> chrono::DateTime<Utc> {
    use panelnotes_core::Clock;
    clock.wall()
}

/// Plays the script on the four phones with the timer ticking every 500 ms. Returns each
/// keystroke's time to durable, which keystrokes ended one of our changes, and the wall time.
fn type_offline(
    phones: &[Phone],
    dir: &Path,
    clock: &ManualClock,
    interview: DocumentId,
    keys: &[Key],
) -> (Vec<Duration>, Vec<bool>, f64) {
    let mut stores: Vec<_> = phones.iter().map(lock).collect();
    let probes: Vec<PendingProbe> = (0..4).map(|i| PendingProbe::open(&dir.join(format!("{i}.sqlite3")))).collect();
    let mut pending = [0i64; 4];
    let mut last: [Option<usize>; 4] = [None; 4];
    let mut folds = vec![false; keys.len()];
    let mut latencies = Vec::with_capacity(keys.len());
    let mut now = 0u64;
    let mut next_tick = 500u64;
    let started = Instant::now();
    for (n, k) in keys.iter().enumerate() {
        while next_tick <= k.t {
            clock.advance(Duration::from_millis(next_tick - now));
            now = next_tick;
            for (p, s) in stores.iter_mut().enumerate() {
                s.tick().unwrap();
                let c = probes[p].count();
                if c == 0 && pending[p] > 0 {
                    folds[last[p].unwrap()] = true;
                }
                pending[p] = c;
            }
            next_tick += 500;
        }
        clock.advance(Duration::from_millis(k.t - now));
        now = k.t;
        let s = &mut stores[k.phone];
        let t = Instant::now();
        s.splice_notes(interview, STAGES[k.stage].0, k.pos, k.del, &k.text).unwrap();
        latencies.push(t.elapsed());
        let c = probes[k.phone].count();
        if c == 0 {
            // Folded inline, this keystroke included.
            folds[n] = true;
        } else if c != pending[k.phone] + 1 {
            // A structured edit (the phone's first, which records its author) folded the
            // run before this keystroke.
            if let Some(prev) = last[k.phone] {
                folds[prev] = true;
            }
        }
        pending[k.phone] = c;
        last[k.phone] = Some(n);
    }
    for (p, s) in stores.iter_mut().enumerate() {
        s.flush().unwrap();
        if pending[p] > 0 {
            folds[last[p].unwrap()] = true;
        }
    }
    (latencies, folds, started.elapsed().as_secs_f64())
}
