//! Where encryption at rest plugs in. Every document snapshot and change chunk passes through
//! an `AtRest` on its way into SQLite and back out, so an implementation that seals them
//! (per-record AEAD under a key the app keeps in the Keychain or Keystore) changes nothing
//! above this line. The pending-edit log, the index tables and the read models take the
//! same path when that work lands (ARCHITECTURE.md, "Store"); until then they are plaintext.

use crate::error::Result;
use crate::ids::DocumentId;

pub trait AtRest: Send + Sync {
    /// What is stored for `plain`, a snapshot or chunk of `document`.
    fn seal(&self, document: DocumentId, plain: Vec<u8>) -> Vec<u8>;
    /// The bytes `seal` was given; a typed error (never a panic) for bytes it did not make.
    fn open(&self, document: DocumentId, stored: Vec<u8>) -> Result<Vec<u8>>;
}

/// Stores bytes as they are: today's default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Plaintext;

impl AtRest for Plaintext {
    fn seal(&self, _: DocumentId, plain: Vec<u8>) -> Vec<u8> {
        plain
    }

    fn open(&self, _: DocumentId, stored: Vec<u8>) -> Result<Vec<u8>> {
        Ok(stored)
    }
}
