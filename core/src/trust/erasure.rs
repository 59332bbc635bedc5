//! The signed erasure record and its acknowledgement (ARCHITECTURE.md, "Trust" → "Erasure").
//! A record names ids only (the candidate, its documents, the rosters of its panels), the
//! admin's device that signed it and when; every member that holds one of those rosters
//! checks the signer is an admin there before it purges. An acknowledgement says one device
//! purged. Both use trust's canonical codec, so a signature covers exactly one spelling.

use super::codec::{Reader, Writer};
use super::roster::Hash;
use super::DecodeError;
use crate::ids::DocumentId;
use crate::keys::{DeviceKeys, DevicePublic};

const RECORD_MAGIC: &[u8; 4] = b"PNER";
const ACK_MAGIC: &[u8; 4] = b"PNEA";
const VERSION: u8 = 1;
/// A candidate's documents: the candidate document and its interviews.
pub const MAX_DOCUMENTS: usize = 256;
/// The rosters of a candidate's panels.
pub const MAX_PANELS: usize = 64;
/// No well-formed record is longer: header, ids, signer, time, signature.
pub const MAX_RECORD: usize = 4 + 1 + 16 + 4 + MAX_DOCUMENTS * 16 + 4 + MAX_PANELS * 32 + 32 + 8 + 64;
pub const ACK_LEN: usize = 4 + 1 + 16 + 32 + 8 + 64;

/// Who erased which ids, when. Holds no names and no content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErasureRecord {
    pub candidate: DocumentId,
    /// The candidate document first, then its interviews.
    pub documents: Vec<DocumentId>,
    /// Genesis hashes of the candidate's panels' rosters.
    pub panels: Vec<Hash>,
    /// The signing key of the admin's device.
    pub signer: [u8; 32],
    pub at_ms: i64,
    pub signature: [u8; 64],
}

/// One device's word that it purged the candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErasureAck {
    pub candidate: DocumentId,
    pub device: [u8; 32],
    pub at_ms: i64,
    pub signature: [u8; 64],
}

fn signed_record(candidate: &DocumentId, documents: &[DocumentId], panels: &[Hash], signer: &[u8; 32], at_ms: i64) -> Vec<u8> {
    let mut w = Writer::new();
    w.fixed(RECORD_MAGIC).u8(VERSION).fixed(candidate.as_bytes());
    w.u32(documents.len() as u32);
    for d in documents {
        w.fixed(d.as_bytes());
    }
    w.u32(panels.len() as u32);
    for p in panels {
        w.fixed(p);
    }
    w.fixed(signer).u64(at_ms as u64);
    w.finish()
}

impl ErasureRecord {
    /// Signs a record as `keys`' device. Callers pass at most the maxima; more is cut, never
    /// encoded in a form the decoder would refuse.
    pub fn sign(keys: &DeviceKeys, candidate: DocumentId, mut documents: Vec<DocumentId>, mut panels: Vec<Hash>, at_ms: i64) -> ErasureRecord {
        documents.truncate(MAX_DOCUMENTS);
        panels.truncate(MAX_PANELS);
        let signer = keys.public().signing;
        let signature = keys.sign(&signed_record(&candidate, &documents, &panels, &signer, at_ms));
        ErasureRecord { candidate, documents, panels, signer, at_ms, signature }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = signed_record(&self.candidate, &self.documents, &self.panels, &self.signer, self.at_ms);
        out.extend_from_slice(&self.signature);
        out
    }

    /// Reads a record from a peer. Checks the form only; `verify` checks the signature and
    /// the caller checks the signer against its roster.
    pub fn decode(bytes: &[u8]) -> Result<ErasureRecord, DecodeError> {
        if bytes.len() > MAX_RECORD {
            return Err(DecodeError::TooLong { what: "erasure record", size: bytes.len(), max: MAX_RECORD });
        }
        let mut r = Reader::new(bytes);
        r.header(RECORD_MAGIC, VERSION, "erasure record header")?;
        let candidate = DocumentId::from_bytes(r.fixed("erased candidate")?);
        let n = r.count("erased documents", MAX_DOCUMENTS, 16)?;
        let mut documents = Vec::with_capacity(n);
        for _ in 0..n {
            documents.push(DocumentId::from_bytes(r.fixed("erased document")?));
        }
        let n = r.count("erased panels", MAX_PANELS, 32)?;
        let mut panels = Vec::with_capacity(n);
        for _ in 0..n {
            panels.push(r.fixed("erased panel")?);
        }
        let signer = r.fixed("erasure signer")?;
        let at_ms = r.u64("erasure time")? as i64;
        let signature = r.fixed("erasure signature")?;
        r.end()?;
        if documents.first() != Some(&candidate) {
            return Err(DecodeError::Invalid("erased documents (the candidate comes first)"));
        }
        Ok(ErasureRecord { candidate, documents, panels, signer, at_ms, signature })
    }

    /// Whether the signature is the signer's over the record.
    pub fn verify(&self) -> bool {
        let message = signed_record(&self.candidate, &self.documents, &self.panels, &self.signer, self.at_ms);
        DevicePublic { signing: self.signer, agreement: [0; 32] }.verify(&message, &self.signature)
    }
}

fn signed_ack(candidate: &DocumentId, device: &[u8; 32], at_ms: i64) -> Vec<u8> {
    let mut w = Writer::new();
    w.fixed(ACK_MAGIC).u8(VERSION).fixed(candidate.as_bytes()).fixed(device).u64(at_ms as u64);
    w.finish()
}

