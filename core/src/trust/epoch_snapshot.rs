//! The snapshot an epoch starts from (ARCHITECTURE.md, "Outboxes on the relay"): per panel
//! document, an admin's `save()` plus each member actor's latest signed run header, sealed
//! under the new epoch's secret and posted in the admin's new outbox. A phone that accepts
//! it needs none of the older epochs' outboxes.
//!
//! What a receiver checks, with one signature per actor rather than one per run:
//! - the snapshot is signed by a device that is an admin at the roster prefix it names and is
//!   still current, for this panel, epoch, document and kind;
//! - the saved document loads within the caps and has exactly the heads signed;
//! - every actor that is a member device of the panel (admins included, the signer too) has
//!   a run header its device signed, for this document, at a prefix where it was a member
//!   (and at or before its removal cutoff; or, for a run sealed in another panel of the same
//!   candidate, while it is a current member here), and the actor's newest change in the
//!   document is one of that run's hashes: nothing past the signed run;
//! - each member actor's changes carry sequence numbers 1..=n once each, and every one lies
//!   in the causal past of a member's signed change: a change hashes its dependencies, so a
//!   member's signature fixes everything it built on, and an altered, added or dropped
//!   change of a member's changes one of those hashes and fails the check.
//!
//! Changes by actors that are no device of this panel (other panels of the same candidate,
//! history from before the roster) are vouched for by the signing admin, exactly as an
//! admin's envelope may carry them. Write rules are not traced again here: a member's chain
//! ends at a run it signed and every honest phone checked when it arrived, and an admin
//! writes every field anyway.

use std::collections::{BTreeMap, HashMap, HashSet};

use automerge::{AutoCommit, ChangeHash};
use sha2::{Digest, Sha256};

use super::codec::{DecodeError, Reader, Writer};
use super::envelope::{run_digest, signed_bytes, Body};
use super::roster::{Hash, Roster};
use super::roster_entry::{read_kind, write_kind};
use crate::ids::DocumentId;
use crate::keys::{DeviceKeys, DevicePublic};
use crate::model::DocKind;

/// The most bytes a snapshot's saved document may have, and the most run headers and hashes
/// per header (a run is at most 512 changes when sealed here; 4096 as for envelopes).
pub const MAX_SAVE: usize = 8 << 20;
pub const MAX_HEADERS: usize = 256;
const MAX_RUN: usize = super::envelope::MAX_CHANGES;
const MAX_HEADS: usize = 1024;

/// The signed fields of a device's envelope and the hashes of its run: enough to check the
/// signature without the changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunHeader {
    /// The panel the run was sealed for: a candidate's document is shared by its panels, and
    /// a member's newest run to it may have travelled in another of them.
    pub panel: [u8; 16],
    pub device: [u8; 32],
    pub roster_head: Hash,
    pub seq: u64,
    pub hashes: Vec<[u8; 32]>,
    pub signature: [u8; 64],
}

impl RunHeader {
    /// The header of an envelope that was opened (its changes' hashes in order).
    pub fn of(body: &Body, hashes: &[ChangeHash]) -> RunHeader {
        RunHeader { panel: body.panel, device: body.device, roster_head: body.roster_head, seq: body.seq, hashes: hashes.iter().map(|h| h.0).collect(), signature: body.signature }
    }

    /// Whether the device signed this run of `document`.
    pub fn signature_valid(&self, document: DocumentId, kind: DocKind) -> bool {
        let hashes: Vec<ChangeHash> = self.hashes.iter().map(|h| ChangeHash(*h)).collect();
        let body = Body {
            panel: self.panel,
            document,
            kind,
            device: self.device,
            roster_head: self.roster_head,
            seq: self.seq,
            changes: Vec::new(),
            run_digest: run_digest(hashes.iter()),
            signature: self.signature,
        };
        DevicePublic { signing: self.device, agreement: [0; 32] }.verify(&signed_bytes(&body), &self.signature)
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.fixed(&self.panel).fixed(&self.device).fixed(&self.roster_head).u64(self.seq).u32(self.hashes.len() as u32);
        for h in &self.hashes {
            w.fixed(h);
        }
        w.fixed(&self.signature);
    }

