//! The fuzz targets' bodies, shared by `fuzz/` (cargo-fuzz, nightly) and the corpus replay
//! test (`tests/fuzz_corpus.rs`, stable), so every input a campaign kept is also a
//! regression test in every CI run. Each body asserts only what must hold for any input:
//! no panic, and the store keeps working afterwards.

use std::cell::RefCell;

use chrono::{TimeZone, Utc};
use panelnotes_core::sync::wire::{PeerMetadata, WireMessage};
use panelnotes_core::sync::{Connection, Grant, Role};
use panelnotes_core::transport::{PanelInvite, SecureChannel};
use panelnotes_core::{DocumentId, ManualClock, Store, StoreOptions};

use crate::fixture::{candidate_with_interview, identity};

struct Phone {
    _dir: tempfile::TempDir,
    store: Store,
    c: DocumentId,
    i: DocumentId,
}

thread_local! {
    // One store per thread, reused for a while: opening SQLite per input would measure file
    // creation, not our parsers; renewed now and then so accepted inputs don't pile up.
    static PHONE: RefCell<(u32, Option<Phone>)> = const { RefCell::new((0, None)) };
}

const INPUTS_PER_PHONE: u32 = 256;

fn with_phone<T>(f: impl FnOnce(&mut Phone) -> T) -> T {
    PHONE.with(|p| {
        let (count, phone) = &mut *p.borrow_mut();
        *count += 1;
        if *count % INPUTS_PER_PHONE == 0 {
            *phone = None;
        }
        let phone = phone.get_or_insert_with(|| {
            // In memory-backed storage where there is one: the store's I/O is not under test.
            let shm = std::path::Path::new("/dev/shm");
            let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("temp dir");
            let options = StoreOptions { clock: std::sync::Arc::new(ManualClock::default()), seed: Some(1), ..Default::default() };
            let mut store = Store::open_with(dir.path().join("fuzz.sqlite3"), identity("ben@acme"), options).expect("store");
            let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
            let (c, i) = candidate_with_interview(&mut store, &["ana@acme", "ben@acme"], t0);
            store.splice_notes(i, "learn", 0, 0, "Notes 🚀 分布式").expect("notes");
            Phone { _dir: dir, store, c, i }
        });
        f(phone)
    })
}

/// The store still reads and writes: what every target checks after its input.
fn still_works(p: &mut Phone) {
    p.store.notes(p.i, "learn").expect("notes readable");
    p.store.interview(p.i).expect("interview readable");
    p.store.candidates().expect("list readable");
}

/// Splits fuzz bytes into frames: a u16 length, then that many bytes, repeatedly.
fn frames(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 && out.len() < 64 {
        let n = (u16::from_le_bytes([rest[0], rest[1]]) as usize).min(rest.len() - 2);
        out.push(&rest[2..2 + n]);
        rest = &rest[2 + n..];
    }
    out
}

/// Wire frames into a connection's intake. The first byte picks how far in: raw frames
/// before the handshake, raw frames after it, or each frame as the automerge sync message
/// inside a well-formed sync frame for a shared document.
pub fn wire_frames(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    with_phone(|p| {
        let grant = Grant::documents([p.c, p.i]);
        let mut conn = Connection::new(&p.store, Role::Responder, grant).expect("connection");
        let mut me = String::new();
        if mode % 3 != 0 {
            let join = WireMessage::Join {
                sender: "fuzz".into(),
                versions: vec!["1".into()],
                metadata: PeerMetadata { storage_id: Some("fuzz-peer".into()), is_ephemeral: false },
            };
            conn.receive(&mut p.store, &join.encode()).expect("handshake");
            me = conn.peer_id().to_owned();
        }
        for f in frames(rest) {
            let frame = if mode % 3 == 2 {
                let document = if f.first().is_some_and(|b| b & 1 == 1) { p.c } else { p.i };
                WireMessage::Sync { sender: "fuzz".into(), target: me.clone(), document, data: f.to_vec() }.encode()
            } else {
                f.to_vec()
            };
            if conn.receive(&mut p.store, &frame).is_err() {
                break;
            }
            let _ = conn.poll(&mut p.store);
        }
        let _ = conn.close(&mut p.store);
        still_works(p);
    })
}

/// Bytes into the Noise channel, on both sides of a handshake.
pub fn noise_receive(data: &[u8]) {
    let secret = [7u8; 32];
    let lookup = |_: &[u8; 8]| Some(secret);
    let mut responder = SecureChannel::responder();
    for f in frames(data) {
        if responder.receive(f, lookup).is_err() {
            break;
        }
    }
    let Ok(mut initiator) = SecureChannel::initiator(&secret) else { return };
    let _ = initiator.take_output();
    for f in frames(data) {
        if initiator.receive(f, lookup).is_err() {
            break;
        }
    }
}

