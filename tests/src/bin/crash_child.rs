//! The crash test's child: performs the edit script from a given index in bursts and prints
//! `ack N` after edit N returned, until it is killed. Usage:
//! crash-child STORE CANDIDATE INTERVIEW SEED START

use std::io::Write;
use std::time::Duration;

use panelnotes_core::{CommitPolicy, Identity, InterviewerId, Store, StoreOptions};
use panelnotes_tests::{perform, Model};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, candidate, interview, seed, start] = &args[..] else {
        eprintln!("usage: crash-child STORE CANDIDATE INTERVIEW SEED START");
        std::process::exit(2);
    };
    let (candidate, interview) = (candidate.parse().unwrap(), interview.parse().unwrap());
    let (seed, start): (u64, u64) = (seed.parse().unwrap(), start.parse().unwrap());
    // Short policy windows so folds and compactions happen often enough to be killed mid-way.
    let short = CommitPolicy {
        word_after: Duration::from_millis(3),
        idle: Duration::from_millis(2),
        cap: Duration::from_millis(8),
    };
    let options = StoreOptions {
        policy: short,
        offline_policy: short,
        ..Default::default()
    };
    let me = Identity {
        id: InterviewerId::new("ana@acme").unwrap(),
        display_name: "Ana".into(),
    };
    let mut store = Store::open_with(path, me, options).expect("store opens");
    let mut model = Model::read(&mut store, candidate, interview).expect("state reads");
    let mut out = std::io::stdout().lock();
    let mut n = start;
    loop {
        // A burst of typing, then a short pause in which the app's timer ticks.
        for _ in 0..(n % 17 + 3) {
            let e = model.next_edit(seed, n);
            perform(&mut store, candidate, interview, &e).expect("edit applies");
            model.apply(&e);
            writeln!(out, "ack {n}").unwrap();
            out.flush().unwrap();
            n += 1;
        }
        std::thread::sleep(Duration::from_micros(500 + (n % 5) * 700));
        store.tick().expect("tick");
    }
}