    pub(crate) fn decode(r: &mut Reader) -> Result<RunHeader, DecodeError> {
        let panel = r.fixed("panel id")?;
        let device = r.fixed("device key")?;
        let roster_head = r.fixed("roster head")?;
        let seq = r.u64("sequence number")?;
        let n = r.count("run hashes", MAX_RUN, 32)?;
        let mut hashes = Vec::with_capacity(n);
        for _ in 0..n {
            hashes.push(r.fixed("change hash")?);
        }
        Ok(RunHeader { panel, device, roster_head, seq, hashes, signature: r.fixed("signature")? })
    }
}

/// One document's snapshot, as an admin signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub panel: [u8; 16],
    pub epoch: u32,
    pub document: DocumentId,
    pub kind: DocKind,
    pub roster_head: Hash,
    pub signer: [u8; 32],
    pub heads: Vec<[u8; 32]>,
    pub save: Vec<u8>,
    pub headers: Vec<RunHeader>,
    pub signature: [u8; 64],
}

impl Snapshot {
    fn signed_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.fixed(b"panelnotes snapshot v1\0").fixed(&self.panel).u32(self.epoch).fixed(self.document.as_bytes());
        write_kind(&mut w, self.kind);
        w.fixed(&self.roster_head).fixed(&self.signer).u32(self.heads.len() as u32);
        for h in &self.heads {
            w.fixed(h);
        }
        let save: [u8; 32] = Sha256::digest(&self.save).into();
        w.fixed(&save);
        let mut hw = Writer::new();
        for h in &self.headers {
            h.encode(&mut hw);
        }
        let headers: [u8; 32] = Sha256::digest(hw.finish()).into();
        w.fixed(&headers);
        w.finish()
    }

    /// Signs a snapshot of `doc` (the admin's copy) with the given run headers.
    #[allow(clippy::too_many_arguments)]
    pub fn sign(keys: &DeviceKeys, panel: [u8; 16], epoch: u32, document: DocumentId, kind: DocKind, roster_head: Hash, doc: &mut AutoCommit, headers: Vec<RunHeader>) -> Snapshot {
        let mut heads: Vec<[u8; 32]> = doc.get_heads().iter().map(|h| h.0).collect();
        heads.sort();
        let mut s = Snapshot { panel, epoch, document, kind, roster_head, signer: keys.public().signing, heads, save: doc.save(), headers, signature: [0; 64] };
        s.signature = keys.sign(&s.signed_bytes());
        s
    }

    /// The same snapshot, signed by `keys` as it now stands.
    pub fn signed(mut self, keys: &DeviceKeys) -> Snapshot {
        self.signer = keys.public().signing;
        self.signature = keys.sign(&self.signed_bytes());
        self
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.fixed(&self.panel).u32(self.epoch).fixed(self.document.as_bytes());
        write_kind(&mut w, self.kind);
        w.fixed(&self.roster_head).fixed(&self.signer).u32(self.heads.len() as u32);
        for h in &self.heads {
            w.fixed(h);
        }
        w.bytes(&self.save).u32(self.headers.len() as u32);
        for h in &self.headers {
            h.encode(&mut w);
        }
        w.fixed(&self.signature);
        w.finish()
    }

    /// A snapshot from bytes an admin's outbox held: hostile until `verify` says otherwise.
    pub fn decode(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
        let mut r = Reader::new(bytes);
        let panel = r.fixed("panel id")?;
        let epoch = r.u32("epoch")?;
        let document = DocumentId::from_bytes(r.fixed("document id")?);
        let kind = read_kind(&mut r)?;
        let roster_head = r.fixed("roster head")?;
        let signer = r.fixed("signer")?;
        let n = r.count("heads", MAX_HEADS, 32)?;
        let mut heads = Vec::with_capacity(n);
        for _ in 0..n {
            heads.push(r.fixed("head")?);
        }
        let save = r.bytes("saved document", MAX_SAVE)?.to_vec();
        let n = r.count("run headers", MAX_HEADERS, 16 + 32 + 32 + 8 + 4 + 64)?;
        let mut headers = Vec::with_capacity(n);
        for _ in 0..n {
            headers.push(RunHeader::decode(&mut r)?);
        }
        let signature = r.fixed("signature")?;
        r.end()?;
        Ok(Snapshot { panel, epoch, document, kind, roster_head, signer, heads, save, headers, signature })
    }
}

