//! The crash test's child: performs the edit script from a given index in bursts and prints
//! `ack N` after edit N returned, until it is killed. Between bursts a co-panelist's phone
//! (a second store, `STORE.peer`) adds a question and the two sync in process; once the sync
//! returned, `rack K` says the store holds the peer's questions up to K. A quarantined copy
//! on the peer heals during that sync. Usage:
//! crash-child STORE CANDIDATE INTERVIEW SEED START

use std::io::Write;
use std::time::Duration;

use panelnotes_core::model::QuestionKind;
use panelnotes_core::sync::Grant;
use panelnotes_core::{CommitPolicy, Identity, InterviewerId, Store, StoreOptions};
use panelnotes_tests::net::{settle, Link};
use panelnotes_tests::{peer_questions, perform, Model, PEER_QUESTION};

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
    let store = Store::open_with(path, me, options.clone()).expect("store opens");
    let ben = Identity {
        id: InterviewerId::new("ben@acme").unwrap(),
        display_name: "Ben".into(),
    };
    let peer = Store::open_with(format!("{path}.peer"), ben, options).expect("peer store opens");
    let mut stores = [store, peer];
    let grant = Grant::documents([candidate, interview]);
    let mut model = Model::read(&mut stores[0], candidate, interview).expect("state reads");
    let t = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
    let mut out = std::io::stdout().lock();
    let mut n = start;
    loop {
        // A burst of typing, then a short pause in which the app's timer ticks.
        for _ in 0..(n % 17 + 3) {
            let e = model.next_edit(seed, n);
            perform(&mut stores[0], candidate, interview, &e).expect("edit applies");
            model.apply(&e);
            writeln!(out, "ack {n}").unwrap();
            out.flush().unwrap();
            n += 1;
        }
        std::thread::sleep(Duration::from_micros(500 + (n % 5) * 700));
        stores[0].tick().expect("tick");
        // The co-panelist writes once its copy is usable (it may be quarantined, healing).
        if stores[1].has_document(interview).expect("peer store reads") {
            // A damaged copy reads as corrupt (then quarantined) until the sync heals it.
            if let Ok(have) = peer_questions(&mut stores[1], interview) {
                let next = have.last().copied().unwrap_or(0) + 1;
                stores[1].add_question(interview, &format!("{PEER_QUESTION}{next}"), QuestionKind::Generic, t).expect("peer writes");
            }
        }
        let mut links = vec![Link::connect(&mut stores, 1, 0, grant.clone(), grant.clone())];
        settle(&mut stores, &mut links);
        links[0].close(&mut stores);
        let received = peer_questions(&mut stores[0], interview).expect("store reads");
        writeln!(out, "rack {}", received.last().copied().unwrap_or(0)).unwrap();
        out.flush().unwrap();
    }
}
