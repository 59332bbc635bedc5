//! The store benchmark: a realistic store (500 candidates, 2,000 interviews) and a 45-minute
//! playbook interview typed keystroke by keystroke by a panel of four, each on their own
//! store, syncing every few seconds. Reports keystroke-to-durable latency, reopening the
//! interview, the candidate list and one timeline (medians over repeated runs).
//!
//! Then one stage's notes at the 1 MiB cap: replacing them (an edit from the editor) and
//! showing the interview as a new `panelnotes interview show` would.
//!
//! cargo bench -p panelnotes-core --bench store      (BENCH_CHARS=N to change the typing,
//! BENCH_ONLY=cap for the notes at the cap alone)

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{
    CandidateEventKind, NewCandidate, NewInterview, Ratings, Recommendation, ScorecardDraft,
    Template,
};
use panelnotes_core::sync::{Connection, Grant, Role};
use panelnotes_core::store::at_rest::AtRestKey;
use panelnotes_core::{DocumentId, Identity, InterviewerId, ManualClock, Store, StoreOptions};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn who(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn median<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            let v = black_box(f());
            let e = t.elapsed();
            drop(v); // outside the measurement
            e
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

const PANEL: [&str; 4] = ["ana@acme", "ben@acme", "cy@acme", "dee@acme"];
const WORDS: &[&str] = &[
    "spark", "cluster", "shuffle", "latency", "she", "explained", "why", "the", "pipeline", "was",
    "rebuilt", "for", "cost", "and", "reliability", "business", "impact", "clear", "probed",
    "sampling", "vs", "distributed", "training", "good", "answer", "on", "trade-offs", "🚀",
    "分布式", "team", "of", "five", "owned", "on-call", "metrics", "weak", "strong",
];

struct Typist {
    store: Store,
    rng: StdRng,
    next_at: Duration,
    typed: usize,
    word: Vec<char>,
}

/// A live sync connection between two of the panel's phones.
struct Link {
    a: usize,
    b: usize,
    ca: Connection,
    cb: Connection,
}

impl Link {
    fn pump(&mut self, typists: &mut [Typist]) {
        loop {
            let out_a = self.ca.poll(&mut typists[self.a].store).unwrap();
            let out_b = self.cb.poll(&mut typists[self.b].store).unwrap();
            if out_a.is_empty() && out_b.is_empty() {
                return;
            }
            for f in out_a {
                self.cb.receive(&mut typists[self.b].store, &f).unwrap();
            }
            for f in out_b {
                self.ca.receive(&mut typists[self.a].store, &f).unwrap();
            }
        }
    }
}

/// One stage filled to the cap, then edited in place (a word near the middle, as from an
/// editor) and shown as a fresh process shows it: open the store, read the interview view.
fn notes_at_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cap.sqlite3");
    let me = || Identity { id: who("ana@acme"), display_name: "Ana".into() };
    let mut s = Store::open(&path, me()).unwrap();
    let applied = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let c = s
        .create_candidate(NewCandidate { name: "Cap".into(), role: "Engineer".into(), source: None, contact: None, applied_at: applied })
        .unwrap();
    let i = s
        .schedule_interview(NewInterview {
            candidate_id: c,
            title: None,
            template: Template::playbook(),
            booked_at: applied,
            scheduled_start: applied + chrono::Duration::days(2),
            minutes: None,
            panelists: vec![who("ana@acme")],
            lead: who("ana@acme"),
        })
        .unwrap();
    let line = "Ran Spark on 200 nodes; explained shuffle cost clearly, then the trade-offs 🚀 分布式.\n";
    let full = line.repeat(panelnotes_core::model::NOTES_LIMIT / line.len());
    let fill = Instant::now();
    s.replace_notes(i, "learn", &full).unwrap();
    let fill = fill.elapsed();
    let middle = full.len() / 2 / line.len() * line.len();
    let edited = format!("{}{}{}", &full[..middle], line.replace("clearly", "plainly"), &full[middle + line.len()..]);
    let mut flip = false;
    let replace = median(9, || {
        flip = !flip;
        s.replace_notes(i, "learn", if flip { &edited } else { &full }).unwrap();
    });
    s.close().unwrap();
    let show = median(9, || {
        let mut s = Store::open(&path, me()).unwrap();
        let view = s.interview_view(i).unwrap();
        assert_eq!(view.notes[1].1.len(), full.len());
        (s, view)
    });
    let mut s = Store::open(&path, me()).unwrap();
    let decode = median(5, || {
        s.unload(i).unwrap();
        s.preload(i).unwrap();
    });
    println!("notes at the 1 MB cap: replace {:.1} ms, show {:.1} ms", replace.as_secs_f64() * 1e3, show.as_secs_f64() * 1e3);
    println!(
        "  (pasting {} KB into the empty stage took {}; decoding the interview for editing takes {})",
        full.len() / 1024,
        ms(fill),
        ms(decode)
    );
}

