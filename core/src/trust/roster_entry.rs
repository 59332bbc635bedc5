//! One roster entry: what an admin's device did to a panel's membership, chained to the
//! entry before it by hash and signed by the device. The encoding is canonical (see `codec`)
//! because the signature and the hash cover its bytes.

use sha2::{Digest, Sha256};

use super::codec::{DecodeError, Reader, Writer};
use crate::ids::{DocumentId, InterviewerId};
use crate::keys::{DeviceKeys, DevicePublic};
use crate::model::DocKind;

pub type Hash = [u8; 32];

/// The parent named by a genesis entry: there is none.
pub const NO_PARENT: Hash = [0; 32];

/// Caps on what one entry may carry, checked before allocation.
pub const MAX_SEATS: usize = 32;
pub const MAX_DOCUMENTS: usize = 32;
pub const MAX_WRAPPED: usize = 64;
pub const MAX_LABEL: usize = 64;
pub const MAX_ENTRY: usize = 16 << 10;

/// A scheduled seat of the panel: one interviewer, who may be an admin (the lead, a deputy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seat {
    pub interviewer: InterviewerId,
    pub admin: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The panel's first entry, by the lead's device: the documents the panel covers, its
    /// seats, the lead's own seat and device, and the first epoch's secret wrapped to it.
    Genesis {
        panel: [u8; 16],
        documents: Vec<(DocumentId, DocKind)>,
        seats: Vec<Seat>,
        lead_seat: InterviewerId,
        lead_device: DevicePublic,
        lead_label: String,
        wrapped: Vec<u8>,
    },
    /// A device joins a seat, with the current epoch's secret wrapped to it (the welcome),
    /// and the earlier epochs' secrets too, so a panelist who joins late reads the notes
    /// written before.
    Admit { seat: InterviewerId, device: DevicePublic, label: String, wrapped: Vec<u8>, earlier: Vec<(u32, Vec<u8>)> },
    /// A device leaves. `cutoffs` is the last sequence number accepted from it per document:
    /// anything it signs after that is held, not applied.
    Remove { device: [u8; 32], cutoffs: Vec<(DocumentId, u64)> },
    /// A new epoch: a fresh secret wrapped to every device still admitted.
    NewEpoch { epoch: u32, wrapped: Vec<([u8; 32], Vec<u8>)> },
    /// Another device joins a seat that has one already (Ben's tablet next to his phone),
    /// with its welcome like `Admit`'s, countersigned by `countersigner`, a current device of
    /// that seat: an admin alone cannot give a seat a second voice (see `linking`).
    Link {
        seat: InterviewerId,
        device: DevicePublic,
        label: String,
        wrapped: Vec<u8>,
        earlier: Vec<(u32, Vec<u8>)>,
        countersigner: [u8; 32],
        countersignature: [u8; 64],
    },
    /// The lead moves to `seat`, whose current `device` becomes the lead's device; the new
    /// lead's seat becomes an admin seat. The old lead's seat stays an admin seat only with
    /// `keep_admin` (a lead who steps down usually hands over the panel, not shares it).
    TransferLead { seat: InterviewerId, device: [u8; 32], keep_admin: bool },
    /// An admin accepts what a removed device wrote to `document` up to sequence number
    /// `up_to`: its cutoff there moves up, and those held changes apply everywhere.
    AcceptHeld { device: [u8; 32], document: DocumentId, up_to: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub parent: Hash,
    /// The signing key of the device that wrote the entry.
    pub author: [u8; 32],
    pub action: Action,
    pub signature: [u8; 64],
}

const GENESIS: u8 = 1;
const ADMIT: u8 = 2;
const REMOVE: u8 = 3;
const NEW_EPOCH: u8 = 4;
const LINK: u8 = 5;
const TRANSFER_LEAD: u8 = 6;
const ACCEPT_HELD: u8 = 7;

fn kind_code(kind: DocKind) -> u8 {
    match kind {
        DocKind::Candidate => 1,
        DocKind::Interview => 2,
        DocKind::Template => 3,
        DocKind::Mailbox => 4,
    }
}

fn kind_from(code: u8) -> Result<DocKind, DecodeError> {
    match code {
        1 => Ok(DocKind::Candidate),
        2 => Ok(DocKind::Interview),
        3 => Ok(DocKind::Template),
        other => Err(DecodeError::Unknown { what: "document kind", value: other.into() }),
    }
}

pub(crate) fn write_kind(w: &mut Writer, kind: DocKind) {
    w.u8(kind_code(kind));
}

pub(crate) fn read_kind(r: &mut Reader) -> Result<DocKind, DecodeError> {
    kind_from(r.u8("document kind")?)
}

pub(crate) fn write_device(w: &mut Writer, d: &DevicePublic) {
    w.fixed(&d.signing).fixed(&d.agreement);
}

