//! A submitted scorecard as an immutable signed blob (ARCHITECTURE.md, "Sealed scorecards").
//! The author's device encrypts the scorecard under a key of its own, commits to key and
//! plaintext by hash, wraps the key to the panel's reveal key (held by the admins) and to
//! itself, and signs it all. What lands in the shared document is only this blob: anyone
//! can check who submitted and when, nobody without the key reads a rating or a comment.
//!
//! The encoding is canonical (see `codec`) because the signature covers its bytes.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::codec::{DecodeError, Reader, Writer};
use super::seal::{Secret, NONCE_LEN, WRAPPED_LEN};
use crate::ids::{DocumentId, InterviewerId};
use crate::keys::{DeviceKeys, DevicePublic};

/// The largest blob accepted, checked before anything is read: a scorecard is four ratings,
/// a recommendation and comments (capped far below this by the draft's own limits).
pub const MAX_CARD: usize = 64 << 10;
pub const VERSION: u8 = 1;

pub use crate::model::sealing::CardProblem;

/// One seat's submitted scorecard, sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedCard {
    pub seat: InterviewerId,
    /// The device that sealed and signed it.
    pub device: DevicePublic,
    pub submitted_at_ms: i64,
    pub nonce: [u8; NONCE_LEN],
    pub ciphertext: Vec<u8>,
    /// SHA-256 over the key, the nonce and the plaintext (and what binds them to this card).
    pub commitment: [u8; 32],
    /// The card's key wrapped to the panel's reveal key, which the admins hold.
    pub for_reveal: Vec<u8>,
    /// The card's key wrapped to the author's own device, so it reads its own card.
    pub for_author: Vec<u8>,
    pub signature: [u8; 64],
}

/// What binds a card's key, wherever it is wrapped, to one interview and seat.
pub fn key_context(interview: DocumentId, seat: &InterviewerId) -> Vec<u8> {
    let mut c = b"panelnotes scorecard key v1\0".to_vec();
    c.extend_from_slice(interview.as_bytes());
    c.extend_from_slice(seat.as_str().as_bytes());
    c
}

fn aad(interview: DocumentId, seat: &InterviewerId, device: &[u8; 32], at_ms: i64) -> Vec<u8> {
    let mut a = b"panelnotes scorecard v1\0".to_vec();
    a.extend_from_slice(interview.as_bytes());
    a.extend_from_slice(device);
    a.extend_from_slice(&at_ms.to_le_bytes());
    a.extend_from_slice(seat.as_str().as_bytes());
    a
}

fn commit(interview: DocumentId, seat: &InterviewerId, key: &Secret, nonce: &[u8; NONCE_LEN], plaintext: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"panelnotes scorecard commitment v1\0")
        .chain_update(interview.as_bytes())
        .chain_update((seat.as_str().len() as u32).to_le_bytes())
        .chain_update(seat.as_str().as_bytes())
        .chain_update(key.0)
        .chain_update(nonce)
        .chain_update(plaintext)
        .finalize()
        .into()
}

/// The randomness sealing needs, from the store's source so tests replay.
pub struct CardRandomness {
    pub key: [u8; 32],
    pub nonce: [u8; NONCE_LEN],
    pub wrap_ephemeral: [[u8; 32]; 2],
    pub wrap_nonce: [[u8; NONCE_LEN]; 2],
}

