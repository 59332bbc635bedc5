//! Joining through the relay with the phones' sans-IO relay session (the app owns the
//! WebSocket): the joiner's session posts the request and later takes the welcome; the lead's
//! answer sessions admit the scheduled panelist and post the welcome; then the panel syncs
//! through the relay. Here the "app" is a tungstenite socket split into a reader and a writer
//! thread, as in relay_session.rs. Nothing waits on time: each step waits for a status.
//!
//! Needs `npm install` in relay/ (scripts/test-all does it).

use std::net::TcpStream;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use panelnotes_core::transport::relay_session::{RelaySession, RelaySessionOptions, RelayStatus};
use panelnotes_core::trust::SeatInvite;
use panelnotes_core::{InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};
use panelnotes_tests::relay::start_relay;
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

/// Long enough never to be reached when things work; only turns a hang into a failure.
const LIMIT: Duration = Duration::from_secs(60);
const NOTE: &str = "MARKER-join-session-note";

/// Connects `session` over a fresh socket and runs it until in sync, then closes the socket.
fn sync_once(session: &Arc<RelaySession>, url: &str) {
    session.connecting().unwrap();
    let stream = TcpStream::connect(url.strip_prefix("ws://").unwrap()).unwrap();
    let (mut read_half, _) = tungstenite::client(url, stream.try_clone().unwrap()).unwrap();
    let mut write_half = WebSocket::from_raw_socket(stream.try_clone().unwrap(), Role::Client, None);
    session.connected().unwrap();
    let (status_tx, statuses): (_, Receiver<RelayStatus>) = channel();
    let s = session.clone();
    let reader: JoinHandle<()> = std::thread::spawn(move || loop {
        match read_half.read() {
            Ok(Message::Binary(b)) => {
                if s.receive(&b).is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(_) => {
                s.disconnected();
                return;
            }
        }
    });
    let s = session.clone();
    let writer: JoinHandle<()> = std::thread::spawn(move || loop {
        match s.next_outgoing(LIMIT) {
            Ok(Some(f)) => {
                if write_half.send(Message::Binary(f.into())).is_err() {
                    return;
                }
            }
            Ok(None) => {
                let status = s.status();
                let _ = status_tx.send(status);
                if matches!(status, RelayStatus::Idle | RelayStatus::Failed { .. }) {
                    return;
                }
            }
            Err(_) => return,
        }
    });
    loop {
        let got = statuses.recv_timeout(LIMIT).expect("the session reports its status");
        assert!(!matches!(got, RelayStatus::Failed { .. }), "the session failed: {got:?}");
        if got == RelayStatus::InSync {
            break;
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    reader.join().unwrap();
    writer.join().unwrap();
}

#[test]
fn a_phone_joins_through_the_relay_with_its_own_socket_and_then_syncs_the_panel() {
    let relay = start_relay();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 3, 8, 0, 0).unwrap());
    let open = |who: &str, n: u64| {
        let options = StoreOptions { clock: Arc::new(clock.clone()), seed: Some(n), ..Default::default() };
        Arc::new(Mutex::new(Store::open_with(dir.path().join(format!("{who}.sqlite3")), identity(who), options).unwrap()))
    };
    let (ana, ben) = (open("ana@acme", 61), open("ben@acme", 62));
    let (interview, roster, invite) = {
        let mut a = ana.lock().unwrap();
        let (_, i) = candidate_with_interview(&mut a, &["ana@acme", "ben@acme"], Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
        a.splice_notes(i, "learn", 0, 0, NOTE).unwrap();
        let roster = a.start_roster(i, None).unwrap();
        let invite = a.invite_seat(&roster, Some(InterviewerId::new("ben@acme").unwrap()), None).unwrap();
        (i, roster, SeatInvite::parse(&invite.to_uri()).unwrap())
    };
    let opts = RelaySessionOptions::default();

    // Ben's phone posts its request; nobody has answered yet.
    let join = RelaySession::for_join(ben.clone(), &invite, "Pixel 8", opts.clone()).unwrap();
    sync_once(&join, &relay.url);
    assert_eq!(join.welcomed(), None);

    // Ana's device answers its open seat codes, then syncs the panel (the roster with Ben).
    let answers = RelaySession::for_answers(ana.clone(), opts.clone()).unwrap();
    assert_eq!(answers.len(), 1);
    sync_once(&answers[0], &relay.url);
    let ben_device = ben.lock().unwrap().device().signing;
    assert!(ana.lock().unwrap().roster(&roster).unwrap().state().current(&ben_device).is_some());
    assert!(RelaySession::for_answers(ana.clone(), opts.clone()).unwrap().is_empty(), "answered");
    sync_once(&RelaySession::new(ana.clone(), roster, opts.clone()).unwrap(), &relay.url);

    // Ben's next contact takes the welcome; his panel session brings the notes.
    sync_once(&join, &relay.url);
    assert_eq!(join.welcomed(), Some(roster));
    sync_once(&RelaySession::new(ben.clone(), roster, opts).unwrap(), &relay.url);
    assert!(ben.lock().unwrap().notes(interview, "learn").unwrap().contains(NOTE));
}