/// Why a snapshot was refused. Names devices by fingerprint, never content.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotFault {
    #[error("the snapshot is malformed: {0}")]
    Malformed(DecodeError),
    #[error("the snapshot is for another panel, epoch or document")]
    Misaddressed,
    #[error("the snapshot's signature is not device {0}'s")]
    BadSignature(String),
    #[error("device {0} is not a current admin of the panel")]
    NotAdmin(String),
    #[error("the saved document does not load, or its heads are not the signed ones")]
    BadDocument,
    #[error("device {0} signed no run that ends its changes in the snapshot")]
    Unsigned(String),
    #[error("device {0}'s changes in the snapshot are not the ones it signed")]
    Altered(String),
}

/// What `verify` needs from the phone: its roster, and whether it knows a roster prefix yet.
pub enum Verified {
    Valid(Box<(Snapshot, AutoCommit)>),
    /// The snapshot names a roster prefix this phone has not seen: try again later.
    UnknownRoster,
    Refused { signer: Option<String>, fault: SnapshotFault },
}

fn fp(k: &[u8; 32]) -> String {
    DevicePublic { signing: *k, agreement: [0; 32] }.fingerprint()
}

/// Checks a decoded snapshot of `epoch` against the roster (see the module's notes).
pub fn verify(bytes: &[u8], epoch: u32, roster: &Roster) -> Verified {
    let s = match Snapshot::decode(bytes) {
        Ok(s) => s,
        Err(e) => return Verified::Refused { signer: None, fault: SnapshotFault::Malformed(e) },
    };
    let refuse = |signer: &[u8; 32], fault| Verified::Refused { signer: Some(fp(signer)), fault };
    let now = roster.state();
    if s.panel != now.panel || s.epoch != epoch || now.documents.get(&s.document) != Some(&s.kind) {
        return refuse(&s.signer, SnapshotFault::Misaddressed);
    }
    if !(DevicePublic { signing: s.signer, agreement: [0; 32] }).verify(&s.signed_bytes(), &s.signature) {
        return refuse(&s.signer, SnapshotFault::BadSignature(fp(&s.signer)));
    }
    // Only a current admin's snapshot may wait for a roster prefix: anyone else's would hold
    // up the outbox it sits in for good.
    if !now.is_admin(&s.signer) {
        return refuse(&s.signer, SnapshotFault::NotAdmin(fp(&s.signer)));
    }
    let Some(at) = roster.state_at(&s.roster_head) else { return Verified::UnknownRoster };
    if !at.is_admin(&s.signer) {
        return refuse(&s.signer, SnapshotFault::NotAdmin(fp(&s.signer)));
    }
    let Some(mut doc) = load(&s.save) else { return refuse(&s.signer, SnapshotFault::BadDocument) };
    let mut heads: Vec<[u8; 32]> = doc.get_heads().iter().map(|h| h.0).collect();
    heads.sort();
    if heads != s.heads {
        return refuse(&s.signer, SnapshotFault::BadDocument);
    }
    match check_actors(&s, &mut doc, roster) {
        Ok(()) => Verified::Valid(Box::new((s, doc))),
        Err(fault) => refuse(&s.signer, fault),
    }
}

