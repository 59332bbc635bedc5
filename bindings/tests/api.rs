//! The exported API from Rust, as the apps call it: what the Kotlin and Swift suites check
//! through the generated code, here without it (records, tokens, cancellation).

use std::io::Read;
use std::net::TcpListener;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use panelnotes_core::model::{ConflictedValue, LogisticsUpdate, SalaryExpectation};
use panelnotes_core::timeline::{EntryDetail, TimelineKind};
use panelnotes_core::transport::lan::SessionFailure;
use panelnotes_ffi::{JoinCallback, JoinResult, PanelNotes, PanelNotesError, SyncCallback, SyncReport};

fn open(dir: &tempfile::TempDir, who: &str) -> Arc<PanelNotes> {
    PanelNotes::open(dir.path().join(format!("{who}.sqlite3")).display().to_string(), format!("{who}@acme"), who.into(), vec![7u8; 32]).unwrap()
}

fn candidate_with_panel(s: &PanelNotes) -> (String, String) {
    let c = s.create_candidate("Dana".into(), "Data engineer".into(), None, None, SystemTime::now()).unwrap();
    let i = s
        .schedule_interview(c.clone(), None, None, SystemTime::now(), None, vec!["ana@acme".into(), "ben@acme".into()], "ana@acme".into())
        .unwrap();
    (c, i)
}

struct Joined(mpsc::Sender<Result<JoinResult, PanelNotesError>>);

impl JoinCallback for Joined {
    fn on_done(&self, result: JoinResult) {
        let _ = self.0.send(Ok(result));
    }
    fn on_error(&self, error: PanelNotesError) {
        let _ = self.0.send(Err(error));
    }
}

/// Starts the interview's roster on the lead's phone and has `joiner` take `seat` with its
/// code over the LAN on loopback (the only way onto a panel: the v1 invite is retired).
fn join_seat(lead: &PanelNotes, joiner: &PanelNotes, interview: &str, seat: &str) {
    lead.start_panel(interview.into(), None).unwrap();
    let invite = lead.invite_seat(interview.into(), Some(seat.into()), None).unwrap();
    let server = lead.serve_lan("127.0.0.1:0".into()).unwrap();
    let (tx, rx) = mpsc::channel();
    joiner.join_via_lan(invite.uri, server.address(), "Pixel 8".into(), Arc::new(Joined(tx))).unwrap();
    let joined = rx.recv_timeout(Duration::from_secs(60)).unwrap().unwrap();
    assert_eq!(joined, JoinResult::Welcomed { interview_id: interview.into(), seat: seat.into() });
    server.stop();
}

#[test]
fn the_playbook_crosses_both_ways_with_its_probes() {
    let dir = tempfile::tempdir().unwrap();
    let ana = open(&dir, "ana");
    let mut playbook = ana.templates().unwrap().remove(0);
    playbook.name = "Ours".into();
    let id = ana.create_template(playbook.clone()).unwrap();
    let back = ana.template(id.clone()).unwrap();
    assert_eq!(back.stages, playbook.stages);
    assert_eq!(back.stages[1].prompts.iter().filter(|p| p.probe.is_some()).count(), 3);
    assert!(matches!(ana.create_template(playbook), Err(PanelNotesError::InvalidArgument { reason }) if reason.contains("exists")));
}