impl SealedCard {
    /// Seals `plaintext` as `seat`'s scorecard on `keys`' device.
    pub fn seal(
        keys: &DeviceKeys,
        interview: DocumentId,
        seat: InterviewerId,
        submitted_at_ms: i64,
        plaintext: &[u8],
        reveal_public: &[u8; 32],
        rnd: CardRandomness,
    ) -> SealedCard {
        let device = keys.public();
        let key = Secret::from_bytes(rnd.key);
        let ciphertext = key.seal(&rnd.nonce, &aad(interview, &seat, &device.signing, submitted_at_ms), plaintext);
        let commitment = commit(interview, &seat, &key, &rnd.nonce, plaintext);
        let ctx = key_context(interview, &seat);
        let for_reveal = super::seal::wrap_to(reveal_public, &key, &ctx, rnd.wrap_ephemeral[0], rnd.wrap_nonce[0]);
        let for_author = super::seal::wrap_to(&device.agreement, &key, &ctx, rnd.wrap_ephemeral[1], rnd.wrap_nonce[1]);
        let mut card = SealedCard {
            seat,
            device,
            submitted_at_ms,
            nonce: rnd.nonce,
            ciphertext,
            commitment,
            for_reveal,
            for_author,
            signature: [0; 64],
        };
        card.signature = keys.sign(&card.signed_bytes(interview));
        card
    }

    fn encode_body(&self, w: &mut Writer) {
        // Version and time first: the model reads them for the timeline without this module
        // (`model::scorecard::submitted_at_of`).
        w.u8(VERSION).u64(self.submitted_at_ms as u64).str(self.seat.as_str());
        super::roster_entry::write_device(w, &self.device);
        w.fixed(&self.nonce)
            .bytes(&self.ciphertext)
            .fixed(&self.commitment)
            .bytes(&self.for_reveal)
            .bytes(&self.for_author);
    }

    fn signed_bytes(&self, interview: DocumentId) -> Vec<u8> {
        let mut w = Writer::new();
        w.fixed(b"panelnotes sealed scorecard v1\0").fixed(interview.as_bytes());
        self.encode_body(&mut w);
        w.finish()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode_body(&mut w);
        w.fixed(&self.signature);
        w.finish()
    }

    /// Reads a blob from a peer: every length is checked before allocation, and a value with
    /// two spellings (a seat that normalises to another) is refused.
    pub fn decode(bytes: &[u8]) -> Result<SealedCard, DecodeError> {
        if bytes.len() > MAX_CARD {
            return Err(DecodeError::TooLong { what: "sealed scorecard", size: bytes.len(), max: MAX_CARD });
        }
        let mut r = Reader::new(bytes);
        match r.u8("version")? {
            VERSION => {}
            other => return Err(DecodeError::Unknown { what: "sealed scorecard version", value: other.into() }),
        }
        let submitted_at_ms = r.u64("submitted at")? as i64;
        let raw = r.str("seat", 128)?;
        let seat = InterviewerId::new(raw).ok().filter(|id| id.as_str() == raw).ok_or(DecodeError::Invalid("seat"))?;
        let device = super::roster_entry::read_device(&mut r)?;
        let nonce = r.fixed("nonce")?;
        let ciphertext = r.bytes("ciphertext", MAX_CARD)?.to_vec();
        let commitment = r.fixed("commitment")?;
        let for_reveal = r.bytes("wrapped key", WRAPPED_LEN)?.to_vec();
        let for_author = r.bytes("wrapped key", WRAPPED_LEN)?.to_vec();
        let signature = r.fixed("signature")?;
        r.end()?;
        Ok(SealedCard { seat, device, submitted_at_ms, nonce, ciphertext, commitment, for_reveal, for_author, signature })
    }

    /// The checks anyone can make without the key: stored under the seat it names, and
    /// signed by the device it names. Whether that device holds the seat is the roster's
    /// question (`Store`), asked where a roster is known.
    pub fn verify(&self, interview: DocumentId, stored_under: &str) -> Result<(), CardProblem> {
        if self.seat.as_str() != stored_under {
            return Err(CardProblem::WrongSeat);
        }
        if !self.device.verify(&self.signed_bytes(interview), &self.signature) {
            return Err(CardProblem::BadSignature);
        }
        Ok(())
    }

