//! Cancelling a LAN sync ends it promptly with `Cancelled` wherever it stands: still
//! connecting to a listener whose accept queue is full (its SYNs go unanswered, as with an
//! unroutable address), or connected to a listener that never answers the handshake.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use chrono::Utc;
use panelnotes_core::transport::lan::{sync_with_cancel, LanOptions, SharedStore};
use panelnotes_core::transport::{Panel, TransportError};
use panelnotes_tests::fixture::{candidate_with_interview, shared};

fn panel(dir: &tempfile::TempDir) -> (SharedStore, Panel) {
    let ana = shared(dir.path(), "ana@acme");
    let panel = {
        let mut s = ana.lock().unwrap();
        let (_, i) = candidate_with_interview(&mut s, &["ana@acme", "ben@acme"], Utc::now());
        s.panel_invite(i).unwrap();
        s.panel(i).unwrap().unwrap()
    };
    (ana, panel)
}

/// Long enough that only cancellation can end the sync before the test's guard gives up.
fn patient() -> LanOptions {
    LanOptions { timeout: Duration::from_secs(600), connect_timeout: Duration::from_secs(600), ..Default::default() }
}

/// Starts a sync on its own thread, cancels it once `ready` says it is where the test wants
/// it (what `ready` returns, such as an accepted connection, is kept open until the sync has
/// ended), and returns its result. The guard only keeps a broken build from hanging the suite.
fn cancel_when<T>(store: SharedStore, addr: SocketAddr, panel: Panel, ready: impl FnOnce() -> T) -> Result<(), Box<TransportError>> {
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let flag = cancel.clone();
    std::thread::spawn(move || {
        let _ = tx.send(sync_with_cancel(&store, addr, &panel, &patient(), Some(&flag)).map(|_| ()).map_err(Box::new));
    });
    let kept = ready();
    cancel.store(true, Ordering::SeqCst);
    let result = rx.recv_timeout(Duration::from_secs(60)).expect("the sync ended after cancel");
    drop(kept);
    result
}

#[test]
fn cancel_stops_a_dial_that_is_still_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, panel) = panel(&dir);
    // A listener that never accepts: once its accept queue is full, the kernel drops further
    // SYNs, so a connect stays in progress until its own timeout.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    let full = loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => queued.push(s),
            Err(_) => break true,
        }
        if queued.len() > 10_000 {
            break false;
        }
    };
    assert!(full, "the accept queue never filled, so no connect would stay in progress");
    let r = cancel_when(ana, addr, panel, || std::thread::sleep(Duration::from_millis(200)));
    assert!(matches!(r.as_ref().map_err(|e| &**e), Err(TransportError::Cancelled)), "{r:?}");
    drop(listener);
}

#[test]
fn cancel_stops_a_sync_whose_peer_never_answers_the_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, panel) = panel(&dir);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let r = cancel_when(ana, addr, panel, || {
        // Connected: the dialler's opening has been sent and is waiting for an answer.
        let (conn, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        conn
    });
    assert!(matches!(r.as_ref().map_err(|e| &**e), Err(TransportError::Cancelled)), "{r:?}");
}
