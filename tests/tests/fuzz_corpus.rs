//! Every input the fuzz campaigns kept (`fuzz/corpus/<target>/`), replayed on stable Rust in
//! every test run, so a crash a campaign found and we fixed stays fixed.

use std::path::PathBuf;

use panelnotes_tests::fuzz::TARGETS;

#[test]
fn every_kept_fuzz_input_replays_without_a_panic() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut replayed = 0;
    for (name, body) in TARGETS {
        let dir = root.join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            body(&std::fs::read(&f).unwrap());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} inputs");
    assert!(replayed >= TARGETS.len(), "the corpus is missing: {}", root.display());
}

/// Writes well-formed seeds (real documents, change chunks, sync messages, wire frames and
/// Noise handshakes) into the corpus, so campaigns start from inputs that reach deep into
/// the parsers. Run by hand: `cargo test -p panelnotes-tests --test fuzz_corpus -- --ignored`.
#[test]
#[ignore]
fn write_seed_corpus() {
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ReadDoc};
    use panelnotes_core::sync::wire::{PeerMetadata, WireMessage};

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let put = |target: &str, name: &str, bytes: &[u8]| {
        std::fs::create_dir_all(root.join(target)).unwrap();
        std::fs::write(root.join(target).join(format!("seed-{name}")), bytes).unwrap();
    };
    let framed = |mode: u8, frames: &[Vec<u8>]| {
        let mut out = vec![mode];
        for f in frames {
            out.extend((f.len() as u16).to_le_bytes());
            out.extend(f);
        }
        out
    };

    // An interview-like document: typed notes (long enough for deflated columns), a list.
    let mut doc = AutoCommit::new();
    doc.put(automerge::ROOT, "type", "interview").unwrap();
    let notes = doc.put_object(automerge::ROOT, "notes", ObjType::Map).unwrap();
    let learn = doc.put_object(&notes, "learn", ObjType::Text).unwrap();
    doc.commit();
    let base = doc.get_heads();
    for word in "Ran Spark on 200 nodes 🚀 分布式 trade-offs and why ".repeat(8).split(' ') {
        let len = doc.length(&learn);
        doc.splice_text(&learn, len, 0, &format!("{word} ")).unwrap();
        doc.commit();
    }
    let q = doc.put_object(automerge::ROOT, "questions", ObjType::List).unwrap();
    let m = doc.insert_object(&q, 0, ObjType::Map).unwrap();
    doc.put(&m, "text", "How do you deploy?").unwrap();
    doc.put(&m, "kind", "specific").unwrap();
    doc.commit();
    put("document_load", "document", &doc.save());
    put("document_load", "changes", &doc.save_after(&base));
    let last = doc.get_last_local_change().unwrap().clone();
    put("document_load", "one-change", last.raw_bytes());
    put("document_load", "compressed-change", &last.clone().bytes());

    // Sync messages between that document and an empty peer, both ways.
    let mut empty = AutoCommit::new();
    let (mut s1, mut s2) = (automerge::sync::State::new(), automerge::sync::State::new());
    let mut messages = Vec::new();
    for _ in 0..4 {
        if let Some(m) = empty.sync().generate_sync_message(&mut s2) {
            messages.push(m.clone().encode());
            doc.sync().receive_sync_message(&mut s1, m).unwrap();
        }
        if let Some(m) = doc.sync().generate_sync_message(&mut s1) {
            messages.push(m.clone().encode());
            empty.sync().receive_sync_message(&mut s2, m).unwrap();
        }
    }
    assert_eq!(empty.get_heads(), doc.get_heads());
    put("wire_frames", "sync-messages", &framed(2, &messages));
    let join = WireMessage::Join {
        sender: "seed".into(),
        versions: vec!["1".into()],
        metadata: PeerMetadata { storage_id: Some("seed-storage".into()), is_ephemeral: false },
    }
    .encode();
    put("wire_frames", "join", &framed(0, &[join]));
    let doc_id = "2sjXtDGB9LJ4r5UQbV2jpo6bBW3t".parse().unwrap_or_else(|_| panelnotes_core::DocumentId::from_bytes([1; 16]));
    let frames: Vec<Vec<u8>> = messages
        .iter()
        .map(|m| WireMessage::Sync { sender: "fuzz".into(), target: "x".into(), document: doc_id, data: m.clone() }.encode())
        .collect();
    put("wire_frames", "sync-frames", &framed(1, &frames));

    // A Noise handshake opening from an initiator holding the fuzz target's secret.
    let mut initiator = panelnotes_core::transport::SecureChannel::initiator(&[7u8; 32]).unwrap();
    let hello = initiator.take_output();
    put("noise_receive", "hello", &framed(0, &[hello])[1..]);

    // Text positions: insert, delete across an emoji, and a position past the end.
    for (name, pos, del, stage, text) in [("insert", 0u64, 0u64, 0u8, "ab"), ("delete", 6, 2, 0, ""), ("past-end", 1 << 40, 0, 0, "x"), ("other-stage", 0, 0, 1, "🚀")] {
        let mut b = pos.to_le_bytes().to_vec();
        b.extend(del.to_le_bytes());
        b.push(stage);
        b.extend(text.as_bytes());
        put("text_positions", name, &b);
    }
    put("invite_parse", "bad-version", b"panelnotes:join?v=2&i=x&c=y&k=z");
}

