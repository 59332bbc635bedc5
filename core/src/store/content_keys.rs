//! Keys wrapped under the app's key: each candidate's content key (`content_keys`), the store
//! key for data that belongs to no candidate, the device keys, and a key-check record that
//! tells a wrong key from damage when the store opens. Rotating the app's key re-wraps these
//! few rows in one transaction; no record is re-encrypted.
//!
//! Destroying a candidate's content key (`destroy_content_key`) makes everything sealed under
//! it unreadable on this device: erasure calls it after purging the rows, so a copy the purge
//! missed (a WAL frame, a freed page) is ciphertext whose key no longer exists.

use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::at_rest::{AtRestKey, RecordError, Secret, Vault, NONCE_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::ids::DocumentId;

const WRAP_MAGIC: u8 = 0xA8;
const WRAP_VERSION: u8 = 1;
/// The longest secret wrapped here (device keys); a stored length beyond it is damage.
const MAX_SECRET: usize = 256;

/// A wrapped secret as stored: magic, version, a 24-byte nonce, then ciphertext and tag.
#[derive(Debug, PartialEq, Eq)]
pub struct Wrapped {
    pub nonce: [u8; NONCE_LEN],
    pub ciphertext: Vec<u8>,
}

impl Wrapped {
    pub fn parse(bytes: &[u8]) -> std::result::Result<Wrapped, RecordError> {
        if bytes.first() != Some(&WRAP_MAGIC) {
            return Err(RecordError::NotSealed);
        }
        if bytes.get(1) != Some(&WRAP_VERSION) {
            return Err(RecordError::Malformed);
        }
        let nonce: [u8; NONCE_LEN] = bytes
            .get(2..2 + NONCE_LEN)
            .ok_or(RecordError::Malformed)?
            .try_into()
            .map_err(|_| RecordError::Malformed)?;
        let ciphertext = &bytes[2 + NONCE_LEN..];
        if ciphertext.len() < TAG_LEN || ciphertext.len() > MAX_SECRET + TAG_LEN {
            return Err(RecordError::Malformed);
        }
        Ok(Wrapped { nonce, ciphertext: ciphertext.to_vec() })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![WRAP_MAGIC, WRAP_VERSION];
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }
}

fn wrap_aad(label: &str, id: &[u8]) -> Vec<u8> {
    [b"panelnotes wrap-at-rest v1\0".as_slice(), label.as_bytes(), &[0], id].concat()
}

/// `secret` wrapped under the app key for one use (`label`, `id`), so a wrapped key cannot
/// be moved to another candidate or purpose.
pub fn wrap(app: &AtRestKey, label: &str, id: &[u8], secret: &[u8]) -> Wrapped {
    let mut nonce = [0u8; NONCE_LEN];
    rand::fill(&mut nonce[..]);
    Wrapped { nonce, ciphertext: app.secret().seal(&nonce, &wrap_aad(label, id), secret) }
}

pub fn unwrap(app: &AtRestKey, label: &str, id: &[u8], w: &Wrapped) -> Option<Zeroizing<Vec<u8>>> {
    app.secret().open(&w.nonce, &wrap_aad(label, id), &w.ciphertext)
}

fn unwrap_key(app: &AtRestKey, label: &str, id: &[u8], stored: &[u8]) -> Result<Secret> {
    let w = Wrapped::parse(stored).map_err(super::at_rest::record_error)?;
    let plain = unwrap(app, label, id, &w).ok_or(Error::WrongKey)?;
    let bytes: [u8; 32] = plain.as_slice().try_into().map_err(|_| super::at_rest::record_error(RecordError::Malformed))?;
    Ok(Secret::from_bytes(bytes))
}

fn random_secret() -> Secret {
    let mut b = Zeroizing::new([0u8; 32]);
    rand::fill(&mut b[..]);
    Secret::from_bytes(*b)
}

const CONTENT: &str = "content";
const STORE: &str = "store";
const CHECK: &str = "key-check";
/// What the key-check record wraps: a wrong key fails its tag, which no damage reproduces.
const CHECK_VALUE: [u8; 32] = *b"panelnotes key check, version 1\0";

pub(crate) fn load(conn: &Connection, app: &AtRestKey, candidate: &[u8; 16]) -> Result<Option<Secret>> {
    let stored: Option<Vec<u8>> = conn
        .prepare_cached("SELECT wrapped FROM content_keys WHERE candidate_id = ?1")?
        .query_row([&candidate[..]], |r| r.get(0))
        .optional()?;
    stored.map(|s| unwrap_key(app, CONTENT, candidate, &s)).transpose()
}

pub(crate) fn create(conn: &Connection, app: &AtRestKey, candidate: &[u8; 16]) -> Result<Secret> {
    let key = random_secret();
    conn.prepare_cached("INSERT INTO content_keys(candidate_id, wrapped) VALUES (?1, ?2)")?
        .execute(params![&candidate[..], wrap(app, CONTENT, candidate, &key.0).to_bytes()])?;
    Ok(key)
}

/// Destroys `candidate`'s content key on this device: every record sealed under it becomes
/// unreadable for good (its reads fail with `SealedRecord { reason: "key_gone" }`). Erasure
/// purges the candidate's rows and then calls this, in the same transaction. Also drops the
/// key from the connection's memory (`pn_forget`). A plaintext store has no key to destroy.
#[cfg_attr(not(test), allow(dead_code))] // erasure calls it (issue 13's other half)
pub(crate) fn destroy_content_key(conn: &Connection, candidate: DocumentId) -> Result<()> {
    let id = &candidate.as_bytes()[..];
    conn.execute("DELETE FROM content_keys WHERE candidate_id = ?1", [id])?;
    conn.query_row("SELECT pn_forget(?1)", [id], |_| Ok(()))?;
    Ok(())
}

fn meta(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

fn put_meta(conn: &Connection, key: &str, value: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The vault for the store on `conn`, checking `key` against the key-check record. `fresh`:
/// the file was just created, so it takes whichever form it is opened in. A plaintext store
/// opened with a key, or an encrypted one opened without, is refused with a typed error:
/// never read as empty.
pub(crate) fn open_vault(conn: &Connection, key: Option<&AtRestKey>, fresh: bool) -> Result<std::sync::Arc<Vault>> {
    let check = meta(conn, "key_check")?;
    match (key, check) {
        (None, None) => Ok(Vault::plaintext()),
        (None, Some(_)) => Err(Error::StoreEncrypted),
        (Some(_), None) if !fresh => Err(Error::StoreNotEncrypted),
        (Some(app), None) => {
            let store = random_secret();
            let tx = conn.unchecked_transaction()?;
            put_meta(&tx, "store_key", &wrap(app, STORE, b"", &store.0).to_bytes())?;
            put_meta(&tx, "key_check", &wrap(app, CHECK, b"", &CHECK_VALUE).to_bytes())?;
            tx.commit()?;
            Ok(Vault::sealed(app.clone(), store))
        }
        (Some(app), Some(check)) => {
            let w = Wrapped::parse(&check).map_err(super::at_rest::record_error)?;
            match unwrap(app, CHECK, b"", &w) {
                Some(v) if v.as_slice() == CHECK_VALUE => {}
                _ => return Err(Error::WrongKey),
            }
            let store = meta(conn, "store_key")?.ok_or(Error::WrongKey)?;
            Ok(Vault::sealed(app.clone(), unwrap_key(app, STORE, b"", &store)?))
        }
    }
}

/// Re-wraps every wrapped key (key check, store key, device keys, content keys) from the
/// vault's app key to `new`, in one transaction: nothing sealed under them changes.
pub(crate) fn rotate(conn: &Connection, vault: &Vault, new: &AtRestKey) -> Result<()> {
    let old = vault.app_key().ok_or(Error::StoreNotEncrypted)?;
    let tx = conn.unchecked_transaction()?;
    for (name, label) in [("key_check", CHECK), ("store_key", STORE), ("device_keys", super::identity::DEVICE_LABEL)] {
        let Some(stored) = meta(&tx, name)? else { continue };
        let w = Wrapped::parse(&stored).map_err(super::at_rest::record_error)?;
        let plain = unwrap(&old, label, b"", &w).ok_or(Error::WrongKey)?;
        put_meta(&tx, name, &wrap(new, label, b"", &plain).to_bytes())?;
    }
    let rows: Vec<(Vec<u8>, Vec<u8>)> = {
        let mut q = tx.prepare("SELECT candidate_id, wrapped FROM content_keys")?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, stored) in rows {
        let w = Wrapped::parse(&stored).map_err(super::at_rest::record_error)?;
        let plain = unwrap(&old, CONTENT, &id, &w).ok_or(Error::WrongKey)?;
        tx.execute(
            "UPDATE content_keys SET wrapped = ?2 WHERE candidate_id = ?1",
            params![id, wrap(new, CONTENT, &id, &plain).to_bytes()],
        )?;
    }
    tx.commit()?;
    vault.set_app_key(new.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_keys_open_only_for_their_use_and_key() {
        let app = AtRestKey::from_bytes([3; 32]);
        let w = wrap(&app, CONTENT, b"cand-1", &[9; 32]);
        let parsed = Wrapped::parse(&w.to_bytes()).unwrap();
        assert_eq!(unwrap(&app, CONTENT, b"cand-1", &parsed).unwrap().as_slice(), &[9; 32]);
        assert!(unwrap(&app, CONTENT, b"cand-2", &parsed).is_none());
        assert!(unwrap(&app, STORE, b"cand-1", &parsed).is_none());
        assert!(unwrap(&AtRestKey::from_bytes([4; 32]), CONTENT, b"cand-1", &parsed).is_none());
        assert_eq!(Wrapped::parse(b"x"), Err(RecordError::NotSealed));
        assert_eq!(Wrapped::parse(&w.to_bytes()[..20]), Err(RecordError::Malformed));
        let mut long = w.to_bytes();
        long.resize(2 + NONCE_LEN + MAX_SECRET + TAG_LEN + 1, 0);
        assert_eq!(Wrapped::parse(&long), Err(RecordError::Malformed));
    }

    fn candidate(s: &mut crate::Store, name: &str) -> DocumentId {
        s.create_candidate(crate::model::NewCandidate {
            name: name.into(),
            role: "Data engineer".into(),
            source: None,
            contact: None,
            applied_at: s.now() - chrono::Duration::days(1),
        })
        .unwrap()
    }

    #[test]
    fn a_destroyed_content_key_shreds_only_its_candidate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let options = crate::StoreOptions { key: Some(AtRestKey::from_bytes([5; 32])), ..Default::default() };
        let me = crate::Identity { id: crate::InterviewerId::new("ana@acme").unwrap(), display_name: "Ana".into() };
        let mut s = crate::Store::open_with(&path, me.clone(), options.clone()).unwrap();
        let (gone, kept) = (candidate(&mut s, "Erased Person"), candidate(&mut s, "Kept Person"));
        let secure: i64 = s.conn().query_row("PRAGMA secure_delete", [], |r| r.get(0)).unwrap();
        assert_eq!(secure, 1);
        destroy_content_key(s.conn(), gone).unwrap();
        assert!(matches!(s.candidate_summary(gone), Err(Error::SealedRecord { reason: "key_gone" })));
        assert_eq!(s.candidate_summary(kept).unwrap().name, "Kept Person");
        drop(s);
        // Gone for good: not cached anywhere, not after reopening either.
        let s = crate::Store::open_with(&path, me, options).unwrap();
        assert!(matches!(s.candidate_summary(gone), Err(Error::SealedRecord { reason: "key_gone" })));
        assert_eq!(s.candidate_summary(kept).unwrap().name, "Kept Person");
    }
}

impl super::Store {
    /// Re-wraps the store's keys under `new`, the app's next at-rest key, in one transaction:
    /// afterwards the store opens with `new` only. Nothing sealed is re-encrypted, so no data
    /// can be lost half-way; a failure leaves the old key in force.
    pub fn rotate_key(&mut self, new: &AtRestKey) -> Result<()> {
        self.flush()?;
        rotate(&self.conn, &self.at_rest, new)
    }

    /// Whether this store seals what it writes (every store the apps and the CLI open).
    pub fn is_encrypted(&self) -> bool {
        self.at_rest.is_sealed()
    }
}
