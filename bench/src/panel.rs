//! The 4-phone panel after 45 offline minutes, one process per phone as on real phones, so
//! each phone's peak RSS is its own (VmHWM, read the same way as the Node phones read theirs).
//!
//! The parent is the network: a star around the lead, in lockstep rounds. Each round it hands
//! every phone the frames addressed to it; the phone takes them in, then answers with
//! everything it owes its peers and a digest of its heads. The sync is over when a round
//! moves nothing, and it converged if every digest is equal. Frame bytes are the protocol
//! messages alone (what automerge-repo's adapters carry too), without any transport framing.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use automerge::{AutoCommit, ChangeHash};
use panelnotes_core::sync::{Connection, Grant, Role};
use panelnotes_core::{DocumentId, ManualClock};
use serde_json::{json, Value};

use crate::fixture::{self, Paths};
use crate::stats;

const FRAME: u8 = b'F';
const GO: u8 = b'G';
const ROUND: u8 = b'R';
const DONE: u8 = b'D';
const QUIT: u8 = b'Q';
const READY: u8 = b'K';
const STATS: u8 = b'S';

fn write_msg(w: &mut impl Write, tag: u8, link: u32, bytes: &[u8]) {
    w.write_all(&[tag]).unwrap();
    w.write_all(&link.to_le_bytes()).unwrap();
    w.write_all(&(bytes.len() as u32).to_le_bytes()).unwrap();
    w.write_all(bytes).unwrap();
}

fn read_msg(r: &mut impl Read) -> (u8, u32, Vec<u8>) {
    let mut head = [0u8; 9];
    r.read_exact(&mut head).unwrap();
    let link = u32::from_le_bytes(head[1..5].try_into().unwrap());
    let len = u32::from_le_bytes(head[5..9].try_into().unwrap()) as usize;
    let mut bytes = vec![0; len];
    r.read_exact(&mut bytes).unwrap();
    (head[0], link, bytes)
}

/// The child: one phone. `links` is 1 for a member (it dials the lead) or the number of
/// members for the lead (it answers each).
pub fn phone(store: &Path, index: usize, links: usize, interview: DocumentId) {
    let clock = ManualClock::default();
    let mut s = panelnotes_core::Store::open_with(store, fixture::who(index), fixture::options(&clock, 2000 + index as u64)).unwrap();
    // The app had the interview open: decoding it is not part of the sync.
    s.preload(interview).unwrap();
    let rss_loaded = stats::current_rss();
    stats::reset_peak_rss();
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut out = BufWriter::new(std::io::stdout().lock());
    write_msg(&mut out, READY, 0, &[]);
    out.flush().unwrap();
    let grant = Grant::documents([interview]);
    let mut conns: Vec<Connection> = Vec::new();
    let mut cpu_at_go = 0;
    loop {
        let (tag, link, bytes) = read_msg(&mut input);
        match tag {
            FRAME => {
                conns[link as usize].receive(&mut s, &bytes).unwrap();
            }
            GO | ROUND => {
                if tag == GO {
                    cpu_at_go = stats::cpu_ns();
                    let role = if links == 1 { Role::Initiator } else { Role::Responder };
                    conns = (0..links).map(|_| Connection::new(&s, role, grant.clone()).unwrap()).collect();
                }
                for (l, c) in conns.iter_mut().enumerate() {
                    for f in c.poll(&mut s).unwrap() {
                        write_msg(&mut out, FRAME, l as u32, &f);
                    }
                }
                let mut h = DefaultHasher::new();
                s.heads(interview).unwrap().hash(&mut h);
                write_msg(&mut out, DONE, 0, &h.finish().to_le_bytes());
                out.flush().unwrap();
            }
            QUIT => {
                for c in conns.iter_mut() {
                    c.close(&mut s).unwrap();
                }
                let bytes_in: u64 = conns.iter().map(|c| c.stats().bytes_in).sum();
                let cpu_ms = (stats::cpu_ns() - cpu_at_go) as f64 / 1e6;
                let st = json!({ "bytes_in": bytes_in, "rss_loaded": rss_loaded, "peak_rss": stats::peak_rss(), "cpu_ms": cpu_ms });
                write_msg(&mut out, STATS, 0, st.to_string().as_bytes());
                out.flush().unwrap();
                return;
            }
            t => panic!("unknown message {t}"),
        }
    }
}

