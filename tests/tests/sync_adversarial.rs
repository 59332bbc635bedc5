//! Hostile and broken input to the sync engine: every frame gets a typed error or
//! doc-unavailable, the connection closes where the protocol says so, nothing panics, and
//! the store is unchanged.

use chrono::Utc;
use panelnotes_core::model::NewCandidate;
use panelnotes_core::sync::wire::{PeerMetadata, WireMessage, MAX_FRAME};
use panelnotes_core::sync::{Connection, Event, Grant, Role, SyncError};
use panelnotes_core::{DocumentId, Store};
use panelnotes_tests::fixture::{candidate_with_interview, phone};
use rand::{Rng, SeedableRng};

struct Fixture {
    _dir: tempfile::TempDir,
    ana: Store,
    ben: Store,
    c: DocumentId,
    i: DocumentId,
    grant: Grant,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut ana = phone(dir.path(), "ana@acme");
    let ben = phone(dir.path(), "ben@acme");
    let (c, i) = candidate_with_interview(&mut ana, &["ana@acme", "ben@acme"], Utc::now());
    ana.splice_notes(i, "learn", 0, 0, "Notes 🚀 分布式").unwrap();
    let grant = Grant::documents([c, i]);
    Fixture { _dir: dir, ana, ben, c, i, grant }
}

/// What must not change: documents, index rows, conflicts.
fn snapshot(s: &mut Store, docs: &[DocumentId]) -> (Vec<Vec<String>>, Vec<String>, usize) {
    let heads = docs.iter().map(|d| if s.has_document(*d).unwrap() { s.heads(*d).unwrap() } else { vec![] }).collect();
    let list = s.candidates().unwrap().into_iter().map(|c| format!("{c:?}")).collect();
    (heads, list, s.all_conflicts().unwrap().len())
}

/// Ben as a responder that completed the handshake with a peer called "evil".
fn ready_responder(f: &mut Fixture) -> (Connection, String) {
    let mut conn = Connection::new(&f.ben, Role::Responder, f.grant.clone()).unwrap();
    let join = WireMessage::Join { sender: "evil".into(), versions: vec!["1".into()], metadata: PeerMetadata::default() };
    conn.receive(&mut f.ben, &join.encode()).unwrap();
    let me = conn.peer_id().to_owned();
    conn.take_outgoing();
    (conn, me)
}

#[test]
fn garbage_frames_close_the_connection_with_typed_errors() {
    let mut f = fixture();
    let docs = [f.c, f.i];
    let before = snapshot(&mut f.ben, &docs);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let valid = WireMessage::Join { sender: "x".into(), versions: vec!["1".into()], metadata: PeerMetadata::default() }.encode();
    let mut frames: Vec<Vec<u8>> = vec![vec![], vec![0xff], vec![0xa0], b"hello".to_vec(), vec![0u8; MAX_FRAME + 1]];
    frames.extend((1..valid.len()).map(|n| valid[..n].to_vec()));
    for _ in 0..300 {
        let n = rng.random_range(1..512);
        frames.push((0..n).map(|_| rng.random()).collect());
    }
    for frame in &frames {
        for handshaken in [false, true] {
            let mut conn = if handshaken {
                ready_responder(&mut f).0
            } else {
                Connection::new(&f.ben, Role::Responder, f.grant.clone()).unwrap()
            };
            match conn.receive(&mut f.ben, frame) {
                Err(SyncError::Malformed(_) | SyncError::Oversized { .. } | SyncError::Unexpected(_)) => {
                    assert!(conn.is_closed());
                    assert!(matches!(conn.receive(&mut f.ben, &valid), Err(SyncError::Closed)));
                }
                // Random bytes that happen to decode as a harmless message are ignored.
                Ok(events) => assert!(events.is_empty(), "{events:?}"),
                Err(e) => panic!("unexpected error {e}"),
            }
        }
    }
    assert_eq!(snapshot(&mut f.ben, &docs), before);
}

#[test]
fn a_wrong_protocol_version_gets_the_protocol_error_and_a_close() {
    let mut f = fixture();
    let mut conn = Connection::new(&f.ana, Role::Responder, f.grant.clone()).unwrap();
    let join = WireMessage::Join { sender: "old".into(), versions: vec!["0".into(), "2".into()], metadata: PeerMetadata::default() };
    match conn.receive(&mut f.ana, &join.encode()) {
        Err(SyncError::ProtocolVersion { offered }) => assert_eq!(offered, ["0", "2"]),
        r => panic!("{r:?}"),
    }
    let out = conn.take_outgoing();
    assert_eq!(out.len(), 1);
    assert!(matches!(WireMessage::decode(&out[0]).unwrap(), WireMessage::Error { message, .. } if message == "unsupported protocol version"));
    assert!(conn.is_closed());

    // A server answering with another version.
    let mut client = Connection::new(&f.ben, Role::Initiator, f.grant.clone()).unwrap();
    client.take_outgoing();
    let peer = WireMessage::Peer { sender: "srv".into(), target: client.peer_id().into(), version: "9".into(), metadata: PeerMetadata::default() };
    assert!(matches!(client.receive(&mut f.ben, &peer.encode()), Err(SyncError::ProtocolVersion { .. })));
    // A peer message before a join, and a join to a client, are out of order.
    let mut responder = Connection::new(&f.ben, Role::Responder, f.grant.clone()).unwrap();
    assert!(matches!(responder.receive(&mut f.ben, &peer.encode()), Err(SyncError::Unexpected("peer"))));
    let (mut ready, _) = ready_responder(&mut f);
    assert!(matches!(ready.receive(&mut f.ben, &join.encode()), Err(SyncError::Unexpected("join"))));
}