impl ErasureAck {
    pub fn sign(keys: &DeviceKeys, candidate: DocumentId, at_ms: i64) -> ErasureAck {
        let device = keys.public().signing;
        let signature = keys.sign(&signed_ack(&candidate, &device, at_ms));
        ErasureAck { candidate, device, at_ms, signature }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = signed_ack(&self.candidate, &self.device, self.at_ms);
        out.extend_from_slice(&self.signature);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<ErasureAck, DecodeError> {
        let mut r = Reader::new(bytes);
        r.header(ACK_MAGIC, VERSION, "erasure ack header")?;
        let candidate = DocumentId::from_bytes(r.fixed("acknowledged candidate")?);
        let device = r.fixed("acknowledging device")?;
        let at_ms = r.u64("acknowledgement time")? as i64;
        let signature = r.fixed("acknowledgement signature")?;
        r.end()?;
        Ok(ErasureAck { candidate, device, at_ms, signature })
    }

    pub fn verify(&self) -> bool {
        DevicePublic { signing: self.device, agreement: [0; 32] }.verify(&signed_ack(&self.candidate, &self.device, self.at_ms), &self.signature)
    }
}

/// What a device that erased a candidate answers on a session for one of its panels: the
/// record, and the acknowledgements it holds (so they travel towards the lead).
pub fn encode_notice(record: &[u8], acks: &[Vec<u8>]) -> Vec<u8> {
    let mut w = Writer::new();
    w.bytes(record);
    let acks = &acks[..acks.len().min(MAX_ACKS)];
    w.u32(acks.len() as u32);
    for a in acks {
        w.bytes(a);
    }
    w.finish()
}

/// The most acknowledgements a notice carries (devices on one candidate's panels).
pub const MAX_ACKS: usize = 256;

/// A notice's record and acknowledgements, each decoded; malformed acknowledgements are
/// dropped, a malformed record is an error.
pub fn decode_notice(bytes: &[u8]) -> Result<(ErasureRecord, Vec<ErasureAck>), DecodeError> {
    let mut r = Reader::new(bytes);
    let record = ErasureRecord::decode(r.bytes("erasure record", MAX_RECORD)?)?;
    let n = r.count("erasure acks", MAX_ACKS, 4)?;
    let mut acks = Vec::with_capacity(n);
    for _ in 0..n {
        if let Ok(a) = ErasureAck::decode(r.bytes("erasure ack", ACK_LEN)?) {
            acks.push(a);
        }
    }
    r.end()?;
    Ok((record, acks))
}

/// A list of acknowledgements alone (a dialler's answer to a notice).
pub fn encode_acks(acks: &[Vec<u8>]) -> Vec<u8> {
    let mut w = Writer::new();
    let acks = &acks[..acks.len().min(MAX_ACKS)];
    w.u32(acks.len() as u32);
    for a in acks {
        w.bytes(a);
    }
    w.finish()
}

pub fn decode_acks(bytes: &[u8]) -> Result<Vec<ErasureAck>, DecodeError> {
    let mut r = Reader::new(bytes);
    let n = r.count("erasure acks", MAX_ACKS, 4)?;
    let mut acks = Vec::with_capacity(n);
    for _ in 0..n {
        if let Ok(a) = ErasureAck::decode(r.bytes("erasure ack", ACK_LEN)?) {
            acks.push(a);
        }
    }
    r.end()?;
    Ok(acks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: u8) -> DeviceKeys {
        DeviceKeys::from_secret(&[n; crate::keys::STORED_LEN])
    }

    #[test]
    fn a_record_round_trips_and_any_change_breaks_its_signature() {
        let c = DocumentId::from_bytes([1; 16]);
        let rec = ErasureRecord::sign(&keys(3), c, vec![c, DocumentId::from_bytes([2; 16])], vec![[9; 32]], 1_700_000_000_000);
        let bytes = rec.encode();
        let back = ErasureRecord::decode(&bytes).unwrap();
        assert_eq!(back, rec);
        assert!(back.verify());
        let mut forged = back.clone();
        forged.documents.push(DocumentId::from_bytes([7; 16]));
        assert!(!forged.verify());
        let mut other = back;
        other.signer = keys(4).public().signing;
        assert!(!other.verify());
        for cut in 0..bytes.len() {
            assert!(ErasureRecord::decode(&bytes[..cut]).is_err());
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(ErasureRecord::decode(&trailing), Err(DecodeError::Trailing(1))));
    }

    #[test]
    fn a_huge_count_is_refused_before_allocation() {
        let mut w = Writer::new();
        w.fixed(RECORD_MAGIC).u8(VERSION).fixed(&[1; 16]).u32(u32::MAX);
        assert!(matches!(ErasureRecord::decode(&w.finish()), Err(DecodeError::TooLong { .. })));
    }

    #[test]
    fn acks_and_notices_round_trip() {
        let c = DocumentId::from_bytes([1; 16]);
        let ack = ErasureAck::sign(&keys(5), c, 42);
        assert!(ErasureAck::decode(&ack.encode()).unwrap().verify());
        let mut bad = ack.clone();
        bad.at_ms = 43;
        assert!(!bad.verify());
        let rec = ErasureRecord::sign(&keys(3), c, vec![c], vec![], 1);
        let (r, acks) = decode_notice(&encode_notice(&rec.encode(), &[ack.encode()])).unwrap();
        assert_eq!((r, acks), (rec, vec![ack.clone()]));
        assert_eq!(decode_acks(&encode_acks(&[ack.encode()])).unwrap(), vec![ack]);
    }
}