fn main() {
    if std::env::var("BENCH_ONLY").is_ok_and(|v| v == "cap") {
        notes_at_the_cap();
        return;
    }
    if std::env::var("BENCH_ONLY").is_ok_and(|v| v == "merge") {
        let chars_each: usize = std::env::var("BENCH_CHARS").ok().and_then(|v| v.parse().ok()).unwrap_or(15_000);
        keystrokes_during_a_merge(chars_each / 4);
        return;
    }
    // BENCH_AT_REST=plain|encrypted picks one; by default both run, plaintext first, so the
    // cost of encryption at rest shows beside the earlier figures.
    let modes: Vec<Option<AtRestKey>> = match std::env::var("BENCH_AT_REST").as_deref() {
        Ok("plain") => vec![None],
        Ok("encrypted") => vec![Some(AtRestKey::from_bytes([7; 32]))],
        _ => vec![None, Some(AtRestKey::from_bytes([7; 32]))],
    };
    for key in modes {
        println!("== at rest: {} ==", if key.is_some() { "encrypted (per-record XChaCha20-Poly1305)" } else { "plaintext" });
        realistic(key);
    }
    let chars_each: usize = std::env::var("BENCH_CHARS").ok().and_then(|v| v.parse().ok()).unwrap_or(15_000);
    keystrokes_during_a_merge(chars_each / 4);
    notes_at_the_cap();
}

