//! The LAN transport on loopback: a panel syncs through invites; an outsider and a
//! man-in-the-middle get nothing and change nothing; cut connections resume and converge.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use panelnotes_core::transport::lan::{serve, sync_with, LanOptions, SessionFailure, SharedStore};
use panelnotes_core::transport::{Panel, PanelInvite, TransportError};
use panelnotes_core::DocumentId;
use panelnotes_tests::fixture::{candidate_with_interview, shared};

fn store(dir: &tempfile::TempDir, who: &str) -> SharedStore {
    shared(dir.path(), who)
}

fn lead(dir: &tempfile::TempDir) -> (SharedStore, DocumentId, DocumentId, String) {
    let ana = store(dir, "ana@acme");
    let (c, i, uri) = {
        let mut s = ana.lock().unwrap();
        let (c, i) = candidate_with_interview(&mut s, &["ana@acme", "ben@acme", "cy@acme"], Utc::now());
        let text = "Ran Spark on 200 nodes 🚀; 分布式 trade-offs. ".repeat(50);
        s.splice_notes(i, "learn", 0, 0, &text).unwrap();
        (c, i, s.panel_invite(i).unwrap().to_uri())
    };
    (ana, c, i, uri)
}

fn heads(s: &SharedStore, d: DocumentId) -> Vec<String> {
    let mut s = s.lock().unwrap();
    if s.has_document(d).unwrap() { s.heads(d).unwrap() } else { vec![] }
}

fn opts() -> LanOptions {
    LanOptions { quiet: Duration::from_millis(250), timeout: Duration::from_secs(20), ..Default::default() }
}

#[test]
fn a_panel_syncs_over_the_lan_through_its_invite() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, c, i, uri) = lead(&dir);
    let server = serve(ana.clone(), "127.0.0.1:0", opts()).unwrap();
    let addr = server.local_addr();
    let ben = store(&dir, "ben@acme");
    let panel = ben.lock().unwrap().join_panel(&PanelInvite::parse(&uri).unwrap()).unwrap();
    let report = sync_with(&ben, addr, &panel, &opts()).unwrap();
    assert_eq!(report.changed, [c, i].into_iter().collect());
    assert_eq!(heads(&ben, i), heads(&ana, i));
    assert_eq!(ben.lock().unwrap().notes(i, "learn").unwrap(), ana.lock().unwrap().notes(i, "learn").unwrap());

    // Ben writes; Cy joins and gets Ben's words through Ana.
    ben.lock().unwrap().splice_notes(i, "questions", 0, 0, "Asked about on-call 👍").unwrap();
    sync_with(&ben, addr, &panel, &opts()).unwrap();
    let cy = store(&dir, "cy@acme");
    let panel_c = cy.lock().unwrap().join_panel(&PanelInvite::parse(&uri).unwrap()).unwrap();
    sync_with(&cy, addr, &panel_c, &opts()).unwrap();
    assert_eq!(cy.lock().unwrap().notes(i, "questions").unwrap(), "Asked about on-call 👍");
    assert_eq!(cy.lock().unwrap().candidates().unwrap(), ana.lock().unwrap().candidates().unwrap());
    server.stop();
}

#[test]
fn an_outsider_without_the_secret_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, c, i, uri) = lead(&dir);
    let before = (heads(&ana, c), heads(&ana, i));
    let server = serve(ana.clone(), "127.0.0.1:0", opts()).unwrap();
    let addr = server.local_addr();

    // Knows the ids (say, from a screenshot of the list) but not the secret.
    let eve = store(&dir, "eve@elsewhere");
    let real = PanelInvite::parse(&uri).unwrap().0;
    let guess = Panel { secret: rand::random(), ..real.clone() };
    eve.lock().unwrap().join_panel(&guess.invite()).unwrap();
    match sync_with(&eve, addr, &guess, &opts()) {
        Err(TransportError::Handshake) => {}
        r => panic!("expected the handshake to fail, got {r:?}"),
    }
    assert!(!eve.lock().unwrap().has_document(i).unwrap());
    assert!(!eve.lock().unwrap().has_document(c).unwrap());

    // No secret at all: plain automerge-repo frames, and raw bytes. The server answers
    // nothing and closes.
    for opening in [
        panelnotes_core::sync::wire::WireMessage::Join {
            sender: "eve".into(),
            versions: vec!["1".into()],
            metadata: Default::default(),
        }
        .encode(),
        b"PNL1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20garbage-garbage-garbage-garbage!".to_vec(),
    ] {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(&opening).unwrap();
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        assert!(got.is_empty(), "the server sent {} bytes to a stranger", got.len());
    }
    std::thread::sleep(Duration::from_millis(200));
    let sessions = server.sessions();
    assert_eq!(sessions.len(), 3);
    // Each refusal says why as data: a wrong secret names no panel of ours, a bare
    // automerge-repo join is not our protocol, raw bytes name no panel either.
    let failures: Vec<_> = sessions.iter().map(|s| s.as_ref().map(|_| ()).map_err(|e| e.failure)).collect();
    assert_eq!(failures, [Err(SessionFailure::UnknownPanel), Err(SessionFailure::Malformed), Err(SessionFailure::UnknownPanel)], "{sessions:?}");
    assert_eq!((heads(&ana, c), heads(&ana, i)), before);
}