/// Seeds for the trust parsers: a real roster (genesis and an admit) and a real envelope,
/// sealed and as a bare body. Run by hand:
/// `cargo test -p panelnotes-tests --test fuzz_corpus write_trust_seeds -- --ignored`.
#[test]
#[ignore]
fn write_trust_seeds() {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType};
    use panelnotes_core::keys::DeviceKeys;
    use panelnotes_core::model::DocKind;
    use panelnotes_core::trust::membership::encode_entries;
    use panelnotes_core::trust::roster::{Action, Entry, Roster, Seat, NO_PARENT};
    use panelnotes_core::trust::seal::{wrap_to, Secret};
    use panelnotes_core::{DocumentId, InterviewerId};

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let put = |target: &str, name: &str, bytes: &[u8]| {
        std::fs::create_dir_all(root.join(target)).unwrap();
        std::fs::write(root.join(target).join(format!("seed-{name}")), bytes).unwrap();
    };
    // The same panel as the envelope target's (tests/src/fuzz.rs), so the seed opens there.
    let ana = DeviceKeys::from_secret(&[1; 64]);
    let secret = Secret::from_bytes([9; 32]);
    let genesis = Entry::sign(
        &ana,
        NO_PARENT,
        Action::Genesis {
            panel: [1; 16],
            documents: vec![(DocumentId::from_bytes([2; 16]), DocKind::Interview)],
            seats: vec![
                Seat { interviewer: InterviewerId::new("ana").unwrap(), admin: true },
                Seat { interviewer: InterviewerId::new("ben").unwrap(), admin: false },
            ],
            lead_seat: InterviewerId::new("ana").unwrap(),
            lead_device: ana.public(),
            lead_label: "phone".into(),
            wrapped: wrap_to(&ana.public().agreement, &secret, b"fuzz", [2; 32], [3; 24]),
        },
    );
    let ben = DeviceKeys::from_secret(&[2; 64]);
    let mut roster = Roster::new(genesis.clone()).unwrap();
    let admit = Entry::sign(&ana, roster.head(), Action::Admit { seat: InterviewerId::new("ben").unwrap(), device: ben.public(), label: "phone".into(), wrapped: wrap_to(&ben.public().agreement, &secret, b"fuzz", [4; 32], [5; 24]), earlier: vec![] });
    roster.append(admit.clone()).unwrap();
    put("roster_entries", "genesis", &genesis.encode());
    put("roster_entries", "admit", &admit.encode());
    put("roster_entries", "roster", &encode_entries(roster.entries()));
    {
        use panelnotes_core::trust::erasure::{encode_acks, encode_notice, ErasureAck, ErasureRecord};
        let c = DocumentId::from_bytes([2; 16]);
        let record = ErasureRecord::sign(&ana, c, vec![c, DocumentId::from_bytes([3; 16])], vec![genesis.hash()], 1_700_000_000_000);
        let ack = ErasureAck::sign(&ben, c, 1_700_000_000_001);
        put("erasure_records", "record", &record.encode());
        put("erasure_records", "ack", &ack.encode());
        put("erasure_records", "notice", &encode_notice(&record.encode(), &[ack.encode()]));
        put("erasure_records", "acks", &encode_acks(&[ack.encode()]));
    }

    let mut doc = AutoCommit::new().with_actor(ana.actor());
    let notes = doc.put_object(automerge::ROOT, "notes", ObjType::Map).unwrap();
    doc.put_object(&notes, "learn", ObjType::Text).unwrap();
    doc.commit();
    let change = doc.get_last_local_change().unwrap();
    let sealed = panelnotes_core::trust::envelope::seal(&ana, &secret, 0, [1; 16], DocumentId::from_bytes([2; 16]), DocKind::Interview, genesis.hash(), 1, &mut [change], [6; 24]);
    put("envelope_open", "sealed", &sealed);
    let body = secret.derive("envelope", &[1; 16]).open(&[6; 24], &sealed[..29], &sealed[29..]).unwrap();
    put("envelope_open", "body", &body);

    // A join request and a welcome, as plaintext behind the invite's seal (what the join
    // target seals its input as), and a v2 invite.
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let clock = panelnotes_core::ManualClock::starting_at(chrono::Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    let open = |who: &str, seed| {
        let options = panelnotes_core::StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(seed), ..Default::default() };
        panelnotes_core::Store::open_with(dir.path().join(format!("{who}.sqlite3")), panelnotes_tests::fixture::identity(who), options).unwrap()
    };
    let (mut lead, mut joiner) = (open("ana@acme", 1), open("ben@acme", 2));
    let t0 = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (_, i) = panelnotes_tests::fixture::candidate_with_interview(&mut lead, &["ana@acme", "ben@acme"], t0);
    let roster = lead.start_roster(i, None).unwrap();
    let invite = lead.invite_seat(&roster, None, None).unwrap();
    put("invite_parse", "v2", invite.to_uri().as_bytes());
    let request = joiner.join_request(&invite, "phone").unwrap();
    let unseal = |label: &str, bytes: &[u8]| {
        let nonce: [u8; 24] = bytes[16..40].try_into().unwrap();
        invite.key().derive(label, b"").open(&nonce, &bytes[..40], &bytes[40..]).unwrap().to_vec()
    };
    put("join_messages", "request", &unseal("request", &request));
    let panelnotes_core::trust::JoinDecision::Pending { request: id, .. } = lead.receive_join_request(&request).unwrap() else { panic!() };
    let welcome = lead.admit_join_request(id, InterviewerId::new("ben@acme").unwrap()).unwrap();
    put("join_messages", "welcome", &unseal("welcome", &welcome));
}