#[test]
fn bad_sync_payloads_and_unknown_ids_change_nothing() {
    let mut f = fixture();
    let docs = [f.c, f.i];
    // Ben first gets the documents legitimately, so corrupted updates have something to hit.
    let mut a = Connection::new(&f.ana, Role::Initiator, f.grant.clone()).unwrap();
    let mut b = Connection::new(&f.ben, Role::Responder, f.grant.clone()).unwrap();
    for _ in 0..10 {
        for fr in a.poll(&mut f.ana).unwrap() {
            b.receive(&mut f.ben, &fr).unwrap();
        }
        for fr in b.poll(&mut f.ben).unwrap() {
            a.receive(&mut f.ana, &fr).unwrap();
        }
    }
    assert!(f.ben.has_document(f.i).unwrap());
    a.close(&mut f.ana).unwrap();
    b.close(&mut f.ben).unwrap();

    // Ana writes more; capture the genuine sync message carrying it.
    f.ana.splice_notes(f.i, "learn", 0, 0, "NEW ").unwrap();
    f.ana.flush().unwrap();
    let genuine = {
        // A real sync message from Ana's side of a fresh connection.
        let mut a = Connection::new(&f.ana, Role::Initiator, f.grant.clone()).unwrap();
        let mut b = Connection::new(&f.ben, Role::Responder, f.grant.clone()).unwrap();
        let mut carrying = None;
        for _ in 0..10 {
            for fr in a.poll(&mut f.ana).unwrap() {
                if let Ok(WireMessage::Sync { document, data, .. }) = WireMessage::decode(&fr) {
                    if document == f.i && data.len() > 60 {
                        carrying = Some(data);
                    }
                }
                // Ben does not apply it: he only answers the handshake and heads.
                if carrying.is_none() {
                    b.receive(&mut f.ben, &fr).unwrap();
                }
            }
            for fr in b.poll(&mut f.ben).unwrap() {
                a.receive(&mut f.ana, &fr).unwrap();
            }
            if carrying.is_some() {
                break;
            }
        }
        carrying.expect("Ana sent her new change")
    };
    let before = snapshot(&mut f.ben, &docs);
    let (mut conn, me) = ready_responder(&mut f);
    let send = |conn: &mut Connection, store: &mut Store, document: DocumentId, data: Vec<u8>| {
        let m = WireMessage::Sync { sender: "evil".into(), target: me.clone(), document, data };
        conn.receive(store, &m.encode())
    };
    // Undecodable sync payloads: rejected per document, the connection goes on.
    for data in [vec![], vec![0x42; 100], genuine[..genuine.len() / 2].to_vec()] {
        let events = send(&mut conn, &mut f.ben, f.i, data).unwrap();
        assert!(matches!(events.as_slice(), [Event::Rejected { document, .. }] if *document == f.i), "{events:?}");
        assert!(!conn.is_closed());
    }
    assert_eq!(snapshot(&mut f.ben, &docs), before);

    // Bit flips anywhere in a real update: the store either ignores it or, if the flip left
    // the changes intact, ends exactly as the genuine update would leave it.
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut outcomes = (0, 0);
    for _ in 0..200 {
        let mut data = genuine.clone();
        let at = rng.random_range(0..data.len());
        data[at] ^= 1 << rng.random_range(0..8);
        let (mut conn, _) = ready_responder(&mut f);
        let _ = send(&mut conn, &mut f.ben, f.i, data);
        let after = snapshot(&mut f.ben, &docs);
        if after == before {
            outcomes.0 += 1;
        } else {
            // Only Ana's genuine change may have landed.
            assert_eq!(after.0[1], f.ana.heads(f.i).unwrap(), "a flipped message produced a state nobody wrote");
            outcomes.1 += 1;
            break;
        }
    }
    assert!(outcomes.0 > 0);

    // Unknown document ids: doc-unavailable, whether they exist here or not.
    let (mut conn, me) = ready_responder(&mut f);
    let outsider_doc = f.ben.create_candidate(NewCandidate { name: "Secret".into(), role: "x".into(), source: None, contact: None, applied_at: Utc::now() }).unwrap();
    for document in [DocumentId::random(), outsider_doc] {
        let req = WireMessage::Request { sender: "evil".into(), target: me.clone(), document, data: vec![0x42, 1, 0, 0, 0] };
        assert!(conn.receive(&mut f.ben, &req.encode()).unwrap().is_empty());
        let out = conn.take_outgoing();
        assert_eq!(out.len(), 1);
        assert!(matches!(WireMessage::decode(&out[0]).unwrap(), WireMessage::DocUnavailable { document: d, .. } if d == document));
    }
    // A message routed to someone else closes the connection.
    let stray = WireMessage::Sync { sender: "mallory".into(), target: me, document: f.i, data: vec![] };
    assert!(matches!(conn.receive(&mut f.ben, &stray.encode()), Err(SyncError::Malformed(_))));
    assert!(conn.is_closed());
}