/// A proxy on loopback that forwards both ways, optionally flipping one byte of the server's
/// stream at `flip_at` or cutting the connection after `cut_after` bytes in total.
fn proxy(target: SocketAddr, flip_at: Option<usize>, cut_after: Option<usize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let Ok((client, _)) = listener.accept() else { return };
        let server = TcpStream::connect(target).unwrap();
        let total = Arc::new(Mutex::new(0usize));
        let pump = |mut from: TcpStream, mut to: TcpStream, flip: Option<usize>, total: Arc<Mutex<usize>>| {
            std::thread::spawn(move || {
                let mut seen = 0usize;
                let mut buf = [0u8; 4096];
                loop {
                    let n = match from.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if let Some(f) = flip {
                        if f >= seen && f < seen + n {
                            buf[f - seen] ^= 0x01;
                        }
                    }
                    seen += n;
                    let mut t = total.lock().unwrap();
                    *t += n;
                    let cut = cut_after.is_some_and(|c| *t > c);
                    drop(t);
                    if cut || to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = from.shutdown(std::net::Shutdown::Both);
                let _ = to.shutdown(std::net::Shutdown::Both);
            })
        };
        let a = pump(client.try_clone().unwrap(), server.try_clone().unwrap(), None, total.clone());
        let b = pump(server, client, flip_at, total);
        let _ = a.join();
        let _ = b.join();
    });
    addr
}

#[test]
fn a_man_in_the_middle_who_flips_a_byte_breaks_the_session_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, _c, i, uri) = lead(&dir);
    let server = serve(ana.clone(), "127.0.0.1:0", opts()).unwrap();
    let ben = store(&dir, "ben@acme");
    let panel = ben.lock().unwrap().join_panel(&PanelInvite::parse(&uri).unwrap()).unwrap();
    // The server's handshake reply is 2 + 48 bytes; byte 60 is inside its first record.
    let via = proxy(server.local_addr(), Some(60), None);
    match sync_with(&ben, via, &panel, &opts()) {
        Err(TransportError::Tampered) => {}
        r => panic!("expected a tampering error, got {r:?}"),
    }
    assert!(!ben.lock().unwrap().has_document(i).unwrap());
    // Without the proxy, the same two sync normally.
    sync_with(&ben, server.local_addr(), &panel, &opts()).unwrap();
    assert_eq!(heads(&ben, i), heads(&ana, i));
}

#[test]
fn connections_cut_at_random_points_resume_and_converge() {
    use rand::{Rng, SeedableRng};
    let dir = tempfile::tempdir().unwrap();
    let (ana, c, i, uri) = lead(&dir);
    let server = serve(ana.clone(), "127.0.0.1:0", opts()).unwrap();
    let ben = store(&dir, "ben@acme");
    let panel = ben.lock().unwrap().join_panel(&PanelInvite::parse(&uri).unwrap()).unwrap();
    sync_with(&ben, server.local_addr(), &panel, &opts()).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    // Both write between attempts, so each session has something new each way.
    let mut cuts = 0;
    for round in 0..12 {
        ana.lock().unwrap().splice_notes(i, "pitch", 0, 0, &format!("a{round} ")).unwrap();
        ben.lock().unwrap().splice_notes(i, "next_steps", 0, 0, &format!("b{round} ")).unwrap();
        let cut = rng.random_range(40..1500);
        let via = proxy(server.local_addr(), None, Some(cut));
        if sync_with(&ben, via, &panel, &opts()).is_err() {
            cuts += 1;
        }
    }
    assert!(cuts >= 4, "only {cuts} sessions were cut");
    // A clean session converges, and a second one finds nothing to send.
    sync_with(&ben, server.local_addr(), &panel, &opts()).unwrap();
    for d in [c, i] {
        assert_eq!(heads(&ben, d), heads(&ana, d));
    }
    let pitch = ana.lock().unwrap().notes(i, "pitch").unwrap();
    let next = ben.lock().unwrap().notes(i, "next_steps").unwrap();
    for round in 0..12 {
        assert!(pitch.contains(&format!("a{round} ")));
        assert!(next.contains(&format!("b{round} ")));
    }
    assert_eq!(ben.lock().unwrap().notes(i, "pitch").unwrap(), pitch);
    let again = sync_with(&ben, server.local_addr(), &panel, &opts()).unwrap();
    assert!(again.bytes_in + again.bytes_out < 3_000, "an idle resync moved {} bytes", again.bytes_in + again.bytes_out);
}