#[test]
fn a_stale_conflict_token_is_conflict_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, ben) = (open(&dir, "ana"), open(&dir, "ben"));
    let (c, i) = candidate_with_panel(&ana);
    join_seat(&ana, &ben, &i, "ben@acme");
    let sync = || {
        let (a, b) = (ana.start_panel_session(i.clone()).unwrap(), ben.accept_panel_session().unwrap());
        for _ in 0..100 {
            let x = a.poll().unwrap();
            if !x.is_empty() {
                b.receive(x.clone()).unwrap();
            }
            let y = b.poll().unwrap();
            if !y.is_empty() {
                a.receive(y.clone()).unwrap();
            }
            if x.is_empty() && y.is_empty() {
                break;
            }
        }
        a.finish().unwrap();
        b.finish().unwrap();
    };
    sync();
    let salary = |min| LogisticsUpdate { salary: Some(SalaryExpectation::Range { min, max: min + 1, currency: "EUR".into() }), ..Default::default() };
    ana.set_logistics(c.clone(), salary(90_000)).unwrap();
    ben.set_logistics(c.clone(), salary(95_000)).unwrap();
    sync();
    let listed = ben.conflicts(Some(c.clone())).unwrap().remove(0);
    // Each value crosses as data the apps word themselves, never as a sentence.
    let mut mins: Vec<i64> = listed
        .values
        .iter()
        .map(|v| match &v.value {
            ConflictedValue::Salary { salary: SalaryExpectation::Range { min, .. } } => *min,
            other => panic!("expected a salary range, got {other:?}"),
        })
        .collect();
    mins.sort();
    assert_eq!(mins, [90_000, 95_000]);
    let ana_listed = ana.conflicts(Some(c.clone())).unwrap().remove(0);
    ana.resolve_conflict(c.clone(), listed.field.clone(), ana_listed.values[0].token.clone()).unwrap();
    sync();
    let stale = ben.resolve_conflict(c.clone(), listed.field.clone(), listed.values[1].token.clone());
    assert!(matches!(stale, Err(PanelNotesError::ConflictChanged { ref field, .. }) if field == "logistics.salary"), "{stale:?}");
}

#[test]
fn the_timeline_carries_a_booking_slot_as_data_and_problems_as_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let ana = open(&dir, "ana");
    let (c, i) = candidate_with_panel(&ana);
    let interview = ana.interview(i.clone()).unwrap();
    let timeline = ana.timeline(c.clone()).unwrap();
    let booked = timeline.entries.iter().find(|e| e.kind == TimelineKind::InterviewScheduled).unwrap();
    let start = chrono::DateTime::<chrono::Utc>::from(interview.scheduled_start);
    assert_eq!(booked.detail, Some(EntryDetail::Slot { start, minutes: interview.minutes }));
    assert_eq!(ana.candidate_summary(c).unwrap().problem, None);
    assert!(ana.problems(None).unwrap().is_empty());
    assert!(ana.quarantined().unwrap().is_empty());
}

struct Report(mpsc::Sender<Result<SyncReport, PanelNotesError>>);

impl SyncCallback for Report {
    fn on_done(&self, report: SyncReport) {
        let _ = self.0.send(Ok(report));
    }
    fn on_error(&self, error: PanelNotesError) {
        let _ = self.0.send(Err(error));
    }
}

#[test]
fn a_lan_sync_to_a_silent_peer_ends_when_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let ana = open(&dir, "ana");
    let (_, i) = candidate_with_panel(&ana);
    ana.start_panel(i.clone(), None).unwrap();
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let peer = std::thread::spawn(move || {
        let (mut conn, _) = silent.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut sink = Vec::new();
        conn.read_to_end(&mut sink).is_ok()
    });
    let (tx, rx) = mpsc::channel();
    let task = ana.sync_panel_lan(addr, i, Arc::new(Report(tx))).unwrap();
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "the silent peer keeps it waiting");
    task.cancel();
    let result = rx.recv_timeout(Duration::from_secs(5)).expect("the callback after cancel");
    assert!(matches!(result, Err(PanelNotesError::Cancelled)), "{result:?}");
    assert!(peer.join().unwrap(), "the core closed the connection");
}

#[test]
fn a_lan_server_says_why_a_session_failed_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let ana = open(&dir, "ana");
    let (_, i) = candidate_with_panel(&ana);
    ana.start_panel(i, None).unwrap();
    let server = ana.serve_lan("127.0.0.1:0".into()).unwrap();
    let mut stranger = std::net::TcpStream::connect(server.address()).unwrap();
    std::io::Write::write_all(&mut stranger, b"PNL1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20garbage-garbage-garbage-garbage!").unwrap();
    let mut sink = Vec::new();
    stranger.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = stranger.read_to_end(&mut sink);
    let guard = std::time::Instant::now() + Duration::from_secs(30);
    while server.sessions().is_empty() {
        assert!(std::time::Instant::now() < guard, "the session never finished");
        std::thread::sleep(Duration::from_millis(10));
    }
    let session = server.sessions().remove(0);
    assert_eq!((session.report, session.failure), (None, Some(SessionFailure::UnknownPanel)));
    server.stop();
}
