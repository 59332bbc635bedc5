//! Acknowledged edits survive SIGKILL. A child process runs the edit script in bursts and
//! acknowledges each edit; it is killed at random moments; after every kill the store must
//! open and hold every acknowledged edit (and at most the one edit in flight beyond them).
//!
//! CRASH_KILLS sets the number of kills (default 200; the README documents a longer run).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use panelnotes_core::model::{NewCandidate, NewInterview, Template};
use panelnotes_core::{Identity, InterviewerId, Store};
use panelnotes_tests::Model;
use rand::{Rng, SeedableRng};

fn ana() -> Identity {
    Identity {
        id: InterviewerId::new("ana@acme").unwrap(),
        display_name: "Ana".into(),
    }
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
            let mut last = None;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ack ") {
                    last = Some(n.parse::<u64>().unwrap());
                }
            }
            last
        });
        // Kill at a random moment: sometimes while it opens, mostly mid-burst.
        std::thread::sleep(Duration::from_micros(rng.random_range(3_000..60_000)));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!stderr.contains("panicked"), "child failed (kill {kill}): {stderr}");
        assert!(status.code().is_none(), "child exited by itself: {status:?} {stderr}");
        let acked = reader.join().unwrap().map(|n| n + 1).unwrap_or(done);
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
        drop(s);
    }
    eprintln!("{kills} kills, {done} edits acknowledged and verified, {in_flight_landed} in-flight edits landed");
    assert!(done > kills as u64, "the child made progress between kills");
}