/// The sorted heads of a saved document, if it loads within the caps.
pub fn saved_heads(save: &[u8]) -> Option<Vec<[u8; 32]>> {
    let mut heads: Vec<[u8; 32]> = load(save)?.get_heads().iter().map(|h| h.0).collect();
    heads.sort();
    Some(heads)
}

/// Loads a saved document within the caps; `None` for anything automerge or the guard refuse.
fn load(save: &[u8]) -> Option<AutoCommit> {
    crate::store::load_untrusted(save)
}

/// Per member actor: a signed run ends its chain, its sequence numbers are 1..=n once each,
/// and its changes lie under members' signed changes.
fn check_actors(s: &Snapshot, doc: &mut AutoCommit, roster: &Roster) -> Result<(), SnapshotFault> {
    let now = roster.state();
    let devices: HashMap<automerge::ActorId, &super::roster::Member> = now.members.values().map(|m| (m.device.actor(), m)).collect();
    let changes = doc.get_changes(&[]);
    // actor -> (seqs seen, newest change)
    let mut by_actor: HashMap<automerge::ActorId, (HashSet<u64>, u64, ChangeHash)> = HashMap::new();
    let mut deps: HashMap<ChangeHash, Vec<ChangeHash>> = HashMap::with_capacity(changes.len());
    for c in &changes {
        deps.insert(c.hash(), c.deps().to_vec());
        if !devices.contains_key(c.actor_id()) {
            continue;
        }
        let e = by_actor.entry(c.actor_id().clone()).or_insert_with(|| (HashSet::new(), 0, c.hash()));
        let device = devices[c.actor_id()].device.signing;
        if !e.0.insert(c.seq()) {
            return Err(SnapshotFault::Altered(fp(&device)));
        }
        if c.seq() > e.1 {
            e.1 = c.seq();
            e.2 = c.hash();
        }
    }
    let headers: BTreeMap<[u8; 32], &RunHeader> = s.headers.iter().map(|h| (h.device, h)).collect();
    let mut signed_tops = Vec::with_capacity(by_actor.len());
    for (actor, (seqs, top_seq, top)) in &by_actor {
        let member = devices[actor];
        let device = member.device.signing;
        if seqs.len() as u64 != *top_seq {
            return Err(SnapshotFault::Altered(fp(&device)));
        }
        let Some(h) = headers.get(&device) else { return Err(SnapshotFault::Unsigned(fp(&device))) };
        // A run sealed for another panel of the same document proves what the device wrote;
        // it counts for a device that is a current member here (its roster is not ours to read).
        let was_member = if h.panel == s.panel {
            roster.state_at(&h.roster_head).is_some_and(|st| st.current(&device).is_some())
        } else {
            now.current(&device).is_some()
        };
        let within_cutoff = match &member.removed {
            Some(cutoffs) => h.seq <= cutoffs.get(&s.document).copied().unwrap_or(0),
            None => true,
        };
        if !was_member || !within_cutoff || !h.signature_valid(s.document, s.kind) {
            return Err(SnapshotFault::Unsigned(fp(&device)));
        }
        if !h.hashes.contains(&top.0) {
            return Err(SnapshotFault::Altered(fp(&device)));
        }
        signed_tops.push(*top);
    }
    // Everything a member's signed change builds on, walked once over the whole history.
    let mut under: HashSet<ChangeHash> = HashSet::with_capacity(changes.len());
    let mut stack = signed_tops;
    while let Some(h) = stack.pop() {
        if under.insert(h) {
            stack.extend(deps.get(&h).into_iter().flatten().copied());
        }
    }
    for c in &changes {
        if let Some(m) = devices.get(c.actor_id()) {
            if !under.contains(&c.hash()) {
                return Err(SnapshotFault::Altered(fp(&m.device.signing)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "epoch_snapshot_tests.rs"]
mod tests;
