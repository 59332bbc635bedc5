//! The relay session phones drive with their own WebSocket, against the standard
//! automerge-repo relay (Node, unmodified). Here the "app" is a tungstenite socket split into
//! a reader thread (hands each message to the session) and a writer thread (sends what
//! `next_outgoing` yields). Nothing waits on time: each step waits for a frame, a status or a
//! store change, with a generous limit that only turns a hang into a failure.
//!
//! Needs `npm install` in relay/ (scripts/test-all does it).

use std::net::TcpStream;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use panelnotes_core::model::{LogisticsUpdate, SalaryExpectation};
use panelnotes_core::sync::wire::WireMessage;
use panelnotes_core::transport::relay_session::{RelayFailure, RelaySession, RelaySessionOptions, RelayStatus};
use panelnotes_core::transport::TransportError;
use panelnotes_core::trust::roster::Hash;
use panelnotes_core::{DocumentId, InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};
use panelnotes_tests::relay::start_relay;
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

/// Long enough never to be reached when things work; only turns a hang into a failure.
const LIMIT: Duration = Duration::from_secs(60);

type Shared = Arc<Mutex<Store>>;

/// The app's side of one WebSocket connection.
struct Socket {
    stream: TcpStream,
    reader: Option<JoinHandle<()>>,
    writer: Option<JoinHandle<()>>,
    /// Every frame the session yielded, as sent.
    sent: Receiver<Vec<u8>>,
    /// The status each time `next_outgoing` came back without a frame.
    statuses: Receiver<RelayStatus>,
}

