//! Who uses this install: the interviewer it acts for (kept in the store so tools can show
//! it) and the Automerge actor id its edits are written as.

use std::path::Path;

use automerge::ActorId;
use rusqlite::{Connection, OptionalExtension};

use zeroize::Zeroizing;

use super::{Identity, Store};
use crate::keys::{DeviceKeys, DevicePublic};
use crate::error::{Error, Result};
use crate::ids::InterviewerId;

impl Store {
    /// The identity the store at `path` was last opened with, without opening it for writing.
    pub fn stored_identity(path: impl AsRef<Path>) -> Result<Option<Identity>> {
        if !path.as_ref().exists() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let raw: Option<String> = match conn.query_row("SELECT value FROM meta WHERE key = 'identity'", [], |r| r.get(0)) {
            Ok(v) => Some(v),
            Err(rusqlite::Error::QueryReturnedNoRows) => None,
            // A store created before it had a meta table has no identity to offer.
            Err(rusqlite::Error::SqliteFailure(_, Some(m))) if m.contains("no such table") => None,
            Err(e) => return Err(e.into()),
        };
        let Some(raw) = raw else { return Ok(None) };
        let v: serde_json::Value = serde_json::from_str(&raw).map_err(|e| Error::invalid(format!("stored identity: {e}")))?;
        let (Some(id), Some(name)) = (v["id"].as_str(), v["name"].as_str()) else {
            return Ok(None);
        };
        // An id an older build accepted but this one does not (it had a space, say) is no
        // identity: `panelnotes init` sets a valid one.
        Ok(InterviewerId::new(id).ok().map(|id| Identity {
            id,
            display_name: name.to_owned(),
        }))
    }

    /// This install's public device keys (what a roster admits).
    pub fn device(&self) -> DevicePublic {
        self.device.public()
    }

    /// Says that what a listener may answer changed: panels, rosters, invites, keys.
    pub(crate) fn keyring_changed(&self) {
        self.keyring_version.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// A counter that moves whenever `keyring()` would answer differently.
    pub fn keyring_version(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.keyring_version.clone()
    }

    /// The device keys, for trust to sign and unwrap with; they never leave the core.
    pub(crate) fn device_keys(&self) -> &DeviceKeys {
        &self.device
    }

    /// Makes `identity` the store's own from now on: an explicit change of who uses it.
    pub fn set_identity(&mut self, identity: Identity) -> Result<()> {
        remember(&self.conn, &identity)?;
        self.me = identity;
        Ok(())
    }

    /// Makes this install a new device: fresh device keys and the actor id derived from
    /// them. Call it when the store was restored from a backup: two live copies must never
    /// write as the same device.
    pub fn rotate_actor(&mut self) -> Result<()> {
        self.flush()?;
        self.conn.execute("DELETE FROM meta WHERE key IN ('actor', 'device_keys')", [])?;
        let (keys, actor) = install_device(&self.conn, &self.at_rest, &self.entropy, self.options.seed.is_some())?;
        self.device = keys;
        self.actor = actor;
        self.keyring_changed();
        self.docs.clear();
        self.recent.clear();
        Ok(())
    }
}

/// The install's device keys, made on first open, and the actor id derived from them. A
/// store from before device keys gets its keys now and writes as the derived actor from here
/// on (its earlier changes keep their old actor). Keys come from the OS, or from the store's
/// seeded source when it has one (tests that replay exactly).
pub(super) fn install_device(
    conn: &Connection,
    vault: &super::at_rest::Vault,
    entropy: &crate::clock::Entropy,
    seeded: bool,
) -> Result<(DeviceKeys, ActorId)> {
    let stored: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'device_keys'", [], |r| r.get(0))
        .optional()?;
    let keys = match stored {
        Some(bytes) => DeviceKeys::from_stored(&vault.unwrap(DEVICE_LABEL, b"", &bytes)?)?,
        None => {
            let secret: Zeroizing<[u8; crate::keys::STORED_LEN]> = Zeroizing::new(if seeded {
                entropy.bytes()
            } else {
                let mut s = [0u8; crate::keys::STORED_LEN];
                rand::fill(&mut s[..]);
                s
            });
            let keys = DeviceKeys::from_secret(&secret);
            put_meta(conn, "device_keys", &vault.wrap(DEVICE_LABEL, b"", &keys.to_stored()))?;
            keys
        }
    };
    let actor = keys.actor();
    let existing: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'actor'", [], |r| r.get(0))
        .optional()?;
    if existing.as_deref() != Some(actor.to_bytes()) {
        put_meta(conn, "actor", actor.to_bytes())?;
    }
    Ok((keys, actor))
}

/// What the device keys are wrapped for, under the app's key.
pub(super) const DEVICE_LABEL: &str = "device-keys";

fn put_meta(conn: &Connection, key: &str, value: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )?;
    Ok(())
}

pub(super) fn remember(conn: &Connection, identity: &Identity) -> Result<()> {
    if identity.display_name.trim().is_empty() {
        return Err(Error::invalid("the interviewer needs a display name"));
    }
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('identity', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [serde_json::json!({"id": identity.id.as_str(), "name": identity.display_name}).to_string()],
    )?;
    Ok(())
}