/// A seed for the sealed scorecard target: a real card. Run by hand:
/// `cargo test -p panelnotes-tests --test fuzz_corpus write_sealed_card_seed -- --ignored`.
#[test]
#[ignore]
fn write_sealed_card_seed() {
    use panelnotes_core::keys::DeviceKeys;
    use panelnotes_core::trust::sealed_card::{CardRandomness, SealedCard};
    use panelnotes_core::{DocumentId, InterviewerId};
    let ben = DeviceKeys::from_secret(&[2; 64]);
    let reveal = DeviceKeys::from_secret(&[3; 64]).public().agreement;
    let rnd = CardRandomness { key: [7; 32], nonce: [8; 24], wrap_ephemeral: [[9; 32], [10; 32]], wrap_nonce: [[11; 24], [12; 24]] };
    let plaintext = br#"{"ratings":{"technical_depth":3,"reaction_to_challenge":4,"business_understanding":3,"question_quality":2},"recommendation":"yes","comments":"clear"}"#;
    let card = SealedCard::seal(&ben, DocumentId::from_bytes([2; 16]), InterviewerId::new("ben").unwrap(), 1_772_000_000_000, plaintext, &reveal, rnd);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/sealed_card");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("seed-card"), card.encode()).unwrap();
}

/// Seeds for the join box target: a reply item sealed to the target's device for its reply
/// document (so raw inputs reach the welcome inside), and a welcome-sized plaintext. Run by
/// hand: `cargo test -p panelnotes-tests --test fuzz_corpus write_join_box_seeds -- --ignored`.
#[test]
#[ignore]
fn write_join_box_seeds() {
    use panelnotes_core::keys::DeviceKeys;
    use panelnotes_core::trust::join_box::seal_reply;
    use panelnotes_core::DocumentId;
    let ben = DeviceKeys::from_secret(&[2; 64]);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/join_box");
    std::fs::create_dir_all(&root).unwrap();
    let welcome: Vec<u8> = (0..200u8).collect();
    let item = seal_reply(&ben.public().agreement, &DocumentId::from_bytes([5; 16]), &welcome, [1; 32], [2; 32], [[3; 24], [4; 24]]);
    std::fs::write(root.join("seed-reply"), &item).unwrap();
    std::fs::write(root.join("seed-welcome"), &welcome).unwrap();
    std::fs::write(root.join("seed-short"), b"W").unwrap();
}

