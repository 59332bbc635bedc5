//! Envelopes: how a device's changes leave it (ARCHITECTURE.md, "Trust"). In clear only the
//! version, the epoch and the nonce; sealed under the epoch's secret: the panel, document
//! and kind, the author's device, the roster head it wrote under, its sequence number, the
//! run of its changes, and its Ed25519 signature over all of that and the run's last change
//! hash, so an envelope cannot be replayed into another panel, document or position.
//!
//! Opening checks, in order: it decrypts, the signature is the claimed device's, the roster
//! prefix it names is known (else it is held, never rejected), the device is a member there,
//! the document is the panel's with that kind, every change is the device's own and the run
//! is the signed one. Write rules come after, against the document (`rules`).

use automerge::{Change, ChangeHash};
use sha2::{Digest, Sha256};

use super::codec::{DecodeError, Reader, Writer};
use super::roster::{Hash, Roster};
use super::roster_entry::{read_kind, write_kind};
use super::rules::Role;
use super::seal::{Secret, NONCE_LEN};
use crate::ids::DocumentId;
use crate::keys::{DeviceKeys, DevicePublic};
use crate::model::DocKind;

pub const VERSION: u8 = 1;
/// The most bytes one envelope may carry, and the most changes in one run.
pub const MAX_ENVELOPE: usize = 8 << 20;
pub const MAX_CHANGES: usize = 4096;
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;

/// What the author signed and sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub panel: [u8; 16],
    pub document: DocumentId,
    pub kind: DocKind,
    pub device: [u8; 32],
    pub roster_head: Hash,
    pub seq: u64,
    /// Each change's bytes, oldest first.
    pub changes: Vec<Vec<u8>>,
    /// A digest of the run's change hashes in order: the signature covers every change,
    /// so a member who holds the secret cannot slip a change into a colleague's run.
    pub run_digest: [u8; 32],
    pub signature: [u8; 64],
}

/// The digest a run's signature covers.
pub fn run_digest<'a>(hashes: impl IntoIterator<Item = &'a ChangeHash>) -> [u8; 32] {
    let mut h = Sha256::new().chain_update(b"panelnotes run v1\0");
    for c in hashes {
        h.update(c.0);
    }
    h.finalize().into()
}

pub(crate) fn signed_bytes(b: &Body) -> Vec<u8> {
    let mut w = Writer::new();
    w.fixed(b"panelnotes envelope v1\0").fixed(&b.panel).fixed(b.document.as_bytes());
    write_kind(&mut w, b.kind);
    w.fixed(&b.device).fixed(&b.roster_head).u64(b.seq).fixed(&b.run_digest);
    w.finish()
}

impl Body {
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.fixed(&self.panel).fixed(self.document.as_bytes());
        write_kind(&mut w, self.kind);
        w.fixed(&self.device).fixed(&self.roster_head).u64(self.seq).bytes(&pack(&self.changes));
        w.fixed(&self.run_digest).fixed(&self.signature);
        w.finish()
    }

    fn decode(bytes: &[u8]) -> Result<Body, DecodeError> {
        let mut r = Reader::new(bytes);
        let panel = r.fixed("panel id")?;
        let document = DocumentId::from_bytes(r.fixed("document id")?);
        let kind = read_kind(&mut r)?;
        let device = r.fixed("device key")?;
        let roster_head = r.fixed("roster head")?;
        let seq = r.u64("sequence number")?;
        let changes = unpack(r.bytes("changes", MAX_ENVELOPE)?)?;
        let body = Body { panel, document, kind, device, roster_head, seq, changes, run_digest: r.fixed("run digest")?, signature: r.fixed("signature")? };
        r.end()?;
        Ok(body)
    }

    /// A digest of the whole body: two envelopes with one (device, document, sequence
    /// number) and different digests are equivocation.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::new().chain_update(self.encode()).finalize().into()
    }
}

/// A run's changes, length-prefixed and deflated as one: a fold's small changes repeat their
/// actor and much else, which Automerge's own per-change compression (only for large
/// changes) does not remove.
fn pack(changes: &[Vec<u8>]) -> Vec<u8> {
    use std::io::Write;
    let mut w = Writer::new();
    w.u32(changes.len() as u32);
    for c in changes {
        w.bytes(c);
    }
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&w.finish()).expect("writing to memory");
    z.finish().expect("writing to memory")
}

