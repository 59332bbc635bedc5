//! What one phone does on its own or while a sync runs: keystrokes during a sync merge, the
//! first keystroke after reopening, the candidate list, a timeline and pending feedback, all
//! on the lead's typed store (500 candidates, 2,000 interviews and the 45-minute panel).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use panelnotes_core::sync::Grant;
use panelnotes_core::text::utf16_len;
use panelnotes_core::{ManualClock, Store};
use serde_json::{json, Value};

use crate::fixture::{self, Paths};
use crate::net::{lock, settle, settle_for, Link, Phone};
use crate::stats::{self, latency_summary, median, ms};

/// How often the typing thread asks for a keystroke while the merge runs. Far faster than a
/// person, so that many keystrokes land inside the merge; at 2 ms the typist itself keeps
/// the store busy about 2 % of the time, so the waits measured are the merge's.
const CADENCE: Duration = Duration::from_millis(2);

/// The lead types into her notes while the other three phones' 45 offline minutes arrive.
/// A keystroke's time runs from when it was due (on a fixed schedule) to when it was durable,
/// so a keystroke that waited for the store behind a merge step counts its wait.
pub fn during_merge(paths: &Paths, runs: usize) -> Value {
    let ids = fixture::read_ids(paths);
    let stage = "next_steps";
    let mut samples = Vec::new();
    let mut sync_ms = Vec::new();
    let mut rounds_seen = 0;
    for run in 0..runs {
        let dir = paths.scratch(&format!("merge-{run}"));
        stats::copy_dir(&paths.panel(), &dir);
        let clock = ManualClock::default();
        let phones: Vec<Phone> = (0..4)
            .map(|i| {
                let mut s = fixture::open_phone(&dir, i, &clock);
                s.preload(ids.interview).unwrap();
                Arc::new(Mutex::new(s))
            })
            .collect();
        // First without typing, on copies, to know how many rounds the merge takes: typing
        // during a sync makes a change every round, so the measured run stops after as many.
        if rounds_seen == 0 {
            let copy = paths.scratch("merge-rounds");
            stats::copy_dir(&paths.panel(), &copy);
            let probe: Vec<Phone> = (0..4).map(|i| Arc::new(Mutex::new(fixture::open_phone(&copy, i, &clock)))).collect();
            let grant = Grant::documents([ids.interview]);
            let mut links: Vec<Link> = (1..4).map(|p| Link::connect(&probe, p, 0, &grant)).collect();
            rounds_seen = settle(&probe, &mut links).0;
            drop(links);
            drop(probe);
            let _ = std::fs::remove_dir_all(&copy);
        }
        let ana = phones[0].clone();
        let mut pos = utf16_len(&lock(&ana).notes(ids.interview, stage).unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let stop_typing = stop.clone();
        let interview = ids.interview;
        let lane = lock(&ana).typing_lane();
        let typist = std::thread::spawn(move || {
            let start = Instant::now();
            let mut lat = Vec::new();
            let mut k = 0u32;
            while !stop_typing.load(Ordering::Relaxed) {
                let due = start + CADENCE * k;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                // As the bindings type: through the lane while a frame holds the writer.
                panelnotes_core::store::splice_shared(&ana, &lane, interview, stage, pos, 0, "x").unwrap();
                lat.push(due.elapsed());
                pos += 1;
                k += 1;
            }
            lat
        });
        let grant = Grant::documents([ids.interview]);
        let mut links: Vec<Link> = (1..4).map(|p| Link::connect(&phones, p, 0, &grant)).collect();
        let t = Instant::now();
        settle_for(&phones, &mut links, rounds_seen);
        sync_ms.push(ms(t.elapsed()));
        stop.store(true, Ordering::Relaxed);
        samples.extend(typist.join().unwrap());
        drop(links);
        drop(phones);
        let _ = std::fs::remove_dir_all(&dir);
    }
    json!({
        "keystroke": latency_summary(&mut samples),
        "cadence_ms": ms(CADENCE),
        "runs": runs,
        "rounds": rounds_seen,
        "sync_ms_median": stats::median_f64(&sync_ms),
    })
}

/// Reopening the store and the interview, then the first keystroke: once with nothing
/// decoded yet (what a user who starts typing at once gets) and once after `preload`.
pub fn reopen(paths: &Paths, n: usize) -> Value {
    let ids = fixture::read_ids(paths);
    let dir = paths.scratch("reopen");
    stats::copy_dir(&paths.panel(), &dir);
    let clock = ManualClock::default();
    let stage = "next_steps";
    let open = || fixture::open_phone(&dir, 0, &clock);
    let open_store = median(n.min(15), open);
    let mut show = Vec::new();
    let mut first = Vec::new();
    let mut after_preload = Vec::new();
    let mut decode = Vec::new();
    for i in 0..n {
        let t = Instant::now();
        let mut s = open();
        let view = s.interview_view(ids.interview).unwrap();
        show.push(t.elapsed());
        let notes = &view.notes.iter().find(|(k, _)| k == stage).unwrap().1;
        let pos = utf16_len(notes);
        if i % 2 == 0 {
            let t = Instant::now();
            s.splice_notes(ids.interview, stage, pos, 0, "x").unwrap();
            first.push(t.elapsed());
        } else {
            let t = Instant::now();
            s.preload(ids.interview).unwrap();
            decode.push(t.elapsed());
            let t = Instant::now();
            s.splice_notes(ids.interview, stage, pos, 0, "x").unwrap();
            after_preload.push(t.elapsed());
        }
        s.close().unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
    json!({
        "open_store_ms": ms(open_store),
        "show_interview": latency_summary(&mut show),
        "first_keystroke": latency_summary(&mut first),
        "first_keystroke_after_preload": latency_summary(&mut after_preload),
        "preload": latency_summary(&mut decode),
    })
}

/// The list, a timeline and pending feedback: the first call after opening the store, and
/// the median of repeated calls.
pub fn queries(paths: &Paths) -> Value {
    let ids = fixture::read_ids(paths);
    let dir = paths.scratch("queries");
    stats::copy_dir(&paths.panel(), &dir);
    let clock = ManualClock::default();
    let store: Store = fixture::open_phone(&dir, 0, &clock);
    let now = store.now();
    let first = |f: &dyn Fn() -> usize| {
        let t = Instant::now();
        let n = f();
        (ms(t.elapsed()), n)
    };
    let (list_first, list_n) = first(&|| store.candidates().unwrap().len());
    let (timeline_first, events) = first(&|| store.timeline(ids.some_candidate).unwrap().entries.len());
    let (pending_first, pending_n) = first(&|| store.pending_feedback(now).unwrap().len());
    let list = median(50, || store.candidates().unwrap());
    let timeline = median(200, || store.timeline(ids.some_candidate).unwrap());
    let pending = median(50, || store.pending_feedback(now).unwrap());
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    json!({
        "list": { "first_ms": list_first, "median_ms": ms(list), "candidates": list_n },
        "timeline": { "first_ms": timeline_first, "median_ms": ms(timeline), "events": events },
        "pending": { "first_ms": pending_first, "median_ms": ms(pending), "interviews": pending_n },
    })
}