    /// The plaintext under `key`, checked against the commitment.
    pub fn open(&self, interview: DocumentId, key: &Secret) -> Result<Zeroizing<Vec<u8>>, CardProblem> {
        let plain = key
            .open(&self.nonce, &aad(interview, &self.seat, &self.device.signing, self.submitted_at_ms), &self.ciphertext)
            .ok_or(CardProblem::Undecryptable)?;
        if commit(interview, &self.seat, key, &self.nonce, &plain) != self.commitment {
            return Err(CardProblem::CommitmentMismatch);
        }
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::seal::unwrap;

    fn device(n: u8) -> DeviceKeys {
        DeviceKeys::from_secret(&[n; crate::keys::STORED_LEN])
    }

    fn rnd(n: u8) -> CardRandomness {
        CardRandomness { key: [n; 32], nonce: [n + 1; 24], wrap_ephemeral: [[n + 2; 32], [n + 3; 32]], wrap_nonce: [[n + 4; 24], [n + 5; 24]] }
    }

    const MARK: &[u8] = b"MARKER-comment-ratings";

    fn card() -> (DeviceKeys, DeviceKeys, DocumentId, SealedCard) {
        let (ben, reveal) = (device(1), device(9));
        let iv = DocumentId::from_bytes([4; 16]);
        let c = SealedCard::seal(&ben, iv, InterviewerId::new("ben").unwrap(), 1_700_000_000_000, MARK, &reveal.public().agreement, rnd(10));
        (ben, reveal, iv, c)
    }

    #[test]
    fn a_sealed_card_hides_its_content_and_opens_for_the_author_and_the_reveal_key() {
        let (ben, reveal, iv, c) = card();
        let bytes = c.encode();
        assert!(!bytes.windows(MARK.len()).any(|w| w == MARK));
        let back = SealedCard::decode(&bytes).unwrap();
        assert_eq!(back, c);
        back.verify(iv, "ben").unwrap();
        let ctx = key_context(iv, &c.seat);
        for (keys, wrapped) in [(&ben, &c.for_author), (&reveal, &c.for_reveal)] {
            let key = unwrap(keys, wrapped, &ctx).unwrap();
            assert_eq!(back.open(iv, &key).unwrap().as_slice(), MARK);
        }
        assert!(unwrap(&device(3), &c.for_reveal, &ctx).is_none());
    }

    #[test]
    fn tampering_is_refused_as_a_typed_problem() {
        let (ben, _, iv, c) = card();
        let key = unwrap(&ben, &c.for_author, &key_context(iv, &c.seat)).unwrap();
        assert_eq!(c.verify(iv, "cy"), Err(CardProblem::WrongSeat));
        assert_eq!(c.verify(DocumentId::from_bytes([5; 16]), "ben"), Err(CardProblem::BadSignature));

        let mut ct = c.clone();
        ct.ciphertext[0] ^= 1;
        assert_eq!(ct.verify(iv, "ben"), Err(CardProblem::BadSignature));
        assert_eq!(ct.open(iv, &key).unwrap_err(), CardProblem::Undecryptable);

        let mut cm = c.clone();
        cm.commitment[3] ^= 1;
        assert_eq!(cm.verify(iv, "ben"), Err(CardProblem::BadSignature));
        assert_eq!(cm.open(iv, &key).unwrap_err(), CardProblem::CommitmentMismatch);

        let mut sig = c.clone();
        sig.signature[0] ^= 1;
        assert_eq!(sig.verify(iv, "ben"), Err(CardProblem::BadSignature));

        // A card re-signed by another device still names its own device: the signature fails.
        let mut other = c.clone();
        other.signature = device(2).sign(&c.signed_bytes(iv));
        assert_eq!(other.verify(iv, "ben"), Err(CardProblem::BadSignature));

        let bytes = c.encode();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            if let Ok(d) = SealedCard::decode(&b) {
                assert!(d.verify(iv, d.seat.as_str()).is_err(), "flipping byte {i} kept a valid card");
            }
        }
        assert!(SealedCard::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(matches!(SealedCard::decode(&vec![1; MAX_CARD + 1]), Err(DecodeError::TooLong { .. })));
    }
}
