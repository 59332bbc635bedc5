//! The typing-lane crash test's child. One thread types a letter at a time at the end of the
//! "next_steps" notes, the way the apps do (`splice_shared`: through the lane whenever the
//! writer is busy), and prints `ack N lane K` once keystroke N returned (K: keystrokes the
//! lane took so far). The main thread keeps taking in a co-panelist's typing by sync, one
//! frame per lock, as a transport thread does, until the process is killed. Usage:
//! lane-crash-child STORE CANDIDATE INTERVIEW START

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use panelnotes_core::store::splice_shared;
use panelnotes_core::sync::{Connection, Grant, Role};
use panelnotes_core::{Identity, InterviewerId, Store};
use panelnotes_tests::lane_letter;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, candidate, interview, start] = &args[..] else {
        eprintln!("usage: lane-crash-child STORE CANDIDATE INTERVIEW START");
        std::process::exit(2);
    };
    let (candidate, interview) = (candidate.parse().unwrap(), interview.parse().unwrap());
    let start: u64 = start.parse().unwrap();
    let who = |id: &str| Identity { id: InterviewerId::new(id).unwrap(), display_name: id.into() };
    let store = Store::open(path, who("ana@acme")).expect("store opens");
    let lane = store.typing_lane();
    let ana = Arc::new(Mutex::new(store));
    let mut peer = Store::open(format!("{path}.peer"), who("ben@acme")).expect("peer store opens");
    let grant = Grant::documents([candidate, interview]);
    let sync = |ana: &Mutex<Store>, peer: &mut Store| {
        let mut ca = Connection::new(&ana.lock().unwrap(), Role::Initiator, grant.clone()).unwrap();
        let mut cb = Connection::new(peer, Role::Responder, grant.clone()).unwrap();
        for _ in 0..200 {
            let oa = ca.poll(&mut ana.lock().unwrap()).unwrap();
            let ob = cb.poll(peer).unwrap();
            if oa.is_empty() && ob.is_empty() {
                break;
            }
            for f in oa {
                cb.receive(peer, &f).unwrap();
            }
            for f in ob {
                ca.receive(&mut ana.lock().unwrap(), &f).unwrap();
            }
        }
    };
    sync(&ana, &mut peer);
    {
        let (ana, lane) = (ana.clone(), lane.clone());
        std::thread::spawn(move || {
            let mut out = std::io::stdout().lock();
            for n in start.. {
                splice_shared(&ana, &lane, interview, "next_steps", n, 0, lane_letter(n)).expect("keystroke lands");
                writeln!(out, "ack {n} lane {}", lane.taken()).unwrap();
                out.flush().unwrap();
                std::thread::sleep(Duration::from_micros(300));
            }
        });
    }
    // The co-panelist types a paragraph offline, then the phones meet: big merges, often.
    let mut at = peer.notes(interview, "learn").unwrap().encode_utf16().count() as u64;
    loop {
        for _ in 0..40 {
            peer.splice_notes(interview, "learn", at, 0, "distributed training ").unwrap();
            at += 21;
        }
        peer.flush().unwrap();
        sync(&ana, &mut peer);
    }
}
