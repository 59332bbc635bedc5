//! Acknowledged edits survive SIGKILL. A child process runs the edit script in bursts and
//! acknowledges each edit, and between bursts takes in a co-panelist's changes by sync
//! (acknowledging what it received); folds and compactions run from its timer. It is killed
//! at random moments; after every kill the store must open and hold every acknowledged edit
//! (and at most the one edit in flight beyond them) and every acknowledged remote change.
//! Every 20th kill also damages the co-panelist's copy on disk, which must heal from the
//! store during a later sync, killed or not.
//!
//! CRASH_KILLS sets the number of kills (default 200; the README documents a longer run).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use panelnotes_core::model::{NewCandidate, NewInterview, Template};
use panelnotes_core::{Identity, InterviewerId, Store};
use panelnotes_core::DocumentId;
use panelnotes_tests::{peer_questions, Model};
use rand::{Rng, SeedableRng};

fn ana() -> Identity {
    Identity {
        id: InterviewerId::new("ana@acme").unwrap(),
        display_name: "Ana".into(),
    }
}

fn ben() -> Identity {
    Identity {
        id: InterviewerId::new("ben@acme").unwrap(),
        display_name: "Ben".into(),
    }
}

/// Flips a byte in the middle of the newest stored chunk (or the snapshot) of `doc`, so its
/// next load fails its checksum. Returns whether there was anything to damage.
fn damage_chunk(path: &std::path::Path, doc: DocumentId) -> bool {
    let conn = rusqlite::Connection::open(path).unwrap();
    let key = &doc.as_bytes()[..];
    let chunk: Option<(i64, Vec<u8>)> = conn
        .query_row("SELECT seq, bytes FROM chunks WHERE doc_id = ?1 ORDER BY seq DESC LIMIT 1", [key], |r| Ok((r.get(0)?, r.get(1)?)))
        .ok();
    match chunk {
        Some((seq, mut bytes)) if bytes.len() > 16 => {
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x55;
            conn.execute("UPDATE chunks SET bytes = ?2 WHERE seq = ?1", rusqlite::params![seq, bytes]).unwrap();
        }
        _ => {
            // The co-panelist may not hold the document yet (no sync finished before this
            // kill): then there is nothing to damage.
            let Ok(mut snap) = conn.query_row("SELECT snapshot FROM documents WHERE id = ?1", [key], |r| r.get::<_, Vec<u8>>(0)) else {
                return false;
            };
            if snap.len() < 16 {
                return false;
            }
            let mid = snap.len() / 2;
            snap[mid] ^= 0x55;
            conn.execute("UPDATE documents SET snapshot = ?2 WHERE id = ?1", rusqlite::params![key, snap]).unwrap();
        }
    }
    true
}

#[test]
fn acknowledged_edits_survive_sigkill() {
    let kills: u32 = std::env::var("CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let seed: u64 = std::env::var("CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0xC0FFEE);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.sqlite3");
    let (candidate, interview) = {
        let mut s = Store::open(&path, ana()).unwrap();
        let now = chrono::Utc::now();
        let c = s
            .create_candidate(NewCandidate {
                name: "Crash Test".into(),
                role: "Engineer".into(),
                source: None,
                contact: None,
                applied_at: now,
            })
            .unwrap();
        let i = s
            .schedule_interview(NewInterview {
                candidate_id: c,
                title: None,
                template: Template::playbook(),
                booked_at: now,
                scheduled_start: now,
                minutes: None,
                panelists: vec![ana().id],
                lead: ana().id,
            })
            .unwrap();
        s.close().unwrap();
        (c, i)
    };

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut done: u64 = 0;
    let mut in_flight_landed = 0u32;
    let (mut remote_acked, mut damaged, mut quarantined_seen) = (0u64, 0u32, 0u32);
    for kill in 0..kills {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash-child"))
            .args([
                path.to_str().unwrap(),
                &candidate.to_string(),
                &interview.to_string(),
                &seed.to_string(),
                &done.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let (mut last, mut remote) = (None, 0u64);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ack ") {
                    last = Some(n.parse::<u64>().unwrap());
                } else if let Some(k) = line.strip_prefix("rack ") {
                    remote = k.parse().unwrap();
                }
            }
            (last, remote)
        });
        // Kill at a random moment: sometimes while it opens, mostly mid-burst.
        std::thread::sleep(Duration::from_micros(rng.random_range(3_000..60_000)));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!stderr.contains("panicked"), "child failed (kill {kill}): {stderr}");
        assert!(status.code().is_none(), "child exited by itself: {status:?} {stderr}");
        let (last, remote) = reader.join().unwrap();
        let acked = last.map(|n| n + 1).unwrap_or(done);
        remote_acked = remote_acked.max(remote);
        assert!(acked >= done);

        let mut s = Store::open(&path, ana()).unwrap_or_else(|e| panic!("store must open after kill {kill}: {e}"));
        let found = Model::read(&mut s, candidate, interview).unwrap();
        if found == Model::after(seed, acked) {
            done = acked;
        } else if found == Model::after(seed, acked + 1) {
            // The edit in flight when the kill came was durable but not yet acknowledged.
            done = acked + 1;
            in_flight_landed += 1;
        } else {
            panic!(
                "after kill {kill}, {acked} acknowledged edits are not all in the store:\nfound    {found:?}\nexpected {:?}",
                Model::after(seed, acked)
            );
        }
        assert!(s.quarantined().unwrap().is_empty());
        let received = peer_questions(&mut s, interview).unwrap();
        assert!(
            received.len() as u64 >= remote_acked && received.iter().copied().eq(1..=received.len() as u64),
            "after kill {kill}, remote changes acknowledged up to {remote_acked} are not all in the store: {received:?}"
        );
        drop(s);
        // The co-panelist's store opens after every kill too, healed or quarantined.
        let peer_path = dir.path().join("crash.sqlite3.peer");
        if peer_path.exists() {
            let peer = Store::open(&peer_path, ben()).unwrap_or_else(|e| panic!("peer store must open after kill {kill}: {e}"));
            if !peer.quarantined().unwrap().is_empty() {
                quarantined_seen += 1;
            } else if kill > 0 && kill % 20 == 0 && damage_chunk(&peer_path, interview) {
                damaged += 1;
            }
        }
    }
    eprintln!(
        "{kills} kills, {done} edits acknowledged and verified, {in_flight_landed} in-flight edits landed, \
         {remote_acked} remote changes acknowledged, {damaged} peer copies damaged ({quarantined_seen} kills found one quarantined)"
    );
    assert!(done > kills as u64, "the child made progress between kills");
    assert!(remote_acked > 0, "the child synced between kills");
    let peer_path = dir.path().join("crash.sqlite3.peer");
    let mut peer = Store::open(&peer_path, ben()).unwrap();
    if kills >= 40 {
        assert!(damaged > 0, "the peer's copy was damaged at least once");
        // Whatever state the last kill left, one more sync heals the peer's copy.
        let mut s = Store::open(&path, ana()).unwrap();
        let grant = panelnotes_core::sync::Grant::documents([candidate, interview]);
        let mut stores = [s, peer];
        let mut links = vec![panelnotes_tests::net::Link::connect(&mut stores, 1, 0, grant.clone(), grant)];
        panelnotes_tests::net::settle(&mut stores, &mut links);
        links[0].close(&mut stores);
        [s, peer] = stores;
        assert!(peer.quarantined().unwrap().is_empty(), "the peer's copy healed");
        assert_eq!(peer.notes(interview, "learn").unwrap(), s.notes(interview, "learn").unwrap());
    }
}
