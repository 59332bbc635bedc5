//! The install's device keys: an Ed25519 key that signs what this device writes and an X25519
//! key that content keys are sealed to (ARCHITECTURE.md, "Trust"). The Automerge actor id is
//! derived from the signing key, so a change's actor names the device that must have signed
//! it. Private keys stay inside this type: no accessor returns them, `Debug` prints the
//! public halves only, and the secrets are zeroed on drop.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Stored form: the Ed25519 seed, then the X25519 secret.
pub const STORED_LEN: usize = 64;

pub struct DeviceKeys {
    signing: SigningKey,
    agreement: x25519_dalek::StaticSecret,
}

/// A device's public keys, as a roster lists them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DevicePublic {
    pub signing: [u8; 32],
    pub agreement: [u8; 32],
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKeys").field("public", &self.public()).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for DevicePublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DevicePublic({})", self.fingerprint())
    }
}

impl DeviceKeys {
    /// Keys from 64 bytes of secret randomness (the OS's, or a seeded source in tests).
    pub fn from_secret(secret: &[u8; STORED_LEN]) -> DeviceKeys {
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&secret[..32]);
        let mut agreement = Zeroizing::new([0u8; 32]);
        agreement.copy_from_slice(&secret[32..]);
        DeviceKeys { signing: SigningKey::from_bytes(&seed), agreement: x25519_dalek::StaticSecret::from(*agreement) }
    }

    /// Reads what `to_stored` wrote; anything else is a typed error.
    pub(crate) fn from_stored(bytes: &[u8]) -> Result<DeviceKeys> {
        let secret: &[u8; STORED_LEN] = bytes
            .try_into()
            .map_err(|_| Error::invalid("the stored device keys are damaged"))?;
        Ok(DeviceKeys::from_secret(secret))
    }

    pub(crate) fn to_stored(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(STORED_LEN));
        out.extend_from_slice(&self.signing.to_bytes());
        out.extend_from_slice(self.agreement.as_bytes());
        out
    }

    pub fn public(&self) -> DevicePublic {
        DevicePublic {
            signing: self.signing.verifying_key().to_bytes(),
            agreement: x25519_dalek::PublicKey::from(&self.agreement).to_bytes(),
        }
    }

    /// The actor id this device writes Automerge changes as.
    pub fn actor(&self) -> automerge::ActorId {
        self.public().actor()
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The X25519 secret, for the Noise handshake's static key (snow takes the bytes). It
    /// never leaves the core.
    pub(crate) fn agreement_secret(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.agreement.to_bytes())
    }

    /// The X25519 shared secret with another device's agreement key.
    pub fn agree(&self, their: &[u8; 32]) -> Zeroizing<[u8; 32]> {
        let shared = self.agreement.diffie_hellman(&x25519_dalek::PublicKey::from(*their));
        Zeroizing::new(shared.to_bytes())
    }
}

impl DevicePublic {
    /// 16 bytes of the signing key's hash: an actor id bound to the key.
    pub fn actor(&self) -> automerge::ActorId {
        let digest = Sha256::new().chain_update(b"panelnotes actor v1").chain_update(self.signing).finalize();
        automerge::ActorId::from(&digest[..16])
    }

    /// What people compare to check a device: 16 hex digits of the signing key's hash.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::new().chain_update(b"panelnotes fingerprint v1").chain_update(self.signing).finalize();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `signature` is this device's over `message`; malformed keys or signatures are
    /// simply not valid.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let (Ok(key), Ok(sig)) = (VerifyingKey::from_bytes(&self.signing), <&[u8; 64]>::try_from(signature)) else {
            return false;
        };
        key.verify(message, &Signature::from_bytes(sig)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: u8) -> DeviceKeys {
        DeviceKeys::from_secret(&[n; STORED_LEN])
    }

    #[test]
    fn signatures_verify_only_for_their_device_and_message() {
        let (a, b) = (keys(1), keys(2));
        let sig = a.sign(b"scorecard");
        assert!(a.public().verify(b"scorecard", &sig));
        assert!(!a.public().verify(b"scorecard!", &sig));
        assert!(!b.public().verify(b"scorecard", &sig));
        assert!(!a.public().verify(b"scorecard", &sig[..63]));
        let garbage = DevicePublic { signing: [0xff; 32], agreement: [0; 32] };
        assert!(!garbage.verify(b"scorecard", &sig));
    }

    #[test]
    fn both_sides_agree_on_the_shared_secret() {
        let (a, b) = (keys(3), keys(4));
        assert_eq!(*a.agree(&b.public().agreement), *b.agree(&a.public().agreement));
        assert_ne!(*a.agree(&b.public().agreement), *a.agree(&keys(5).public().agreement));
    }

    #[test]
    fn the_actor_is_bound_to_the_key_and_secrets_never_print() {
        let a = keys(6);
        assert_eq!(a.actor(), a.public().actor());
        assert_ne!(a.actor(), keys(7).actor());
        let stored = a.to_stored();
        assert_eq!(DeviceKeys::from_stored(&stored).unwrap().public(), a.public());
        assert!(DeviceKeys::from_stored(&stored[..10]).is_err());
        let shown = format!("{a:?}");
        assert!(shown.contains(&a.public().fingerprint()));
        let secret_hex: String = stored[..32].iter().map(|b| format!("{b:02x}")).collect();
        assert!(!shown.contains(&secret_hex[..16]));
    }
}