/// The changes `pack` made, inflating at most `MAX_ENVELOPE` bytes: a deflate bomb is refused,
/// never allocated.
fn unpack(packed: &[u8]) -> Result<Vec<Vec<u8>>, DecodeError> {
    use std::io::Read;
    let mut run = Vec::new();
    flate2::read::DeflateDecoder::new(packed)
        .take(MAX_ENVELOPE as u64 + 1)
        .read_to_end(&mut run)
        .map_err(|_| DecodeError::Invalid("compressed changes"))?;
    if run.len() > MAX_ENVELOPE {
        return Err(DecodeError::TooLong { what: "changes", size: run.len(), max: MAX_ENVELOPE });
    }
    let mut r = Reader::new(&run);
    let n = r.count("changes", MAX_CHANGES, 4)?;
    let mut changes = Vec::with_capacity(n);
    for _ in 0..n {
        changes.push(r.bytes("change", MAX_ENVELOPE)?.to_vec());
    }
    r.end()?;
    Ok(changes)
}

/// Seals a run of `keys`' own changes to `document`. `nonce` is fresh randomness.
#[allow(clippy::too_many_arguments)]
pub fn seal(
    keys: &DeviceKeys,
    secret: &Secret,
    epoch: u32,
    panel: [u8; 16],
    document: DocumentId,
    kind: DocKind,
    roster_head: Hash,
    seq: u64,
    run: &mut [Change],
    nonce: [u8; NONCE_LEN],
) -> Vec<u8> {
    let digest = run_digest(run.iter().map(|c| c.hash()).collect::<Vec<_>>().iter());
    // Uncompressed: the run is deflated as one (`pack`), and deflating changes that automerge
    // already deflated one by one gains nothing (measured: the outboxes took 4.2× the saved
    // documents that way).
    let changes = run.iter().map(|c| c.raw_bytes().to_vec()).collect();
    let mut body = Body { panel, document, kind, device: keys.public().signing, roster_head, seq, changes, run_digest: digest, signature: [0; 64] };
    body.signature = keys.sign(&signed_bytes(&body));
    let mut out = Vec::new();
    out.push(VERSION);
    out.extend_from_slice(&epoch.to_le_bytes());
    out.extend_from_slice(&nonce);
    let aad = out.clone();
    out.extend_from_slice(&secret.derive("envelope", &panel).seal(&nonce, &aad, &body.encode()));
    out
}

/// The clear header: which epoch's secret opens the envelope.
pub fn epoch_of(bytes: &[u8]) -> Result<u32, DecodeError> {
    let mut r = Reader::new(bytes);
    if r.u8("version")? != VERSION {
        return Err(DecodeError::Invalid("envelope version"));
    }
    r.u32("epoch")
}

/// Why an envelope waits: it may become valid once the phone learns more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hold {
    /// Sealed under an epoch whose secret this phone does not have yet.
    UnknownEpoch(u32),
    /// Written under a roster prefix this phone has not seen yet.
    UnknownRosterHead,
    /// From a removed device, after its cutoff.
    AfterRemoval { device: String },
    /// A change it builds on has not arrived yet.
    MissingDependencies,
    /// Too many envelopes are waiting already; this one was dropped, and will come again
    /// from its outbox.
    QueueFull,
}

/// Why an envelope was refused. Names the device (by fingerprint) when it is known who
/// signed, never what the envelope held.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the envelope is malformed: {0}")]
    Malformed(DecodeError),
    #[error("the envelope does not open with this panel's secret")]
    Undecryptable,
    #[error("the envelope's signature is not device {0}'s")]
    BadSignature(String),
    #[error("the envelope is for another panel")]
    WrongPanel,
    #[error("device {0} is not a member of the panel")]
    NotMember(String),
    #[error("device {device} wrote to a document that is not the panel's, or as the wrong kind")]
    NotInPanel { device: String },
    #[error("device {device} sent a change that is not its own or is unreadable")]
    ForeignChange { device: String },
    #[error("device {device}'s run is not the run it signed")]
    RunMismatch { device: String },
    #[error("device {device} broke a write rule: {violation}")]
    Rule { device: String, violation: super::rules::Violation },
    #[error("device {device} signed two different envelopes with sequence number {seq}")]
    Equivocation { device: String, seq: u64 },
    /// The panel or the document was erased on this device: refused forever.
    #[error("the envelope is about something erased here")]
    Erased,
}

/// An envelope that passed every check that does not need the document.
#[derive(Debug)]
pub struct Opened {
    pub body: Body,
    pub author: DevicePublic,
    pub role: Role,
    pub changes: Vec<Change>,
}