/// Document and chunk bytes from a peer into the store, as a new document and into an
/// existing one.
pub fn document_load(data: &[u8]) {
    with_phone(|p| {
        let fresh = DocumentId::from_bytes(*b"fuzz-doc-0000000");
        let _ = p.store.apply_remote(fresh, data);
        let _ = p.store.apply_remote(p.i, data);
        still_works(p);
    })
}

pub fn invite_parse(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(invite) = panelnotes_core::trust::SeatInvite::parse(s) {
            assert_eq!(panelnotes_core::trust::SeatInvite::parse(&invite.to_uri()).expect("round trip"), invite);
        }
        if let Ok(invite) = PanelInvite::parse(s) {
            // What parses must print back to something that parses to the same.
            assert_eq!(PanelInvite::parse(&invite.to_uri()).expect("round trip"), invite);
        }
    }
}

/// Roster entries from a peer: decoding never panics, what decodes re-encodes to the same
/// bytes (signatures cover the encoding), and folding any entries into a roster is safe.
pub fn roster_entries(data: &[u8]) {
    use panelnotes_core::trust::membership::{decode_entries, encode_entries};
    use panelnotes_core::trust::roster::{Entry, Roster};
    if let Ok(e) = Entry::decode(data) {
        assert_eq!(e.encode(), data, "a roster entry has one encoding");
        let _ = Roster::new(e);
    }
    if let Ok(entries) = decode_entries(data) {
        assert_eq!(encode_entries(&entries), data);
        if let Some(first) = entries.first() {
            let _ = Roster::from_entries(&first.hash(), entries.clone());
        }
    }
    // A link approval travels between a person's devices as bytes or as a code, and a
    // roster as a code: what reads must write back the same.
    use panelnotes_core::trust::linking::{parse_device_code, parse_roster_code, LinkApproval};
    if let Ok(a) = LinkApproval::decode(data) {
        assert_eq!(a.encode(), data, "a link approval has one encoding");
        assert_eq!(LinkApproval::from_code(&a.to_code()).as_ref(), Ok(&a));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = LinkApproval::from_code(text);
        let _ = parse_device_code(text);
        if let Ok((_, entries)) = parse_roster_code(text) {
            let _ = decode_entries(&entries);
        }
    }
}

/// Erasure records, acknowledgements and session notices from a peer: decoding never
/// panics, and what decodes re-encodes to the same bytes (signatures cover the encoding).
pub fn erasure_records(data: &[u8]) {
    use panelnotes_core::trust::erasure::{decode_acks, decode_notice, ErasureAck, ErasureRecord};
    if let Ok(r) = ErasureRecord::decode(data) {
        assert_eq!(r.encode(), data, "an erasure record has one encoding");
        let _ = r.verify();
    }
    if let Ok(a) = ErasureAck::decode(data) {
        assert_eq!(a.encode(), data, "an acknowledgement has one encoding");
        let _ = a.verify();
    }
    let _ = decode_notice(data);
    let _ = decode_acks(data);
}

/// A panel every envelope input is opened against: Ana leads, one seat.
fn fuzz_roster() -> (panelnotes_core::trust::roster::Roster, panelnotes_core::trust::seal::Secret) {
    use panelnotes_core::keys::DeviceKeys;
    use panelnotes_core::model::DocKind;
    use panelnotes_core::trust::roster::{Action, Entry, Roster, Seat, NO_PARENT};
    use panelnotes_core::trust::seal::{wrap_to, Secret};
    let ana = DeviceKeys::from_secret(&[1; 64]);
    let secret = Secret::from_bytes([9; 32]);
    let genesis = Entry::sign(
        &ana,
        NO_PARENT,
        Action::Genesis {
            panel: [1; 16],
            documents: vec![(DocumentId::from_bytes([2; 16]), DocKind::Interview)],
            seats: vec![Seat { interviewer: panelnotes_core::InterviewerId::new("ana").unwrap(), admin: true }],
            lead_seat: panelnotes_core::InterviewerId::new("ana").unwrap(),
            lead_device: ana.public(),
            lead_label: "phone".into(),
            wrapped: wrap_to(&ana.public().agreement, &secret, b"fuzz", [2; 32], [3; 24]),
        },
    );
    (Roster::new(genesis).expect("a valid genesis"), secret)
}

