//! The two ways trust hides bytes: sealing under a shared symmetric secret
//! (XChaCha20-Poly1305, whose 24-byte random nonces never collide in practice), and
//! wrapping a secret to one device's X25519 key (an ephemeral Diffie-Hellman, the same
//! AEAD under a key hashed from it), so only that device can unwrap it.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::keys::DeviceKeys;

pub const NONCE_LEN: usize = 24;
pub const TAG_LEN: usize = 16;
/// What wrapping adds to a 32-byte secret: the ephemeral public key, the nonce, the tag.
pub const WRAPPED_LEN: usize = 32 + NONCE_LEN + 32 + TAG_LEN;

/// A 256-bit symmetric secret (a panel epoch's, or one derived from it). Zeroed on drop and
/// never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub(crate) [u8; 32]);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    pub fn from_bytes(bytes: [u8; 32]) -> Secret {
        Secret(bytes)
    }

    /// A secret for one purpose, derived so that knowing it reveals nothing about this one
    /// or about the secrets derived for other purposes.
    pub fn derive(&self, label: &str, context: &[u8]) -> Secret {
        let digest = Sha256::new()
            .chain_update(b"panelnotes derive v1\0")
            .chain_update(label.as_bytes())
            .chain_update([0])
            .chain_update(self.0)
            .chain_update(context)
            .finalize();
        Secret(digest.into())
    }

    /// An id derived from the secret: names something (a mailbox) only its holders can find.
    pub fn derive_id<const N: usize>(&self, label: &str, context: &[u8]) -> [u8; N] {
        let d = self.derive(label, context);
        let mut out = [0u8; N];
        out.copy_from_slice(&d.0[..N]);
        out
    }

    pub fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        XChaCha20Poly1305::new((&self.0).into())
            .encrypt(XNonce::from_slice(nonce), Payload { msg: plaintext, aad })
            .expect("XChaCha20-Poly1305 encrypts any length this code passes")
    }

    /// The plaintext, or `None` when the bytes were not sealed under this secret with this
    /// nonce and associated data (tampered, truncated, or someone else's).
    pub fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad })
            .ok()
            .map(Zeroizing::new)
    }
}

fn wrap_key(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32], context: &[u8]) -> Secret {
    let digest = Sha256::new()
        .chain_update(b"panelnotes wrap v1\0")
        .chain_update(shared)
        .chain_update(ephemeral)
        .chain_update(recipient)
        .chain_update(context)
        .finalize();
    Secret(digest.into())
}

/// `secret` wrapped to the device whose X25519 public key is `recipient`. `ephemeral` and
/// `nonce` are fresh randomness from the caller (the store's source, so tests replay).
/// `context` binds the wrapping to its use (a panel and epoch), so it cannot be replayed
/// into another.
pub fn wrap_to(recipient: &[u8; 32], secret: &Secret, context: &[u8], ephemeral: [u8; 32], nonce: [u8; NONCE_LEN]) -> Vec<u8> {
    let eph = x25519_dalek::StaticSecret::from(ephemeral);
    let eph_pub = x25519_dalek::PublicKey::from(&eph).to_bytes();
    let shared = Zeroizing::new(eph.diffie_hellman(&x25519_dalek::PublicKey::from(*recipient)).to_bytes());
    let key = wrap_key(&shared, &eph_pub, recipient, context);
    let mut out = Vec::with_capacity(WRAPPED_LEN);
    out.extend_from_slice(&eph_pub);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&key.seal(&nonce, context, &secret.0));
    out
}

/// What `wrap_to` made for this device, or `None` if it was made for another device or
/// another context, or damaged.
pub fn unwrap(keys: &DeviceKeys, wrapped: &[u8], context: &[u8]) -> Option<Secret> {
    if wrapped.len() != WRAPPED_LEN {
        return None;
    }
    let eph_pub: [u8; 32] = wrapped[..32].try_into().ok()?;
    let nonce: [u8; NONCE_LEN] = wrapped[32..32 + NONCE_LEN].try_into().ok()?;
    let shared = keys.agree(&eph_pub);
    let key = wrap_key(&shared, &eph_pub, &keys.public().agreement, context);
    let plain = key.open(&nonce, context, &wrapped[32 + NONCE_LEN..])?;
    Some(Secret(plain.as_slice().try_into().ok()?))
}

