use automerge::transaction::Transactable;
use automerge::{Change, ObjType, ReadDoc, ROOT};

use super::*;
use crate::ids::InterviewerId;
use crate::trust::envelope::{open, seal, Verdict as EnvelopeVerdict};
use crate::trust::roster::{Action, Entry, Seat, NO_PARENT};
use crate::trust::seal::{wrap_to, Secret};

fn device(n: u8) -> DeviceKeys {
    DeviceKeys::from_secret(&[n; crate::keys::STORED_LEN])
}

fn seat(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

const DOC: [u8; 16] = [2; 16];
const PANEL: [u8; 16] = [1; 16];

struct Panel {
    ana: DeviceKeys,
    ben: DeviceKeys,
    roster: Roster,
    secret: Secret,
    doc: AutoCommit,
    /// Ana's view of each device's newest run.
    headers: Vec<RunHeader>,
    seqs: BTreeMap<[u8; 32], u64>,
}

fn doc_id() -> DocumentId {
    DocumentId::from_bytes(DOC)
}

fn panel() -> Panel {
    let (ana, ben) = (device(1), device(2));
    let secret = Secret::from_bytes([9; 32]);
    let w = |d: &DeviceKeys| wrap_to(&d.public().agreement, &secret, b"e0", [1; 32], [1; 24]);
    let mut roster = Roster::new(Entry::sign(
        &ana,
        NO_PARENT,
        Action::Genesis {
            panel: PANEL,
            documents: vec![(doc_id(), DocKind::Interview)],
            seats: vec![Seat { interviewer: seat("ana"), admin: true }, Seat { interviewer: seat("ben"), admin: false }],
            lead_seat: seat("ana"),
            lead_device: ana.public(),
            lead_label: "iPhone".into(),
            wrapped: w(&ana),
        },
    ))
    .unwrap();
    let e = Entry::sign(&ana, roster.head(), Action::Admit { seat: seat("ben"), device: ben.public(), label: "phone".into(), wrapped: w(&ben), earlier: vec![] });
    roster.append(e).unwrap();
    let mut doc = AutoCommit::new().with_actor(ana.actor());
    let notes = doc.put_object(ROOT, "notes", ObjType::Map).unwrap();
    doc.put_object(&notes, "learn", ObjType::Text).unwrap();
    doc.commit();
    let mut p = Panel { ana, ben, roster, secret, doc, headers: Vec::new(), seqs: BTreeMap::new() };
    p.run(true, "Ana: hello. ");
    p.run(false, "Ben: knows Kafka. ");
    p.run(false, "Ben: asked about pay. ");
    p
}

impl Panel {
    /// One run by Ana (`lead`) or Ben typing `text`, sealed, opened and remembered as Ana's
    /// phone does.
    fn run(&mut self, lead: bool, text: &str) {
        let keys = if lead { &self.ana } else { &self.ben };
        let mut d = self.doc.fork().with_actor(keys.actor());
        let notes = d.get(ROOT, "notes").unwrap().unwrap().1;
        let learn = d.get(&notes, "learn").unwrap().unwrap().1;
        d.splice_text(&learn, 0, 0, text).unwrap();
        d.commit();
        let mine: Vec<Change> = d.get_changes(&self.doc.get_heads()).into_iter().collect();
        let mine: Vec<Change> = if lead && self.seqs.is_empty() {
            // Ana's first run carries the document's creation too.
            d.get_changes(&[]).into_iter().collect()
        } else {
            mine
        };
        self.doc.apply_changes(mine.clone()).unwrap();
        let seq = self.seqs.entry(keys.public().signing).or_insert(0);
        *seq += 1;
        let mut run = mine;
        let bytes = seal(keys, &self.secret, 0, PANEL, doc_id(), DocKind::Interview, self.roster.head(), *seq, &mut run, [*seq as u8; 24]);
        let EnvelopeVerdict::Open(o) = open(&bytes, &self.roster, |_| Some(self.secret.clone())) else { panic!("own envelope") };
        let hashes: Vec<ChangeHash> = o.changes.iter().map(|c| c.hash()).collect();
        self.headers.retain(|h| h.device != o.body.device);
        self.headers.push(RunHeader::of(&o.body, &hashes));
    }

    fn snapshot(&self, doc: &mut AutoCommit, by: &DeviceKeys, headers: Vec<RunHeader>) -> Vec<u8> {
        Snapshot::sign(by, PANEL, 1, doc_id(), DocKind::Interview, self.roster.head(), doc, headers).encode()
    }
}

fn fault(v: Verified) -> SnapshotFault {
    match v {
        Verified::Refused { fault, .. } => fault,
        Verified::Valid(_) => panic!("accepted"),
        Verified::UnknownRoster => panic!("pending"),
    }
}

#[test]
fn an_honest_snapshot_verifies_and_loads_the_same_document() {
    let mut p = panel();
    let mut copy = p.doc.fork();
    let bytes = p.snapshot(&mut copy, &p.ana, p.headers.clone());
    let Verified::Valid(v) = verify(&bytes, 1, &p.roster) else { panic!("refused") };
    let (_, mut loaded) = *v;
    assert_eq!(loaded.get_heads(), p.doc.clone().get_heads());
    // The same bytes for another epoch are misaddressed.
    assert_eq!(fault(verify(&bytes, 2, &p.roster)), SnapshotFault::Misaddressed);
}

#[test]
fn an_admin_cannot_alter_add_or_drop_a_members_changes() {
    let mut p = panel();
    let ben_fp = p.ben.public().fingerprint();
    // Added: a change under Ben's actor that Ben never signed.
    let mut added = p.doc.fork().with_actor(p.ben.actor());
    let notes = added.get(ROOT, "notes").unwrap().unwrap().1;
    added.put(&notes, "forged", "no hire").unwrap();
    added.commit();
    let bytes = p.snapshot(&mut added, &p.ana, p.headers.clone());
    assert_eq!(fault(verify(&bytes, 1, &p.roster)), SnapshotFault::Altered(ben_fp.clone()));

    // Altered: Ben's last change replaced by another one with his actor and sequence number.
    let mut base = AutoCommit::new().with_actor(p.ana.actor());
    let all: Vec<Change> = p.doc.clone().get_changes(&[]).into_iter().collect();
    let ben_last = all.iter().rev().find(|c| *c.actor_id() == p.ben.actor()).unwrap().hash();
    base.apply_changes(all.iter().filter(|c| c.hash() != ben_last).cloned()).unwrap();
    let mut altered = base.fork().with_actor(p.ben.actor());
    let notes = altered.get(ROOT, "notes").unwrap().unwrap().1;
    let learn = altered.get(&notes, "learn").unwrap().unwrap().1;
    altered.splice_text(&learn, 0, 0, "Ben: weak on Kafka. ").unwrap();
    altered.commit();
    let bytes = p.snapshot(&mut altered, &p.ana, p.headers.clone());
    assert_eq!(fault(verify(&bytes, 1, &p.roster)), SnapshotFault::Altered(ben_fp.clone()));

    // Dropped: Ben's last change left out, his newest header still given.
    let bytes = p.snapshot(&mut base, &p.ana, p.headers.clone());
    assert_eq!(fault(verify(&bytes, 1, &p.roster)), SnapshotFault::Altered(ben_fp.clone()));

    // No header for Ben at all.
    let mut copy = p.doc.fork();
    let only_ana = p.headers.iter().filter(|h| h.device != p.ben.public().signing).cloned().collect();
    let bytes = p.snapshot(&mut copy, &p.ana, only_ana);
    assert_eq!(fault(verify(&bytes, 1, &p.roster)), SnapshotFault::Unsigned(ben_fp.clone()));

    // A header whose signature was tampered with.
    let mut forged = p.headers.clone();
    for h in forged.iter_mut().filter(|h| h.device == p.ben.public().signing) {
        h.seq += 1;
    }
    let bytes = p.snapshot(&mut copy, &p.ana, forged);
    assert_eq!(fault(verify(&bytes, 1, &p.roster)), SnapshotFault::Unsigned(ben_fp));
}

#[test]
fn only_a_current_admin_signs_a_snapshot_and_its_signature_covers_every_byte() {
    let mut p = panel();
    let mut copy = p.doc.fork();
    let by_ben = p.snapshot(&mut copy, &p.ben, p.headers.clone());
    assert!(matches!(fault(verify(&by_ben, 1, &p.roster)), SnapshotFault::NotAdmin(_)));
    // Naming a roster prefix nobody has: a member's snapshot is refused, never left waiting;
    // an admin's waits for the roster.
    let unknown = |by: &DeviceKeys, c: &mut AutoCommit| Snapshot::sign(by, PANEL, 1, doc_id(), DocKind::Interview, [3; 32], c, p.headers.clone()).encode();
    assert!(matches!(fault(verify(&unknown(&p.ben, &mut copy), 1, &p.roster)), SnapshotFault::NotAdmin(_)));
    assert!(matches!(verify(&unknown(&p.ana, &mut copy), 1, &p.roster), Verified::UnknownRoster));
    let mut bytes = p.snapshot(&mut copy, &p.ana, p.headers.clone());
    let n = bytes.len();
    bytes[n - 100] ^= 1;
    assert!(matches!(verify(&bytes, 1, &p.roster), Verified::Refused { .. }));
}

#[test]
fn changes_by_devices_the_panel_does_not_have_are_vouched_for_by_the_admin() {
    let mut p = panel();
    let mut other = p.doc.fork().with_actor(device(7).actor());
    other.put(ROOT, "events", "from another panel").unwrap();
    other.commit();
    let bytes = p.snapshot(&mut other, &p.ana, p.headers.clone());
    assert!(matches!(verify(&bytes, 1, &p.roster), Verified::Valid(_)));
}

#[test]
fn malformed_snapshots_are_refused_without_a_panic() {
    let mut p = panel();
    let mut copy = p.doc.fork();
    let bytes = p.snapshot(&mut copy, &p.ana, p.headers.clone());
    for cut in [0, 1, 20, bytes.len() / 2, bytes.len() - 1] {
        assert!(matches!(verify(&bytes[..cut], 1, &p.roster), Verified::Refused { fault: SnapshotFault::Malformed(_), .. }));
    }
    // A save that is no document, correctly signed.
    let mut s = Snapshot::decode(&bytes).unwrap();
    s.save = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f];
    s.signature = p.ana.sign(&s.signed_bytes());
    assert_eq!(fault(verify(&s.encode(), 1, &p.roster)), SnapshotFault::BadDocument);
}