/// Envelope bytes from the relay or a peer, both as they arrive (mostly refused at the
/// seal) and as a body sealed under the right secret (so the fuzzer reaches the decoder and
/// every check after it).
pub fn envelope_open(data: &[u8]) {
    use panelnotes_core::trust::envelope::{open, VERSION};
    let (roster, secret) = fuzz_roster();
    let _ = open(data, &roster, |_| Some(secret.clone()));
    let mut sealed = vec![VERSION, 0, 0, 0, 0];
    sealed.extend_from_slice(&[5; 24]);
    let aad = sealed.clone();
    sealed.extend(secret.derive("envelope", &[1; 16]).seal(&[5; 24], &aad, data));
    let _ = open(&sealed, &roster, |_| Some(secret.clone()));
}

struct Join {
    _dir: tempfile::TempDir,
    lead: Store,
    joiner: Store,
    invite: panelnotes_core::trust::SeatInvite,
}

thread_local! {
    static JOIN: RefCell<(u32, Option<Join>)> = const { RefCell::new((0, None)) };
}

/// The lead's phone with an open seat invite, and a joiner that sent its request.
fn with_join<T>(f: impl FnOnce(&mut Join) -> T) -> T {
    JOIN.with(|j| {
        let (count, join) = &mut *j.borrow_mut();
        *count += 1;
        if *count % INPUTS_PER_PHONE == 0 {
            *join = None;
        }
        let join = join.get_or_insert_with(|| {
            let shm = std::path::Path::new("/dev/shm");
            let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("temp dir");
            let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
            let open = |who: &str, seed| {
                let options = StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(seed), ..Default::default() };
                Store::open_with(dir.path().join(format!("{who}.sqlite3")), identity(who), options).expect("store")
            };
            let (mut lead, mut joiner) = (open("ana@acme", 1), open("ben@acme", 2));
            let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
            let (_, i) = candidate_with_interview(&mut lead, &["ana@acme", "ben@acme"], t0);
            let roster = lead.start_roster(i, None).expect("roster");
            let invite = lead.invite_seat(&roster, None, None).expect("invite");
            joiner.join_request(&invite, "phone").expect("request");
            Join { _dir: dir, lead, joiner, invite }
        });
        f(join)
    })
}

/// Join requests into the lead's phone and welcomes into the joiner's, raw and sealed under
/// the invite's key (so the fuzzer reaches the decoders behind the seal).
pub fn join_messages(data: &[u8]) {
    with_join(|j| {
        let seal = |label: &str| {
            let mut out = j.invite.join_box().as_bytes().to_vec();
            out.extend_from_slice(&[4; 24]);
            let aad = out.clone();
            out.extend(j.invite.key().derive(label, b"").seal(&[4; 24], &aad, data));
            out
        };
        let (request, welcome) = (seal("request"), seal("welcome"));
        for bytes in [data, &request[..]] {
            let _ = j.lead.receive_join_request(bytes);
        }
        for bytes in [data, &welcome[..]] {
            let _ = j.joiner.accept_welcome(bytes);
        }
        j.lead.join_requests().expect("requests readable");
        j.lead.candidates().expect("list readable");
    })
}

/// Text positions and lengths as Swift and Kotlin pass them: UTF-16 offsets, any u64.
pub fn text_positions(data: &[u8]) {
    if data.len() < 17 {
        return;
    }
    let pos = u64::from_le_bytes(data[..8].try_into().unwrap());
    let delete = u64::from_le_bytes(data[8..16].try_into().unwrap());
    let stage = ["learn", "pitch", "nope", ""][data[16] as usize % 4];
    let insert = String::from_utf8_lossy(&data[17..]);
    with_phone(|p| {
        let before = p.store.notes(p.i, "learn").expect("notes");
        let _ = panelnotes_core::text::splice_range(&before, pos, delete);
        let _ = p.store.splice_notes(p.i, stage, pos, delete, &insert);
        // Keep the text small so inputs stay fast: put it back as it was.
        if p.store.notes(p.i, "learn").expect("notes") != before {
            p.store.replace_notes(p.i, "learn", &before).expect("restore");
        }
        still_works(p);
    })
}

/// A sealed scorecard from a peer's document: decoding never panics, what decodes
/// re-encodes to the same bytes (the signature covers the encoding), checking and opening it
/// under any key are refusals, never crashes; and the clear header the timeline reads agrees
/// with the decoder.
pub fn sealed_card(data: &[u8]) {
    use panelnotes_core::model::scorecard::submitted_at_of;
    use panelnotes_core::trust::seal::Secret;
    use panelnotes_core::trust::sealed_card::SealedCard;
    let iv = DocumentId::from_bytes([2; 16]);
    let header = submitted_at_of(data);
    if let Ok(card) = SealedCard::decode(data) {
        assert_eq!(card.encode(), data, "a sealed card has one encoding");
        let _ = card.verify(iv, card.seat.as_str());
        let _ = card.open(iv, &Secret::from_bytes([7; 32]));
        assert_eq!(header.map(|t| t.timestamp_millis()), chrono::DateTime::from_timestamp_millis(card.submitted_at_ms).map(|t| t.timestamp_millis()));
    }
}

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name, for the corpus replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("wire_frames", wire_frames),
    ("noise_receive", noise_receive),
    ("document_load", document_load),
    ("invite_parse", invite_parse),
    ("text_positions", text_positions),
    ("roster_entries", roster_entries),
    ("envelope_open", envelope_open),
    ("join_messages", join_messages),
    ("sealed_card", sealed_card),
    ("stored_records", stored_records),
    ("erasure_records", erasure_records),
    ("relay_url", relay_url),
    ("join_box", join_box),
    ("epoch_snapshot", epoch_snapshot),
];