/// The X25519 public key of a secret used as an agreement key (a panel's reveal key, which
/// is no device's).
pub fn agreement_public(secret: &Secret) -> [u8; 32] {
    x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(secret.0)).to_bytes()
}

/// What `wrap_to` made for the public key of `secret` (see `agreement_public`), or `None`.
pub fn unwrap_with(secret: &Secret, wrapped: &[u8], context: &[u8]) -> Option<Secret> {
    if wrapped.len() != WRAPPED_LEN {
        return None;
    }
    let eph_pub: [u8; 32] = wrapped[..32].try_into().ok()?;
    let nonce: [u8; NONCE_LEN] = wrapped[32..32 + NONCE_LEN].try_into().ok()?;
    let mine = x25519_dalek::StaticSecret::from(secret.0);
    let shared = Zeroizing::new(mine.diffie_hellman(&x25519_dalek::PublicKey::from(eph_pub)).to_bytes());
    let key = wrap_key(&shared, &eph_pub, &x25519_dalek::PublicKey::from(&mine).to_bytes(), context);
    let plain = key.open(&nonce, context, &wrapped[32 + NONCE_LEN..])?;
    Some(Secret(plain.as_slice().try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(n: u8) -> DeviceKeys {
        DeviceKeys::from_secret(&[n; crate::keys::STORED_LEN])
    }

    #[test]
    fn sealed_bytes_open_only_with_the_same_secret_nonce_and_context() {
        let s = Secret([9; 32]);
        let ct = s.seal(&[1; 24], b"ctx", b"salary 120k");
        assert!(!ct.windows(6).any(|w| w == b"salary"));
        assert_eq!(s.open(&[1; 24], b"ctx", &ct).unwrap().as_slice(), b"salary 120k");
        assert!(s.open(&[2; 24], b"ctx", &ct).is_none());
        assert!(s.open(&[1; 24], b"other", &ct).is_none());
        assert!(Secret([8; 32]).open(&[1; 24], b"ctx", &ct).is_none());
        let mut flipped = ct.clone();
        flipped[0] ^= 1;
        assert!(s.open(&[1; 24], b"ctx", &flipped).is_none());
        assert!(s.open(&[1; 24], b"ctx", &[]).is_none());
        assert_eq!(format!("{s:?}"), "Secret(..)");
    }

    #[test]
    fn a_wrapped_secret_opens_only_on_its_device_in_its_context() {
        let (ben, cy) = (device(1), device(2));
        let secret = Secret([7; 32]);
        let w = wrap_to(&ben.public().agreement, &secret, b"panel 1 epoch 0", [3; 32], [4; 24]);
        assert_eq!(w.len(), WRAPPED_LEN);
        assert_eq!(unwrap(&ben, &w, b"panel 1 epoch 0"), Some(secret.clone()));
        assert_eq!(unwrap(&cy, &w, b"panel 1 epoch 0"), None);
        assert_eq!(unwrap(&ben, &w, b"panel 2 epoch 0"), None);
        assert_eq!(unwrap(&ben, &w[..w.len() - 1], b"panel 1 epoch 0"), None);
        let reveal = Secret([6; 32]);
        let w = wrap_to(&agreement_public(&reveal), &secret, b"card", [3; 32], [4; 24]);
        assert_eq!(unwrap_with(&reveal, &w, b"card"), Some(secret.clone()));
        assert_eq!(unwrap_with(&Secret([5; 32]), &w, b"card"), None);
        assert_eq!(unwrap(&ben, &w, b"card"), None);
    }

    #[test]
    fn derived_secrets_and_ids_are_separated_by_label_and_context() {
        let s = Secret([5; 32]);
        assert_ne!(s.derive("envelope", b""), s.derive("mailbox", b""));
        assert_ne!(s.derive_id::<16>("mailbox", b"a"), s.derive_id::<16>("mailbox", b"b"));
        assert_eq!(s.derive_id::<16>("mailbox", b"a"), s.derive_id::<16>("mailbox", b"a"));
    }
}