/// Seeds for the roster entries this branch added (a link, a transfer of the lead, a link
/// approval as bytes and as a code), on the same panel as `write_trust_seeds`. Run by hand:
/// `cargo test -p panelnotes-tests --test fuzz_corpus write_roster_entry_seeds -- --ignored`.
#[test]
#[ignore]
fn write_roster_entry_seeds() {
    use panelnotes_core::keys::DeviceKeys;
    use panelnotes_core::model::DocKind;
    use panelnotes_core::trust::linking::{countersigned_bytes, LinkApproval};
    use panelnotes_core::trust::membership::encode_entries;
    use panelnotes_core::trust::roster::{Action, Entry, Roster, Seat, NO_PARENT};
    use panelnotes_core::trust::seal::{wrap_to, Secret};
    use panelnotes_core::{DocumentId, InterviewerId};

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/roster_entries");
    let put = |name: &str, bytes: &[u8]| std::fs::write(root.join(format!("seed-{name}")), bytes).unwrap();
    let seat = |s: &str| InterviewerId::new(s).unwrap();
    let (ana, ben, tablet) = (DeviceKeys::from_secret(&[1; 64]), DeviceKeys::from_secret(&[2; 64]), DeviceKeys::from_secret(&[3; 64]));
    let secret = Secret::from_bytes([9; 32]);
    let genesis = Entry::sign(
        &ana,
        NO_PARENT,
        Action::Genesis {
            panel: [1; 16],
            documents: vec![(DocumentId::from_bytes([2; 16]), DocKind::Interview)],
            seats: vec![Seat { interviewer: seat("ana"), admin: true }, Seat { interviewer: seat("ben"), admin: false }],
            lead_seat: seat("ana"),
            lead_device: ana.public(),
            lead_label: "phone".into(),
            wrapped: wrap_to(&ana.public().agreement, &secret, b"fuzz", [2; 32], [3; 24]),
        },
    );
    let mut roster = Roster::new(genesis).unwrap();
    let admit = Entry::sign(&ana, roster.head(), Action::Admit { seat: seat("ben"), device: ben.public(), label: "phone".into(), wrapped: wrap_to(&ben.public().agreement, &secret, b"fuzz", [4; 32], [5; 24]), earlier: vec![] });
    roster.append(admit).unwrap();
    let countersignature = ben.sign(&countersigned_bytes(&[1; 16], &seat("ben"), &tablet.public()));
    let approval = LinkApproval { panel: [1; 16], seat: seat("ben"), device: tablet.public(), label: "tablet".into(), countersigner: ben.public().signing, countersignature };
    let link = Entry::sign(
        &ana,
        roster.head(),
        Action::Link { seat: seat("ben"), device: tablet.public(), label: "tablet".into(), wrapped: wrap_to(&tablet.public().agreement, &secret, b"fuzz", [6; 32], [7; 24]), earlier: vec![], countersigner: ben.public().signing, countersignature },
    );
    roster.append(Entry::decode(&link.encode()).unwrap()).unwrap();
    let transfer = Entry::sign(&ana, roster.head(), Action::TransferLead { seat: seat("ben"), device: tablet.public().signing, keep_admin: true });
    roster.append(transfer.clone()).unwrap();
    let remove = Entry::sign(&ana, roster.head(), Action::Remove { device: tablet.public().signing, cutoffs: vec![(DocumentId::from_bytes([2; 16]), 3)] });
    roster.append(remove).unwrap();
    let accept = Entry::sign(&ana, roster.head(), Action::AcceptHeld { device: tablet.public().signing, document: DocumentId::from_bytes([2; 16]), up_to: 5 });
    roster.append(accept.clone()).unwrap();
    put("accept-held", &accept.encode());
    put("link", &link.encode());
    put("transfer-lead", &transfer.encode());
    put("roster-linked", &encode_entries(roster.entries()));
    put("link-approval", &approval.encode());
    put("link-code", approval.to_code().as_bytes());
}