pub enum Verdict {
    Open(Box<Opened>),
    Hold(Hold),
    Reject(Rejection),
}

fn fingerprint(signing: &[u8; 32]) -> String {
    DevicePublic { signing: *signing, agreement: [0; 32] }.fingerprint()
}

/// Opens and checks an envelope against a panel's roster. `secret` gives the panel's secret
/// for an epoch, when this phone has it.
pub fn open(bytes: &[u8], roster: &Roster, secret: impl Fn(u32) -> Option<Secret>) -> Verdict {
    open_checked(bytes, roster, secret, false)
}

/// Opens an envelope of a removed device's held after its cutoff, for release: every check
/// but the cutoff (`release`: a current member's valid change depends on it).
pub fn open_released(bytes: &[u8], roster: &Roster, secret: impl Fn(u32) -> Option<Secret>) -> Verdict {
    open_checked(bytes, roster, secret, true)
}

fn open_checked(bytes: &[u8], roster: &Roster, secret: impl Fn(u32) -> Option<Secret>, released: bool) -> Verdict {
    if bytes.len() > MAX_ENVELOPE {
        return Verdict::Reject(Rejection::Malformed(DecodeError::TooLong { what: "envelope", size: bytes.len(), max: MAX_ENVELOPE }));
    }
    let epoch = match epoch_of(bytes) {
        Ok(e) => e,
        Err(e) => return Verdict::Reject(Rejection::Malformed(e)),
    };
    if bytes.len() < HEADER_LEN {
        return Verdict::Reject(Rejection::Malformed(DecodeError::Truncated("nonce")));
    }
    let Some(secret) = secret(epoch) else { return Verdict::Hold(Hold::UnknownEpoch(epoch)) };
    let (header, sealed) = bytes.split_at(HEADER_LEN);
    let nonce: [u8; NONCE_LEN] = header[5..].try_into().expect("header length");
    let panel = roster.state().panel;
    let Some(plain) = secret.derive("envelope", &panel).open(&nonce, header, sealed) else {
        return Verdict::Reject(Rejection::Undecryptable);
    };
    let body = match Body::decode(&plain) {
        Ok(b) => b,
        Err(e) => return Verdict::Reject(Rejection::Malformed(e)),
    };
    let device = fingerprint(&body.device);
    let claimed = DevicePublic { signing: body.device, agreement: [0; 32] };
    if !claimed.verify(&signed_bytes(&body), &body.signature) {
        return Verdict::Reject(Rejection::BadSignature(device));
    }
    if body.panel != panel {
        return Verdict::Reject(Rejection::WrongPanel);
    }
    let Some(state) = roster.state_at(&body.roster_head) else { return Verdict::Hold(Hold::UnknownRosterHead) };
    let Some(member) = state.current(&body.device) else { return Verdict::Reject(Rejection::NotMember(device)) };
    // A removal the author had not seen yet still applies: what it signs after its cutoff
    // waits until a current member's change shows it was accepted.
    if let Some(Some(cutoffs)) = roster.state().members.get(&body.device).map(|m| m.removed.as_ref()).filter(|_| !released) {
        if body.seq > cutoffs.get(&body.document).copied().unwrap_or(0) {
            return Verdict::Hold(Hold::AfterRemoval { device });
        }
    }
    if state.documents.get(&body.document) != Some(&body.kind) {
        return Verdict::Reject(Rejection::NotInPanel { device });
    }
    let author = member.device;
    let role = if state.is_admin(&body.device) { Role::Admin } else { Role::Member { seat: member.seat.clone() } };
    let actor = author.actor();
    // An admin may vouch for changes by devices this panel does not have (see `delivery`);
    // a member's change reaches the panel only signed by that member.
    let members: std::collections::HashSet<automerge::ActorId> = state.members.values().map(|m| m.device.actor()).collect();
    let vouches = role == Role::Admin;
    let mut changes = Vec::with_capacity(body.changes.len());
    for raw in &body.changes {
        match Change::from_bytes(raw.clone()) {
            Ok(c) if *c.actor_id() == actor || (vouches && !members.contains(c.actor_id())) => changes.push(c),
            _ => return Verdict::Reject(Rejection::ForeignChange { device }),
        }
    }
    let hashes: Vec<ChangeHash> = changes.iter().map(|c| c.hash()).collect();
    if changes.is_empty() || run_digest(hashes.iter()) != body.run_digest {
        return Verdict::Reject(Rejection::RunMismatch { device });
    }
    Verdict::Open(Box::new(Opened { body, author, role, changes }))
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