fn limited_opts() -> LanOptions {
    LanOptions {
        quiet: Duration::from_millis(250),
        timeout: Duration::from_millis(300),
        handshake_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(2),
        max_unauthenticated: 4,
        ..Default::default()
    }
}

/// Waits for the server to close `s` (EOF or reset), for up to 10 s.
fn closed_by_server(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut b = [0u8; 64];
    loop {
        match s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => return false,
            Err(_) => return true,
        }
    }
}

#[test]
fn the_lan_listener_caps_unauthenticated_connections_and_cuts_them_at_the_handshake_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, _c, i, uri) = lead(&dir);
    let server = serve(ana.clone(), "127.0.0.1:0", limited_opts()).unwrap();
    let addr = server.local_addr();
    // Twenty connections that never say anything: four wait in the handshake, the rest are
    // closed on arrival; all are closed by the deadline.
    let mut idle: Vec<TcpStream> = (0..20).map(|_| TcpStream::connect(addr).unwrap()).collect();
    for s in &mut idle {
        assert!(closed_by_server(s));
    }
    // A panel member then syncs as usual.
    let ben = store(&dir, "ben@acme");
    let panel = ben.lock().unwrap().join_panel(&PanelInvite::parse(&uri).unwrap()).unwrap();
    sync_with(&ben, addr, &panel, &opts()).unwrap();
    assert_eq!(heads(&ben, i), heads(&ana, i));
}

#[test]
fn no_store_lock_is_taken_before_the_handshake_completes() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, _c, _i, _uri) = lead(&dir);
    let server = serve(ana.clone(), "127.0.0.1:0", limited_opts()).unwrap();
    let addr = server.local_addr();
    std::thread::sleep(Duration::from_millis(1100)); // past the panel list's refresh interval
    // While the store is busy (held here), outsiders are still answered and refused.
    let held = ana.lock().unwrap();
    for hello in [&b"not a panel notes peer"[..], b"PNL1\x01\x02\x03\x04\x05\x06\x07\x08\x00\x20"] {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(hello).unwrap();
        assert!(closed_by_server(&mut s));
    }
    let mut silent = TcpStream::connect(addr).unwrap();
    assert!(closed_by_server(&mut silent));
    drop(held);
}

#[test]
fn the_server_keeps_a_bounded_list_of_session_results() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, _c, _i, _uri) = lead(&dir);
    let server = serve(ana, "127.0.0.1:0", limited_opts()).unwrap();
    for _ in 0..80 {
        let mut s = TcpStream::connect(server.local_addr()).unwrap();
        s.write_all(b"garbage, not a hello").unwrap();
        assert!(closed_by_server(&mut s));
    }
    // The last result lands just after the socket closes.
    std::thread::sleep(Duration::from_millis(200));
    let results = server.sessions();
    assert_eq!(results.len(), panelnotes_core::transport::lan::MAX_SESSION_RESULTS);
    assert!(results.iter().all(|r| r.is_err()));
}

#[test]
fn an_incoming_session_that_keeps_making_progress_is_never_cut_at_a_fixed_time() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, _c, i, uri) = lead(&dir);
    // The listener's old fixed cut-off was `timeout` (300 ms here); the session runs 2 s.
    let server = serve(ana.clone(), "127.0.0.1:0", limited_opts()).unwrap();
    let ben = store(&dir, "ben@acme");
    let panel = ben.lock().unwrap().join_panel(&PanelInvite::parse(&uri).unwrap()).unwrap();
    sync_with(&ben, server.local_addr(), &panel, &opts()).unwrap();
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
    let mut pipe = panelnotes_core::transport::PanelPipe::initiator(&ben.lock().unwrap(), &panel).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    for n in 0..20 {
        {
            let mut b = ben.lock().unwrap();
            b.splice_notes(i, "next_steps", n, 0, "x").unwrap();
            b.flush().unwrap();
            let out = pipe.poll(&mut b).unwrap();
            stream.write_all(&out).unwrap();
        }
        let deadline = std::time::Instant::now() + Duration::from_millis(100);
        while std::time::Instant::now() < deadline {
            if let Ok(k) = stream.read(&mut buf) {
                assert!(k > 0, "the listener cut a session that was making progress");
                pipe.receive(&mut ben.lock().unwrap(), &buf[..k]).unwrap();
            }
        }
    }
    drop(stream);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ana.lock().unwrap().notes(i, "next_steps").unwrap().len() < 20 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(ana.lock().unwrap().notes(i, "next_steps").unwrap(), "x".repeat(20));
}