struct Child_ {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

/// One run of the panel sync from a fresh copy of the typed stores.
fn run_once(paths: &Paths, run: usize, interview: DocumentId) -> Value {
    let dir = paths.scratch(&format!("panel-sync-{run}"));
    stats::copy_dir(&paths.panel(), &dir);
    let exe = std::env::current_exe().unwrap();
    let mut kids: Vec<Child_> = (0..4)
        .map(|i| {
            let mut child = Command::new(&exe)
                .args(["phone", dir.join(format!("{i}.sqlite3")).to_str().unwrap(), &i.to_string()])
                .arg(if i == 0 { "3" } else { "1" })
                .arg(interview.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let stdin = BufWriter::new(child.stdin.take().unwrap());
            let stdout = BufReader::new(child.stdout.take().unwrap());
            Child_ { child, stdin, stdout }
        })
        .collect();
    for k in kids.iter_mut() {
        assert_eq!(read_msg(&mut k.stdout).0, READY);
    }
    let start = Instant::now();
    let mut tag = GO;
    let mut inbox: Vec<Vec<(u32, Vec<u8>)>> = vec![Vec::new(); 4];
    let (mut rounds, mut bytes, mut frames) = (0, 0u64, 0u64);
    let digests = loop {
        for (i, k) in kids.iter_mut().enumerate() {
            for (link, f) in inbox[i].drain(..) {
                write_msg(&mut k.stdin, FRAME, link, &f);
            }
            write_msg(&mut k.stdin, tag, 0, &[]);
            k.stdin.flush().unwrap();
        }
        tag = ROUND;
        let mut moved = 0u64;
        let mut digests = Vec::new();
        for (i, k) in kids.iter_mut().enumerate() {
            loop {
                let (t, link, f) = read_msg(&mut k.stdout);
                if t == DONE {
                    digests.push(f);
                    break;
                }
                moved += f.len() as u64;
                frames += 1;
                // The star: member i's only link goes to the lead's link i-1, and back.
                if i == 0 {
                    inbox[link as usize + 1].push((0, f));
                } else {
                    inbox[0].push((i as u32 - 1, f));
                }
            }
        }
        if moved == 0 {
            break digests;
        }
        rounds += 1;
        bytes += moved;
        assert!(rounds < 500, "no convergence after 500 rounds");
    };
    let elapsed = start.elapsed();
    assert!(digests.windows(2).all(|w| w[0] == w[1]), "the panel did not converge");
    let mut phones = Vec::new();
    for k in kids.iter_mut() {
        write_msg(&mut k.stdin, QUIT, 0, &[]);
        k.stdin.flush().unwrap();
        let (t, _, st) = read_msg(&mut k.stdout);
        assert_eq!(t, STATS);
        phones.push(serde_json::from_slice::<Value>(&st).unwrap());
        assert!(k.child.wait().unwrap().success());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let cpu_ms: f64 = phones.iter().map(|p| p["cpu_ms"].as_f64().unwrap()).sum();
    json!({ "time_ms": stats::ms(elapsed), "cpu_ms": cpu_ms, "rounds": rounds, "bytes": bytes, "frames": frames, "phones": phones })
}

/// What each phone lacked before the sync, as the compressed bundle of those changes, and the
/// merged document: the floor any sync must move. `docs` are the phones' saved documents.
pub fn lacked(docs: &[Vec<u8>]) -> Value {
    let docs: Vec<AutoCommit> = docs.iter().map(|b| AutoCommit::load(b).unwrap()).collect();
    let mut merged = docs[0].clone();
    for d in &docs[1..] {
        merged.merge(&mut d.clone()).unwrap();
    }
    let all: Vec<ChangeHash> = merged.get_changes(&[]).iter().map(|c| c.hash()).collect();
    let lacked: Vec<usize> = docs
        .iter()
        .map(|d| {
            let mut d = d.clone();
            let have: std::collections::HashSet<_> = d.get_changes(&[]).iter().map(|c| c.hash()).collect();
            let missing: Vec<_> = all.iter().filter(|h| !have.contains(h)).copied().collect();
            merged.bundle(missing).unwrap().bytes().len()
        })
        .collect();
    json!({ "changes": all.len(), "merged_save_bytes": merged.save().len(), "lacked_bytes": lacked })
}

pub fn run(paths: &Paths, runs: usize) -> Value {
    let ids = fixture::read_ids(paths);
    // The floor, from a scratch copy (opening a store writes to it).
    let dir = paths.scratch("panel-lacked");
    stats::copy_dir(&paths.panel(), &dir);
    let clock = ManualClock::default();
    let docs: Vec<Vec<u8>> = (0..4)
        .map(|i| fixture::open_phone(&dir, i, &clock).document_bytes(ids.interview).unwrap())
        .collect();
    let floor = lacked(&docs);
    let _ = std::fs::remove_dir_all(&dir);
    let runs: Vec<Value> = (0..runs).map(|r| run_once(paths, r, ids.interview)).collect();
    let times: Vec<f64> = runs.iter().map(|r| r["time_ms"].as_f64().unwrap()).collect();
    let cpu: Vec<f64> = runs.iter().map(|r| r["cpu_ms"].as_f64().unwrap()).collect();
    let per_phone: Vec<Value> = (0..4)
        .map(|p| {
            let rss: Vec<f64> = runs.iter().map(|r| r["phones"][p]["peak_rss"].as_f64().unwrap()).collect();
            let received = runs[0]["phones"][p]["bytes_in"].as_u64().unwrap();
            let lacked = floor["lacked_bytes"][p].as_u64().unwrap();
            json!({
                "received_bytes": received,
                "lacked_bytes": lacked,
                "ratio": received as f64 / lacked.max(1) as f64,
                "peak_rss": stats::median_f64(&rss),
                "rss_loaded": runs[0]["phones"][p]["rss_loaded"],
            })
        })
        .collect();
    json!({
        "time_ms": stats::median_f64(&times),
        "time_ms_runs": times,
        "cpu_ms": stats::median_f64(&cpu),
        "rounds": runs[0]["rounds"],
        "bytes": runs[0]["bytes"],
        "frames": runs[0]["frames"],
        "phones": per_phone,
        "floor": floor,
    })
}