fn open_socket(session: &Arc<RelaySession>, url: &str) -> Socket {
    session.connecting().unwrap();
    let authority = url.strip_prefix("ws://").unwrap();
    let stream = TcpStream::connect(authority).unwrap();
    let (mut read_half, _) = tungstenite::client(url, stream.try_clone().unwrap()).unwrap();
    let mut write_half = WebSocket::from_raw_socket(stream.try_clone().unwrap(), Role::Client, None);
    session.connected().unwrap();
    let (sent_tx, sent) = channel();
    let (status_tx, statuses) = channel();
    let s = session.clone();
    let reader = std::thread::spawn(move || loop {
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
    let writer = std::thread::spawn(move || loop {
        match s.next_outgoing(LIMIT) {
            Ok(Some(f)) => {
                if write_half.send(Message::Binary(f.clone().into())).is_err() {
                    return;
                }
                let _ = sent_tx.send(f);
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
    Socket { stream, reader: Some(reader), writer: Some(writer), sent, statuses }
}

impl Socket {
    fn wait_for(&self, want: RelayStatus) {
        loop {
            let got = self.statuses.recv_timeout(LIMIT).expect("the session reports its status");
            if got == want {
                return;
            }
            assert!(!matches!(got, RelayStatus::Failed { .. }), "the session failed: {got:?}");
        }
    }

    /// Closes the socket as a dropped network would; the reader reports the disconnect.
    fn drop_connection(mut self, session: &RelaySession) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        self.reader.take().unwrap().join().unwrap();
        // The writer may be waiting for frames; a cancel or status change releases it.
        let _ = session.status();
        self.writer.take().unwrap().join().unwrap();
    }
}

struct Panel {
    ana: Shared,
    cy: Shared,
    candidate: DocumentId,
    interview: DocumentId,
    roster: Hash,
    _dir: tempfile::TempDir,
}

const NOTE_MARKER: &str = "MARKER-relay-session-note";

/// Ana leads a rostered panel with Cy's phone admitted; Ana's notes are long and
/// incompressible, so resending them would show in the bytes.
fn panel() -> Panel {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let open = |who: &str, n: u64| {
        let options = StoreOptions { clock: Arc::new(clock.clone()), seed: Some(n), ..Default::default() };
        Arc::new(Mutex::new(Store::open_with(dir.path().join(format!("{who}.sqlite3")), identity(who), options).unwrap()))
    };
    let (ana, cy) = (open("ana@acme", 1), open("cy@acme", 3));
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (candidate, interview, roster) = {
        let mut a = ana.lock().unwrap();
        let (c, i) = candidate_with_interview(&mut a, &["ana@acme", "cy@acme"], t0);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let noise: String = (0..6000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(x % 36) as usize])
            })
            .collect();
        a.splice_notes(i, "learn", 0, 0, &format!("{NOTE_MARKER} {noise}")).unwrap();
        let roster = a.start_roster(i, None).unwrap();
        let cy_device = cy.lock().unwrap().device();
        a.admit_device(&roster, InterviewerId::new("cy@acme").unwrap(), cy_device, "Pixel 8").unwrap();
        let entries = a.roster_bytes(&roster).unwrap();
        cy.lock().unwrap().import_roster(&roster, &entries).unwrap();
        (c, i, roster)
    };
    Panel { ana, cy, candidate, interview, roster, _dir: dir }
}

fn set_salary(store: &Shared, candidate: DocumentId, currency: &str) {
    let salary = SalaryExpectation::Current { amount: 100_000, currency: currency.into() };
    store.lock().unwrap().set_logistics(candidate, LogisticsUpdate { salary: Some(salary), ..Default::default() }).unwrap();
}

/// Waits until `store` shows `currency` in the candidate's salary, woken by its listener.
fn wait_for_salary(store: &Shared, candidate: DocumentId, currency: &str) {
    let (tx, rx) = channel();
    let _sub = store
        .lock()
        .unwrap()
        .subscribe_document(candidate, move |u| {
            let _ = tx.send(format!("{:?}", u.state));
        })
        .unwrap();
    loop {
        let state = rx.recv_timeout(LIMIT).expect("the change arrives");
        if state.contains(currency) {
            return;
        }
    }
}

fn keep_in_sync() -> RelaySessionOptions {
    // A short debounce keeps the test quick; nothing asserts on it.
    RelaySessionOptions { keep_in_sync: true, debounce: Duration::from_millis(100), ..Default::default() }
}

#[test]
fn two_phones_sync_through_the_relay_with_their_own_sockets_and_resume_without_resending() {
    let relay = start_relay();
    let p = panel();
    let ana = RelaySession::new(p.ana.clone(), p.roster, RelaySessionOptions::default()).unwrap();
    assert_eq!(ana.status(), RelayStatus::Idle);
    let socket = open_socket(&ana, &relay.url);
    socket.wait_for(RelayStatus::InSync);
    let first = ana.counters().bytes_out;
    assert!(first > 6000, "the first connection carries the notes ({first} B)");
    socket.drop_connection(&ana);
    assert_eq!(ana.status(), RelayStatus::Idle, "a connection closed in sync leaves the session idle");

    // Cy's phone, never on Ana's network, gets the notes from the relay.
    let cy = RelaySession::new(p.cy.clone(), p.roster, RelaySessionOptions::default()).unwrap();
    let cy_socket = open_socket(&cy, &relay.url);
    cy_socket.wait_for(RelayStatus::InSync);
    cy_socket.drop_connection(&cy);
    assert!(p.cy.lock().unwrap().notes(p.interview, "learn").unwrap().contains(NOTE_MARKER));

    // Ana reconnects with nothing new: the sync state kept under the relay's storage id
    // means only heads are exchanged, not the notes again.
    let socket = open_socket(&ana, &relay.url);
    socket.wait_for(RelayStatus::InSync);
    let again = ana.counters().bytes_out - first;
    assert!(again * 4 < first, "a reconnect resends {again} B of the first {first} B");
    assert_eq!(ana.counters().connections, 2);
    socket.drop_connection(&ana);
}

#[test]
fn kept_in_sync_local_changes_go_out_and_remote_ones_arrive_while_connected() {
    let relay = start_relay();
    let p = panel();
    let ana = RelaySession::new(p.ana.clone(), p.roster, keep_in_sync()).unwrap();
    let cy = RelaySession::new(p.cy.clone(), p.roster, keep_in_sync()).unwrap();
    let ana_socket = open_socket(&ana, &relay.url);
    ana_socket.wait_for(RelayStatus::InSync);
    let cy_socket = open_socket(&cy, &relay.url);
    cy_socket.wait_for(RelayStatus::InSync);
    let mailboxes: Vec<DocumentId> = p.ana.lock().unwrap().mailbox_ids(&p.roster).unwrap();

    // Ana edits while both are connected; nothing is called on the session: the change
    // signal wakes it, and the edit goes out sealed in a mailbox, then lands on Cy's phone.
    set_salary(&p.ana, p.candidate, "QZA");
    let size = ana_socket.wait_sent_about_any(&mailboxes);
    assert!(size > 0);
    wait_for_salary(&p.cy, p.candidate, "QZA");

    // And the other way.
    set_salary(&p.cy, p.candidate, "QZC");
    wait_for_salary(&p.ana, p.candidate, "QZC");

    ana.cancel();
    cy.cancel();
    ana_socket.drop_connection(&ana);
    cy_socket.drop_connection(&cy);
    assert_eq!(ana.status(), RelayStatus::Failed { reason: RelayFailure::Cancelled });
}

impl Socket {
    /// Waits for a sync frame about any of `docs`.
    fn wait_sent_about_any(&self, docs: &[DocumentId]) -> usize {
        loop {
            let f = self.sent.recv_timeout(LIMIT).expect("the session sends a frame");
            if let Ok(WireMessage::Sync { document, data, .. }) = WireMessage::decode(&f) {
                if docs.contains(&document) {
                    return data.len();
                }
            }
        }
    }
}

#[test]
fn cancel_releases_a_waiting_app_at_once_and_refuses_what_follows() {
    let p = panel();
    let ana = RelaySession::new(p.ana.clone(), p.roster, keep_in_sync()).unwrap();
    ana.connected().unwrap();
    // The handshake is queued at once.
    let join = ana.next_outgoing(LIMIT).unwrap().expect("the join frame");
    assert!(matches!(WireMessage::decode(&join), Ok(WireMessage::Join { .. })));
    // Then the change to Syncing is reported, once.
    assert_eq!(ana.next_outgoing(Duration::ZERO).unwrap(), None);
    assert_eq!(ana.status(), RelayStatus::Syncing);
    let waiter = {
        let s = ana.clone();
        std::thread::spawn(move || s.next_outgoing(LIMIT))
    };
    ana.cancel();
    // Had cancel not woken it, the waiter would come back with Ok(None) after LIMIT.
    assert!(matches!(waiter.join().unwrap(), Err(TransportError::Cancelled)));
    assert!(matches!(ana.receive(b"anything"), Err(TransportError::Cancelled)));
    assert!(matches!(ana.connected(), Err(TransportError::Cancelled)));
    assert_eq!(ana.status(), RelayStatus::Failed { reason: RelayFailure::Cancelled });
}

#[test]
fn hostile_relay_bytes_fail_the_connection_with_a_typed_reason_and_a_reconnect_recovers() {
    let p = panel();
    let ana = RelaySession::new(p.ana.clone(), p.roster, RelaySessionOptions::default()).unwrap();
    assert!(matches!(ana.receive(b"\xa1"), Err(TransportError::Closed)), "nothing is accepted before connecting");
    ana.connected().unwrap();
    assert!(ana.receive(&[0xff, 0x00, 0x13, 0x37]).is_err());
    assert_eq!(ana.status(), RelayStatus::Failed { reason: RelayFailure::Protocol });
    assert!(matches!(ana.next_outgoing(Duration::ZERO), Ok(None)), "frames for the dead connection are dropped");
    ana.connected().unwrap();
    let huge = vec![0u8; panelnotes_core::sync::wire::MAX_FRAME + 1];
    assert!(matches!(ana.receive(&huge), Err(TransportError::FrameTooLarge { .. })));
    assert_eq!(ana.status(), RelayStatus::Failed { reason: RelayFailure::Protocol });
    // A relay that answers with an error.
    ana.connected().unwrap();
    assert_eq!(ana.status(), RelayStatus::Syncing);
    let error = WireMessage::Error { sender: Some("relay".into()), message: "no".into() }.encode();
    assert!(ana.receive(&error).is_err());
    assert_eq!(ana.status(), RelayStatus::Failed { reason: RelayFailure::RelayRefused });
}

#[test]
fn an_outsider_gets_no_session() {
    let p = panel();
    let dir = tempfile::tempdir().unwrap();
    let eve = Arc::new(Mutex::new(Store::open(dir.path().join("eve.sqlite3"), identity("eve@acme")).unwrap()));
    assert!(matches!(RelaySession::new(eve, p.roster, RelaySessionOptions::default()), Err(TransportError::NotMember)));
}
