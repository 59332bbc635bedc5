//! Listeners run on the notifier thread with nothing locked: one may stop itself from inside
//! its callback, call back into the store, or block, and the writer never waits for it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{LogisticsUpdate, NewCandidate};
use panelnotes_core::{CandidateListUpdate, DocumentUpdate, Subscription};
use panelnotes_tests::fixture;

fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A new candidate: a change the candidate list shows.
fn applicant(n: u32) -> NewCandidate {
    NewCandidate {
        name: format!("Applicant {n}"),
        role: "Data engineer".into(),
        source: None,
        contact: None,
        applied_at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
    }
}

fn notice(days: u32) -> LogisticsUpdate {
    LogisticsUpdate { notice_period_days: Some(days), ..Default::default() }
}

#[test]
fn a_listener_that_stops_itself_inside_its_callback_hangs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture::shared(dir.path(), "ana@acme");
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    fixture::candidate_with_interview(&mut store.lock().unwrap(), &["ana@acme"], t0);
    let calls = Arc::new(AtomicUsize::new(0));
    let handle: Arc<Mutex<Option<Subscription>>> = Arc::default();
    let (n, h, s) = (calls.clone(), handle.clone(), store.clone());
    let sub = store
        .lock()
        .unwrap()
        .subscribe_candidates(move |_: &CandidateListUpdate| {
            // The second delivery stops the listener from inside itself; the first one
            // reads the store, which a listener run under the writer's lock could not.
            if n.fetch_add(1, Ordering::SeqCst) == 1 {
                h.lock().unwrap().take().expect("the handle is there").stop();
            } else {
                assert!(s.lock().unwrap().candidates().is_ok());
            }
        })
        .unwrap();
    *handle.lock().unwrap() = Some(sub);
    eventually("the first delivery", || calls.load(Ordering::SeqCst) == 1);
    store.lock().unwrap().create_candidate(applicant(0)).unwrap();
    eventually("the second delivery", || calls.load(Ordering::SeqCst) == 2);
    assert!(handle.lock().unwrap().is_none(), "the callback dropped its own handle");
    for n in 1..10 {
        store.lock().unwrap().create_candidate(applicant(n)).unwrap();
    }
    // A fresh listener's first delivery shows the notifier ran past those changes.
    let fresh = Arc::new(AtomicUsize::new(0));
    let f = fresh.clone();
    let _fresh = store.lock().unwrap().subscribe_candidates(move |_| { f.fetch_add(1, Ordering::SeqCst); }).unwrap();
    eventually("the fresh listener", || fresh.load(Ordering::SeqCst) >= 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "a stopped listener gets nothing more");
}

#[test]
fn a_blocked_listener_never_delays_the_typist() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture::shared(dir.path(), "ana@acme");
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (c, i) = fixture::candidate_with_interview(&mut store.lock().unwrap(), &["ana@acme"], t0);
    let (release, blocked) = mpsc::channel::<()>();
    let blocked = Mutex::new(blocked);
    let entered = Arc::new(AtomicUsize::new(0));
    let e = entered.clone();
    let _doc = store
        .lock()
        .unwrap()
        .subscribe_document(c, move |_: &DocumentUpdate| {
            // Blocks on the first delivery until the typist is done.
            if e.fetch_add(1, Ordering::SeqCst) == 0 {
                let _ = blocked.lock().unwrap().recv();
            }
        })
        .unwrap();
    eventually("the listener is blocked", || entered.load(Ordering::SeqCst) == 1);
    let typist = {
        let store = store.clone();
        std::thread::spawn(move || {
            let mut lat = Vec::new();
            for k in 0..300u64 {
                let t = Instant::now();
                let mut s = store.lock().unwrap();
                s.splice_notes(i, "learn", k, 0, "x").unwrap();
                if k % 30 == 0 {
                    // Structured edits notify the blocked listener's document.
                    s.set_logistics(c, notice(k as u32)).unwrap();
                }
                drop(s);
                lat.push(t.elapsed());
            }
            lat
        })
    };
    let mut lat = typist.join().unwrap();
    assert_eq!(entered.load(Ordering::SeqCst), 1, "the listener was still blocked when typing ended");
    release.send(()).unwrap();
    eventually("the listener catches up", || entered.load(Ordering::SeqCst) >= 2);
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    eprintln!("typing while a listener is blocked: p50 {:.3} ms p99 {:.3} ms n={}", p(0.5), p(0.99), lat.len());
    assert_eq!(store.lock().unwrap().notes(i, "learn").unwrap().len(), 300);
}