pub(crate) fn read_device(r: &mut Reader) -> Result<DevicePublic, DecodeError> {
    Ok(DevicePublic { signing: r.fixed("device key")?, agreement: r.fixed("device key")? })
}

fn read_interviewer(r: &mut Reader) -> Result<InterviewerId, DecodeError> {
    let raw = r.str("seat", 128)?;
    // Only an id exactly as written: one that normalises to another would give the entry
    // two encodings, and its hash and signature cover one.
    InterviewerId::new(raw).ok().filter(|id| id.as_str() == raw).ok_or(DecodeError::Invalid("seat"))
}

/// A flag as one byte, 0 or 1: one encoding per entry, as the hash and signature cover it.
fn read_flag(r: &mut Reader, what: &'static str) -> Result<bool, DecodeError> {
    match r.u8(what)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(DecodeError::Invalid(what)),
    }
}

fn write_earlier(w: &mut Writer, earlier: &[(u32, Vec<u8>)]) {
    w.u32(earlier.len() as u32);
    for (epoch, bytes) in earlier {
        w.u32(*epoch).bytes(bytes);
    }
}

fn read_earlier(r: &mut Reader) -> Result<Vec<(u32, Vec<u8>)>, DecodeError> {
    let n = r.count("earlier secrets", MAX_WRAPPED, 8)?;
    let mut earlier = Vec::with_capacity(n);
    for _ in 0..n {
        earlier.push((r.u32("epoch")?, r.bytes("wrapped secret", super::seal::WRAPPED_LEN)?.to_vec()));
    }
    Ok(earlier)
}

fn read_document(r: &mut Reader) -> Result<DocumentId, DecodeError> {
    Ok(DocumentId::from_bytes(r.fixed("document id")?))
}

impl Action {
    fn encode(&self, w: &mut Writer) {
        match self {
            Action::Genesis { panel, documents, seats, lead_seat, lead_device, lead_label, wrapped } => {
                w.u8(GENESIS).fixed(panel).u32(documents.len() as u32);
                for (id, kind) in documents {
                    w.fixed(id.as_bytes());
                    write_kind(w, *kind);
                }
                w.u32(seats.len() as u32);
                for s in seats {
                    w.str(s.interviewer.as_str()).u8(s.admin as u8);
                }
                w.str(lead_seat.as_str());
                write_device(w, lead_device);
                w.str(lead_label).bytes(wrapped);
            }
            Action::Admit { seat, device, label, wrapped, earlier } => {
                w.u8(ADMIT).str(seat.as_str());
                write_device(w, device);
                w.str(label).bytes(wrapped);
                write_earlier(w, earlier);
            }
            Action::Link { seat, device, label, wrapped, earlier, countersigner, countersignature } => {
                w.u8(LINK).str(seat.as_str());
                write_device(w, device);
                w.str(label).bytes(wrapped);
                write_earlier(w, earlier);
                w.fixed(countersigner).fixed(countersignature);
            }
            Action::TransferLead { seat, device, keep_admin } => {
                w.u8(TRANSFER_LEAD).str(seat.as_str()).fixed(device).u8(*keep_admin as u8);
            }
            Action::AcceptHeld { device, document, up_to } => {
                w.u8(ACCEPT_HELD).fixed(device).fixed(document.as_bytes()).u64(*up_to);
            }
            Action::Remove { device, cutoffs } => {
                w.u8(REMOVE).fixed(device).u32(cutoffs.len() as u32);
                for (id, seq) in cutoffs {
                    w.fixed(id.as_bytes()).u64(*seq);
                }
            }
            Action::NewEpoch { epoch, wrapped } => {
                w.u8(NEW_EPOCH).u32(*epoch).u32(wrapped.len() as u32);
                for (device, bytes) in wrapped {
                    w.fixed(device).bytes(bytes);
                }
            }
        }
    }