/// The realistic store, the 45-minute panel and the reads, in one at-rest mode.
fn realistic(key: Option<AtRestKey>) {
    let chars_each: usize = std::env::var("BENCH_CHARS").ok().and_then(|v| v.parse().ok()).unwrap_or(15_000);
    let dir = tempfile::tempdir().unwrap();
    // Late enough that everything the build below records is in the past.
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap());
    // BENCH_POLICY=word_after,idle,cap in seconds, to compare commit policies.
    let policy = std::env::var("BENCH_POLICY").ok().filter(|p| !p.is_empty()).map(|p| {
        let v: Vec<f64> = p.split(',').map(|x| x.parse().unwrap()).collect();
        panelnotes_core::CommitPolicy {
            word_after: Duration::from_secs_f64(v[0]),
            idle: Duration::from_secs_f64(v[1]),
            cap: Duration::from_secs_f64(v[2]),
        }
    });
    let options = || StoreOptions {
        clock: std::sync::Arc::new(clock.clone()),
        policy: policy.unwrap_or_default(),
        key: key.clone(),
        ..Default::default()
    };
    let open = |i: usize| {
        Store::open_with(
            dir.path().join(format!("{i}.sqlite3")),
            Identity { id: who(PANEL[i]), display_name: PANEL[i].into() },
            options(),
        )
        .unwrap()
    };

    // ---- a realistic store: 500 candidates, 2,000 interviews -------------------------------
    let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let mut ana = open(0);
    let build = Instant::now();
    let mut rng = StdRng::seed_from_u64(7);
    let mut candidates = Vec::new();
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
    for n in 0..500 {
        let applied = t0 + chrono::Duration::hours(n * 3);
        let c = ana
            .create_candidate(NewCandidate {
                name: format!("Candidate {n}"),
                role: "Engineer".into(),
                source: Some("careers page".into()),
                contact: None,
                applied_at: applied,
            })
            .unwrap();
        ana.record_event(c, CandidateEventKind::Acknowledged, applied + chrono::Duration::hours(4), None).unwrap();
        for k in 0..4 {
            let start = applied + chrono::Duration::days(2 + k);
            let i = ana
                .schedule_interview(NewInterview {
                    candidate_id: c,
                    title: None,
                    template: Template::playbook(),
                    booked_at: applied + chrono::Duration::hours(5),
                    scheduled_start: start,
                    minutes: None,
                    panelists: PANEL.iter().take(3).map(|p| who(p)).collect(),
                    lead: who("ana@acme"),
                })
                .unwrap();
            if rng.random_bool(0.6) {
                ana.advance_stage(i, start).unwrap();
                ana.end_interview(i, start + chrono::Duration::minutes(47)).unwrap();
                draft.ratings.technical_depth = Some(rng.random_range(1..=4));
                ana.save_scorecard_draft(i, draft.clone()).unwrap();
                ana.submit_scorecard(i, start + chrono::Duration::minutes(rng.random_range(50..600))).unwrap();
            }
        }
        candidates.push(c);
    }
    ana.flush().unwrap();
    println!("built 500 candidates and 2,000 interviews in {:.1} s", build.elapsed().as_secs_f64());

    // ---- the 45-minute panel, typed keystroke by keystroke ---------------------------------
    let candidate = ana
        .create_candidate(NewCandidate {
            name: "Panel candidate".into(),
            role: "Data engineer".into(),
            source: None,
            contact: None,
            applied_at: t0,
        })
        .unwrap();
    let start = panelnotes_core::Clock::wall(&clock);
    let interview = ana
        .schedule_interview(NewInterview {
            candidate_id: candidate,
            title: Some("Panel".into()),
            template: Template::playbook(),
            booked_at: start,
            scheduled_start: start,
            minutes: None,
            panelists: PANEL.iter().map(|p| who(p)).collect(),
            lead: who("ana@acme"),
        })
        .unwrap();
    ana.advance_stage(interview, start).unwrap();
    let mut typists: Vec<Typist> = Vec::new();
    let mut ana = Some(ana);
    for i in 0..4 {
        let store = if i == 0 { ana.take().unwrap() } else { open(i) };
        typists.push(Typist {
            store,
            rng: StdRng::seed_from_u64(100 + i as u64),
            next_at: Duration::from_millis(300 * i as u64),
            typed: 0,
            word: Vec::new(),
        });
    }
    // The phones in the room stay connected (a mesh) and sync every 5 s: the documents are
    // live, so the store folds keystrokes under its live policy.
    let grant = Grant::documents([interview, candidate]);
    let mut links = Vec::new();
    for a in 0..4 {
        for b in a + 1..4 {
            let ca = Connection::new(&typists[a].store, Role::Initiator, grant.clone()).unwrap();
            let cb = Connection::new(&typists[b].store, Role::Responder, grant.clone()).unwrap();
            let mut link = Link { a, b, ca, cb };
            link.pump(&mut typists);
            links.push(link);
        }
    }

    let stages = Template::playbook().stages;
    let stage_at = |elapsed: Duration| {
        let mut acc = 0;
        for s in &stages {
            acc += s.minutes as u64 * 60;
            if elapsed.as_secs() < acc {
                return s.key.clone();
            }
        }
        stages.last().unwrap().key.clone()
    };
    let mut now = Duration::ZERO;
    let mut next_tick = Duration::from_secs(1);
    let mut next_sync = Duration::from_secs(5);
    let mut current_stage = stages[0].key.clone();
    let mut latencies = Vec::with_capacity(chars_each * 4);
    let mut sync_rounds = 0;
    let typing = Instant::now();
    while let Some(who_next) = (0..4).filter(|&i| typists[i].typed < chars_each).min_by_key(|&i| typists[i].next_at) {
        let at = typists[who_next].next_at;
        while next_tick <= at || next_sync <= at {
            if next_tick <= next_sync {
                clock.advance(next_tick - now);
                now = next_tick;
                for t in typists.iter_mut() {
                    t.store.tick().unwrap();
                }
                next_tick += Duration::from_millis(500);
            } else {
                clock.advance(next_sync - now);
                now = next_sync;
                for link in links.iter_mut() {
                    link.pump(&mut typists);
                }
                sync_rounds += 1;
                next_sync += Duration::from_secs(5);
            }
        }
        clock.advance(at - now);
        now = at;
        let stage = stage_at(now);
        if stage != current_stage {
            typists[0].store.start_stage(interview, &stage, start + chrono::Duration::from_std(now).unwrap()).unwrap();
            current_stage = stage.clone();
        }
        let t = &mut typists[who_next];
        if t.word.is_empty() {
            let w = WORDS[t.rng.random_range(0..WORDS.len())];
            t.word = format!("{w} ").chars().rev().collect();
        }
        let backspace = t.rng.random_bool(0.03);
        let len = t.store.notes(interview, &stage).unwrap().encode_utf16().count() as u64;
        let (pos, del, ins) = if backspace && len > 0 {
            let text = t.store.notes(interview, &stage).unwrap();
            let last = text.chars().last().unwrap().len_utf16() as u64;
            (len - last, last, String::new())
        } else {
            let c = t.word.pop().unwrap();
            t.typed += 1;
            (len, 0, c.to_string())
        };
        let k = Instant::now();
        t.store.splice_notes(interview, &stage, pos, del, &ins).unwrap();
        latencies.push(k.elapsed());
        let gap = if ins == " " && t.rng.random_bool(0.1) {
            t.rng.random_range(800..3_000)
        } else {
            t.rng.random_range(90..260)
        };
        t.next_at = now + Duration::from_millis(gap);
    }
    // A final sync so every store holds the whole interview.
    for link in links.iter_mut() {
        link.pump(&mut typists);
    }
    drop(links);
    let typing = typing.elapsed();
    latencies.sort();
    let total_keys = latencies.len();
    println!(
        "typed {total_keys} keystrokes (4 panelists x {chars_each} characters, {} simulated minutes, {sync_rounds} sync rounds) in {:.1} s",
        now.as_secs() / 60,
        typing.as_secs_f64()
    );
    println!(
        "keystroke-to-durable: p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
        ms(pct(&latencies, 0.5)),
        ms(pct(&latencies, 0.9)),
        ms(pct(&latencies, 0.99)),
        ms(pct(&latencies, 0.999)),
        ms(*latencies.last().unwrap())
    );
    let mut typists = typists;
    let bytes = typists[0].store.document_bytes(interview).unwrap();
    let mut doc = automerge::AutoCommit::load(&bytes).unwrap();
    let chars: usize = stages
        .iter()
        .map(|s| typists[0].store.notes(interview, &s.key).unwrap().chars().count())
        .sum();
    println!(
        "interview document: {} characters of notes, {} Automerge changes, {} KB saved",
        chars,
        doc.get_changes(&[]).len(),
        bytes.len() / 1024
    );
    let load = median(9, || automerge::AutoCommit::load(&bytes).unwrap());
    for t in typists.drain(..) {
        t.store.close().unwrap();
    }

    // ---- reopen, list, timeline ------------------------------------------------------------
    let path = dir.path().join("0.sqlite3");
    let me = || Identity { id: who("ana@acme"), display_name: "Ana".into() };
    let open_store = median(15, || Store::open_with(&path, me(), StoreOptions { key: key.clone(), ..Default::default() }).unwrap());
    let reopen = median(15, || {
        let mut s = Store::open_with(&path, me(), StoreOptions { key: key.clone(), ..Default::default() }).unwrap();
        let view = s.interview_view(interview).unwrap();
        (s, view)
    });
    let mut store = Store::open_with(&path, me(), StoreOptions { key: key.clone(), ..Default::default() }).unwrap();
    let decode = median(15, || {
        store.unload(interview).unwrap();
        store.preload(interview).unwrap();
    });
    println!("open the store: median {}", ms(open_store));
    println!("reopen the interview (open the store, show stages and all notes): median {}", ms(reopen));
    println!(
        "decode the interview document for editing (preload, off the UI thread): median {} (Automerge load alone {})",
        ms(decode),
        ms(load)
    );
    // The first keystroke as the apps meet it: open the store, show the interview from the
    // index, type at once (the document decodes later, off the writer).
    let mut firsts = Vec::new();
    for _ in 0..41 {
        let mut s = Store::open_with(&path, me(), StoreOptions { key: key.clone(), ..Default::default() }).unwrap();
        let view = s.interview_view(interview).unwrap();
        let (stage, text) = view.notes.last().unwrap();
        let at = text.encode_utf16().count() as u64;
        let k = Instant::now();
        s.splice_notes(interview, stage, at, 0, "x").unwrap();
        firsts.push(k.elapsed());
        s.close().unwrap();
    }
    firsts.sort();
    println!("first keystroke after reopening: p50 {} p99 {} (n={})", ms(pct(&firsts, 0.5)), ms(pct(&firsts, 0.99)), firsts.len());
    let list = median(50, || store.candidates().unwrap());
    println!("candidate list ({} candidates): median {}", store.candidates().unwrap().len(), ms(list));
    let timeline = median(200, || store.timeline(candidates[250]).unwrap());
    let tl = store.timeline(candidates[250]).unwrap();
    println!(
        "one timeline ({} events, {} interviews): median {}",
        tl.entries.len(),
        tl.interviews.len(),
        ms(timeline)
    );
    let pending = median(50, || store.pending_feedback(Utc::now()).unwrap());
    println!("pending feedback: median {}", ms(pending));
    let _: DocumentId = candidate;
    drop(store);
}