/// Reply items from a join box on the relay (anyone who photographed the code can write
/// them): opening never panics and gives nothing unless the item was sealed to this device
/// for this reply document; what is sealed opens back whole, only there, and a flipped byte
/// is refused.
pub fn join_box(data: &[u8]) {
    use panelnotes_core::keys::DeviceKeys;
    use panelnotes_core::trust::join_box::{open_reply, seal_reply};
    let (ben, eve) = (DeviceKeys::from_secret(&[2; 64]), DeviceKeys::from_secret(&[3; 64]));
    let reply = DocumentId::from_bytes([5; 16]);
    let _ = open_reply(&ben, &reply, data);
    let sealed = seal_reply(&ben.public().agreement, &reply, data, [7; 32], [8; 32], [[9; 24], [10; 24]]);
    if sealed.len() <= 256 * 1024 {
        assert_eq!(open_reply(&ben, &reply, &sealed).as_deref(), Some(data));
        let mut flipped = sealed.clone();
        let at = data.first().map_or(0, |b| *b as usize) % flipped.len();
        flipped[at] ^= 1;
        assert_eq!(open_reply(&ben, &reply, &flipped), None);
    }
    assert_eq!(open_reply(&eve, &reply, &sealed), None);
    assert_eq!(open_reply(&ben, &DocumentId::from_bytes([6; 16]), &sealed), None);
}

/// Stored records and wrapped keys as read from a damaged or hostile store file: parsing and
/// opening never panic, what parses re-encodes to the same bytes, and whatever is sealed
/// opens back only in its own column and row.
pub fn stored_records(data: &[u8]) {
    use panelnotes_core::store::at_rest::{open_untrusted, parse_record, seal_untrusted};
    use panelnotes_core::store::content_keys::Wrapped;
    if let Ok(r) = parse_record(data) {
        assert_eq!(r.header.len() + r.nonce.len() + r.ciphertext.len(), data.len());
    }
    if let Ok(w) = Wrapped::parse(data) {
        assert_eq!(w.to_bytes(), data, "a wrapped key has one encoding");
    }
    let _ = open_untrusted([3; 32], "t.c", b"row", data);
    let sealed = seal_untrusted([3; 32], "t.c", b"row", data);
    assert_eq!(open_untrusted([3; 32], "t.c", b"row", &sealed).expect("a sealed record opens"), data);
    assert!(open_untrusted([3; 32], "t.c", b"other", &sealed).is_err(), "a record opens only in its own row");
}

/// A relay address as typed on the command line: parsed or a typed error, never a panic; what
/// parses names a host and a usable port, and ws:// only ever to this machine.
pub fn relay_url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(url) = panelnotes_core::transport::relay_tls::RelayUrl::parse(text) {
        assert!(!url.host.is_empty() && url.port != 0, "{text:?}");
        assert!(url.tls || text.starts_with("ws://"), "{text:?}");
    }
}
/// Snapshot items an admin's outbox may hold, as their payload decodes: the bytes as a
/// whole snapshot, and as the saved document of a snapshot the fuzz roster's admin signed
/// (so the fuzzer reaches the loader and the per-actor checks behind the signature).
pub fn epoch_snapshot(data: &[u8]) {
    use panelnotes_core::keys::DeviceKeys;
    use panelnotes_core::model::DocKind;
    use panelnotes_core::trust::epoch_snapshot::{verify, Snapshot};
    let (roster, _) = fuzz_roster();
    let _ = verify(data, 1, &roster);
    let ana = DeviceKeys::from_secret(&[1; 64]);
    let heads = panelnotes_core::trust::epoch_snapshot::saved_heads(data).unwrap_or_default();
    let s = Snapshot {
        panel: [1; 16],
        epoch: 1,
        document: DocumentId::from_bytes([2; 16]),
        kind: DocKind::Interview,
        roster_head: roster.head(),
        signer: [0; 32],
        heads,
        save: data.to_vec(),
        headers: Vec::new(),
        signature: [0; 64],
    }
    .signed(&ana);
    let _ = verify(&s.encode(), 1, &roster);
}