#[test]
fn a_members_run_sealed_in_another_panel_of_the_candidate_counts_while_it_is_a_member_here() {
    let mut p = panel();
    // Ben's newest run, as he signed it for another panel sharing this document.
    let other = [5; 16];
    let mine = p.headers.iter().find(|h| h.device == p.ben.public().signing).unwrap().clone();
    let hashes: Vec<ChangeHash> = mine.hashes.iter().map(|h| ChangeHash(*h)).collect();
    let body = Body { panel: other, document: doc_id(), kind: DocKind::Interview, device: mine.device, roster_head: [7; 32], seq: 9, changes: Vec::new(), run_digest: run_digest(hashes.iter()), signature: [0; 64] };
    let there = RunHeader { panel: other, roster_head: [7; 32], seq: 9, signature: p.ben.sign(&signed_bytes(&body)), ..mine };
    let headers: Vec<RunHeader> = p.headers.iter().filter(|h| h.device != there.device).cloned().chain([there.clone()]).collect();
    let mut copy = p.doc.fork();
    let bytes = p.snapshot(&mut copy, &p.ana, headers.clone());
    assert!(matches!(verify(&bytes, 1, &p.roster), Verified::Valid(_)));
    // Claimed for another panel but not signed for it: refused.
    let forged: Vec<RunHeader> = headers.iter().cloned().map(|mut h| {
        if h.device == there.device {
            h.panel = [6; 16];
        }
        h
    }).collect();
    let bytes = p.snapshot(&mut copy, &p.ana, forged);
    assert_eq!(fault(verify(&bytes, 1, &p.roster)), SnapshotFault::Unsigned(p.ben.public().fingerprint()));
    // Once Ben is removed here, only a run of this panel within his cutoff counts.
    let cutoffs = vec![(doc_id(), 2)];
    let e = Entry::sign(&p.ana, p.roster.head(), Action::Remove { device: p.ben.public().signing, cutoffs });
    p.roster.append(e).unwrap();
    let bytes = p.snapshot(&mut copy, &p.ana, headers);
    assert_eq!(fault(verify(&bytes, 1, &p.roster)), SnapshotFault::Unsigned(p.ben.public().fingerprint()));
    let bytes = p.snapshot(&mut copy, &p.ana, p.headers.clone());
    assert!(matches!(verify(&bytes, 1, &p.roster), Verified::Valid(_)));
}