/// The lead types (one keystroke every 2 ms, far faster than a person, so that many land
/// inside the merge) while three phones that typed `offline_chars` each without a network
/// sync with her. A keystroke's time runs from when it was due to when it was durable, so
/// one that waited for the store behind a merge step counts its wait.
fn keystrokes_during_a_merge(offline_chars: usize) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap());
    let open = |i: usize| {
        let options = StoreOptions { clock: Arc::new(clock.clone()), seed: Some(i as u64), ..Default::default() };
        Store::open_with(dir.path().join(format!("m{i}.sqlite3")), Identity { id: who(PANEL[i]), display_name: PANEL[i].into() }, options).unwrap()
    };
    let mut phones: Vec<Store> = (0..4).map(open).collect();
    let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap();
    let candidate = phones[0]
        .create_candidate(NewCandidate { name: "Merge".into(), role: "Data engineer".into(), source: None, contact: None, applied_at: t0 })
        .unwrap();
    let interview = phones[0]
        .schedule_interview(NewInterview {
            candidate_id: candidate,
            title: None,
            template: Template::playbook(),
            booked_at: t0,
            scheduled_start: t0 + chrono::Duration::days(1),
            minutes: None,
            panelists: PANEL.iter().map(|p| who(p)).collect(),
            lead: who("ana@acme"),
        })
        .unwrap();
    let grant = Grant::documents([interview, candidate]);
    let sync = |a: &mut Store, b: &mut Store| {
        let mut ca = Connection::new(a, Role::Initiator, grant.clone()).unwrap();
        let mut cb = Connection::new(b, Role::Responder, grant.clone()).unwrap();
        loop {
            let (oa, ob) = (ca.poll(a).unwrap(), cb.poll(b).unwrap());
            if oa.is_empty() && ob.is_empty() {
                return;
            }
            for f in oa {
                cb.receive(b, &f).unwrap();
            }
            for f in ob {
                ca.receive(a, &f).unwrap();
            }
        }
    };
    let (ana, rest) = phones.split_at_mut(1);
    for p in rest.iter_mut() {
        sync(&mut ana[0], p);
    }
    // Offline typing on the three other phones, folded under the offline policy.
    let mut rng = StdRng::seed_from_u64(7);
    for (n, p) in rest.iter_mut().enumerate() {
        let mut at = 0u64;
        let mut typed = 0;
        while typed < offline_chars {
            let w = format!("{} ", WORDS[rng.random_range(0..WORDS.len())]);
            p.splice_notes(interview, "learn", at, 0, &w).unwrap();
            at += w.encode_utf16().count() as u64;
            typed += w.chars().count();
            if typed % 40 < 8 {
                clock.advance(Duration::from_secs(3 + n as u64));
                p.tick().unwrap();
            }
        }
        p.flush().unwrap();
    }
    let mut phones = phones;
    let ana = Arc::new(Mutex::new(phones.remove(0)));
    let stop = Arc::new(AtomicBool::new(false));
    let typist = {
        let (ana, stop) = (ana.clone(), stop.clone());
        let lane = ana.lock().unwrap().typing_lane();
        std::thread::spawn(move || {
            let cadence = Duration::from_millis(2);
            let mut pos = ana.lock().unwrap().notes(interview, "next_steps").unwrap().encode_utf16().count() as u64;
            // She was typing in this stage when the phones came into range: its first
            // keystroke (which finds the stage's text, measured above) is not this bench's.
            panelnotes_core::store::splice_shared(&ana, &lane, interview, "next_steps", pos, 0, "x").unwrap();
            pos += 1;
            let start = Instant::now();
            let mut lat = Vec::new();
            for k in 0u32.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let due = start + cadence * k;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                // As the apps type: the lane takes the keystroke while a frame holds the writer.
                panelnotes_core::store::splice_shared(&ana, &lane, interview, "next_steps", pos, 0, "x").unwrap();
                lat.push(due.elapsed());
                pos += 1;
            }
            lat
        })
    };
    let merge = Instant::now();
    for p in phones.iter_mut() {
        let mut ca = Connection::new(&ana.lock().unwrap(), Role::Initiator, grant.clone()).unwrap();
        let mut cb = Connection::new(p, Role::Responder, grant.clone()).unwrap();
        // One frame per lock, as a transport thread takes it.
        for _ in 0..200 {
            let oa = ca.poll(&mut ana.lock().unwrap()).unwrap();
            let ob = cb.poll(p).unwrap();
            if oa.is_empty() && ob.is_empty() {
                break;
            }
            for f in oa {
                cb.receive(p, &f).unwrap();
            }
            for f in ob {
                let held = Instant::now();
                ca.receive(&mut ana.lock().unwrap(), &f).unwrap();
                if std::env::var("BENCH_HOLDS").is_ok() {
                    eprintln!("hold: receive {} bytes for {}", f.len(), ms(held.elapsed()));
                }
            }
        }
    }
    let merge = merge.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut lat = typist.join().unwrap();
    lat.sort();
    let chars: usize = ana.lock().unwrap().notes(interview, "learn").unwrap().chars().count();
    println!(
        "keystroke-to-durable during a 4-phone sync merge: p50 {} p99 {} max {} (n={}, merge of {} characters from 3 phones in {})",
        ms(pct(&lat, 0.5)),
        ms(pct(&lat, 0.99)),
        ms(*lat.last().unwrap()),
        lat.len(),
        chars,
        ms(merge)
    );
}
