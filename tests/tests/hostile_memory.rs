//! Memory stays bounded whatever a peer sends. Alone in its own test binary, so the process's
//! peak resident set (VmHWM) measures this scenario and nothing else.

use std::io::Write;

use automerge::sync::{ChunkList, Message, MessageVersion};
use chrono::Utc;
use panelnotes_core::sync::wire::{PeerMetadata, WireMessage, MAX_FRAME};
use panelnotes_core::sync::{Connection, Event, Grant, Role};
use panelnotes_tests::fixture::{candidate_with_interview, phone};

fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

/// A compressed change chunk (type 2) whose deflate stream inflates to `zeros` bytes.
fn deflate_bomb(zeros: usize) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 1 << 20];
    for _ in 0..zeros >> 20 {
        enc.write_all(&block).unwrap();
    }
    let body = enc.finish().unwrap();
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 2];
    let mut n = body.len() as u64;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            chunk.push(b);
            break;
        }
        chunk.push(b | 0x80);
    }
    chunk.extend(body);
    chunk
}

#[test]
fn a_16mb_frame_of_compressed_changes_stays_under_100mb_peak_rss() {
    let dir = tempfile::tempdir().unwrap();
    let mut ben = phone(dir.path(), "ben@acme");
    let (c, i) = candidate_with_interview(&mut ben, &["ana@acme", "ben@acme"], Utc::now());
    let mut conn = Connection::new(&ben, Role::Responder, Grant::documents([c, i])).unwrap();
    let join = WireMessage::Join { sender: "evil".into(), versions: vec!["1".into()], metadata: PeerMetadata::default() };
    conn.receive(&mut ben, &join.encode()).unwrap();
    let me = conn.peer_id().to_owned();

    // About 1 MB of deflate that inflates to 1 GiB: once alone (the scenario), then
    // repeated to fill a frame just under the 16 MiB limit.
    let bomb = deflate_bomb(1 << 30);
    let copies = (MAX_FRAME - 4096) / bomb.len();
    for n in [1, copies] {
        let message = Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: ChunkList::from(vec![bomb.clone(); n]),
            flags: None,
            version: MessageVersion::V1,
        };
        let frame = WireMessage::Sync { sender: "evil".into(), target: me.clone(), document: i, data: message.encode() }.encode();
        assert!(frame.len() <= MAX_FRAME);
        let events = conn.receive(&mut ben, &frame).unwrap();
        assert!(matches!(&events[..], [Event::Rejected { .. }]), "{events:?}");
    }
    // The phone goes on.
    ben.splice_notes(i, "learn", 0, 0, "still here").unwrap();
    conn.poll(&mut ben).unwrap();
    let peak = peak_rss_mb();
    eprintln!("peak RSS {peak} MB");
    assert!(peak < 100, "peak RSS {peak} MB");
}