/// Seeds for the epoch snapshot target: a signed snapshot with a member's run header, and its
/// saved document alone (what the second form of the target signs). Run by hand:
/// `cargo test -p panelnotes-tests --test fuzz_corpus write_epoch_snapshot_seeds -- --ignored`.
#[test]
#[ignore]
fn write_epoch_snapshot_seeds() {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ChangeHash, ObjType};
    use panelnotes_core::keys::DeviceKeys;
    use panelnotes_core::model::DocKind;
    use panelnotes_core::trust::envelope::{open, seal, Verdict};
    use panelnotes_core::trust::epoch_snapshot::{RunHeader, Snapshot};
    use panelnotes_core::trust::roster::{Action, Entry, Roster, Seat, NO_PARENT};
    use panelnotes_core::trust::seal::{wrap_to, Secret};
    use panelnotes_core::{DocumentId, InterviewerId};
    let ana = DeviceKeys::from_secret(&[1; 64]);
    let secret = Secret::from_bytes([9; 32]);
    let doc_id = DocumentId::from_bytes([2; 16]);
    let genesis = Entry::sign(
        &ana,
        NO_PARENT,
        Action::Genesis {
            panel: [1; 16],
            documents: vec![(doc_id, DocKind::Interview)],
            seats: vec![Seat { interviewer: InterviewerId::new("ana").unwrap(), admin: true }],
            lead_seat: InterviewerId::new("ana").unwrap(),
            lead_device: ana.public(),
            lead_label: "phone".into(),
            wrapped: wrap_to(&ana.public().agreement, &secret, b"fuzz", [2; 32], [3; 24]),
        },
    );
    let roster = Roster::new(genesis).unwrap();
    let mut doc = AutoCommit::new().with_actor(ana.actor());
    let notes = doc.put_object(automerge::ROOT, "notes", ObjType::Map).unwrap();
    let learn = doc.put_object(&notes, "learn", ObjType::Text).unwrap();
    doc.splice_text(&learn, 0, 0, "Ran Spark on 200 nodes 🚀 分布式 trade-offs").unwrap();
    doc.commit();
    let mut run: Vec<automerge::Change> = doc.get_changes(&[]);
    let sealed = seal(&ana, &secret, 0, [1; 16], doc_id, DocKind::Interview, roster.head(), 1, &mut run, [6; 24]);
    let Verdict::Open(o) = open(&sealed, &roster, |_| Some(secret.clone())) else { panic!("own envelope") };
    let hashes: Vec<ChangeHash> = o.changes.iter().map(|c| c.hash()).collect();
    let s = Snapshot::sign(&ana, [1; 16], 1, doc_id, DocKind::Interview, roster.head(), &mut doc, vec![RunHeader::of(&o.body, &hashes)]);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/epoch_snapshot");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("seed-snapshot"), s.encode()).unwrap();
    std::fs::write(root.join("seed-save"), &s.save).unwrap();
}