    fn decode(r: &mut Reader) -> Result<Action, DecodeError> {
        Ok(match r.u8("action")? {
            GENESIS => {
                let panel = r.fixed("panel id")?;
                let n = r.count("documents", MAX_DOCUMENTS, 17)?;
                let mut documents = Vec::with_capacity(n);
                for _ in 0..n {
                    documents.push((read_document(r)?, read_kind(r)?));
                }
                let n = r.count("seats", MAX_SEATS, 5)?;
                let mut seats = Vec::with_capacity(n);
                for _ in 0..n {
                    let interviewer = read_interviewer(r)?;
                    let admin = read_flag(r, "admin flag")?;
                    seats.push(Seat { interviewer, admin });
                }
                Action::Genesis {
                    panel,
                    documents,
                    seats,
                    lead_seat: read_interviewer(r)?,
                    lead_device: read_device(r)?,
                    lead_label: r.str("device label", MAX_LABEL)?.to_owned(),
                    wrapped: r.bytes("wrapped secret", super::seal::WRAPPED_LEN)?.to_vec(),
                }
            }
            ADMIT => {
                let seat = read_interviewer(r)?;
                let device = read_device(r)?;
                let label = r.str("device label", MAX_LABEL)?.to_owned();
                let wrapped = r.bytes("wrapped secret", super::seal::WRAPPED_LEN)?.to_vec();
                let earlier = read_earlier(r)?;
                Action::Admit { seat, device, label, wrapped, earlier }
            }
            LINK => {
                let seat = read_interviewer(r)?;
                let device = read_device(r)?;
                let label = r.str("device label", MAX_LABEL)?.to_owned();
                let wrapped = r.bytes("wrapped secret", super::seal::WRAPPED_LEN)?.to_vec();
                let earlier = read_earlier(r)?;
                let countersigner = r.fixed("countersigner")?;
                let countersignature = r.fixed("countersignature")?;
                Action::Link { seat, device, label, wrapped, earlier, countersigner, countersignature }
            }
            TRANSFER_LEAD => {
                let seat = read_interviewer(r)?;
                let device = r.fixed("device key")?;
                Action::TransferLead { seat, device, keep_admin: read_flag(r, "admin flag")? }
            }
            ACCEPT_HELD => Action::AcceptHeld { device: r.fixed("device key")?, document: read_document(r)?, up_to: r.u64("sequence number")? },
            REMOVE => {
                let device = r.fixed("device key")?;
                let n = r.count("cutoffs", MAX_DOCUMENTS, 24)?;
                let mut cutoffs = Vec::with_capacity(n);
                for _ in 0..n {
                    cutoffs.push((read_document(r)?, r.u64("sequence number")?));
                }
                Action::Remove { device, cutoffs }
            }
            NEW_EPOCH => {
                let epoch = r.u32("epoch")?;
                let n = r.count("wrapped secrets", MAX_WRAPPED, 36)?;
                let mut wrapped = Vec::with_capacity(n);
                for _ in 0..n {
                    wrapped.push((r.fixed("device key")?, r.bytes("wrapped secret", super::seal::WRAPPED_LEN)?.to_vec()));
                }
                Action::NewEpoch { epoch, wrapped }
            }
            other => return Err(DecodeError::Unknown { what: "roster action", value: other.into() }),
        })
    }
}

impl Entry {
    fn signed_bytes(parent: &Hash, author: &[u8; 32], action: &Action) -> Vec<u8> {
        let mut w = Writer::new();
        w.fixed(b"panelnotes roster v1\0").fixed(parent).fixed(author);
        action.encode(&mut w);
        w.finish()
    }

    /// `action` on top of `parent`, signed by `keys`.
    pub fn sign(keys: &DeviceKeys, parent: Hash, action: Action) -> Entry {
        let author = keys.public().signing;
        let signature = keys.sign(&Self::signed_bytes(&parent, &author, &action));
        Entry { parent, author, action, signature }
    }

    /// Whether the author's key signed exactly this entry. Who the author may be is the
    /// roster's question, not this one's.
    pub fn signature_valid(&self) -> bool {
        let key = DevicePublic { signing: self.author, agreement: [0; 32] };
        key.verify(&Self::signed_bytes(&self.parent, &self.author, &self.action), &self.signature)
    }

    pub fn hash(&self) -> Hash {
        Sha256::new().chain_update(self.encode()).finalize().into()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.fixed(&self.parent).fixed(&self.author);
        self.action.encode(&mut w);
        w.fixed(&self.signature);
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Entry, DecodeError> {
        if bytes.len() > MAX_ENTRY {
            return Err(DecodeError::TooLong { what: "roster entry", size: bytes.len(), max: MAX_ENTRY });
        }
        let mut r = Reader::new(bytes);
        let parent = r.fixed("parent")?;
        let author = r.fixed("author")?;
        let action = Action::decode(&mut r)?;
        let signature = r.fixed("signature")?;
        r.end()?;
        Ok(Entry { parent, author, action, signature })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_signatures_cover_every_byte() {
        let lead = DeviceKeys::from_secret(&[1; crate::keys::STORED_LEN]);
        let ben = DeviceKeys::from_secret(&[2; crate::keys::STORED_LEN]);
        let e = Entry::sign(
            &lead,
            [7; 32],
            Action::Admit { seat: InterviewerId::new("ben").unwrap(), device: ben.public(), label: "Pixel 8".into(), wrapped: vec![1; 8], earlier: vec![(0, vec![2; 8])] },
        );
        assert!(e.signature_valid());
        let bytes = e.encode();
        assert_eq!(Entry::decode(&bytes).unwrap(), e);
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            if let Ok(d) = Entry::decode(&b) {
                assert!(!d.signature_valid() || d == e, "flipping byte {i} kept a valid signature");
            }
        }
        assert!(Entry::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(Entry::decode(&longer), Err(DecodeError::Trailing(1))));
    }
}
