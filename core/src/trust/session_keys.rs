//! The keys of phone-to-phone sessions for rostered panels (Noise XXpsk3): a pre-shared key
//! and a public tag per panel and epoch, both derived from the epoch's secret, and the check
//! that the static key a peer proved is a current member's.

use super::roster::Hash;
use crate::error::{Error, Result};
use crate::store::Store;

/// One epoch's session keys: the tag a dialler opens with, the pre-shared key, the roster.
#[derive(Clone)]
pub struct EpochKey {
    pub tag: [u8; 8],
    pub psk: [u8; 32],
    pub roster: Hash,
}

impl std::fmt::Debug for EpochKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EpochKey").field("tag", &self.tag).finish_non_exhaustive()
    }
}

/// The session key of a join session: a phone that scanned the invite dials with it, so the
/// lead's phone answers only holders of an open invite, and only with the join exchange.
pub fn join_key(invite: &super::SeatInvite) -> ([u8; 8], [u8; 32]) {
    let key = invite.key();
    (key.derive_id("noise tag", b"join"), key.derive("noise psk", b"join").0)
}

impl Store {
    /// The join session keys of this device's unexpired invites. A used one still answers:
    /// the device it admitted may ask for its welcome again; anyone else is refused.
    pub fn open_join_keys(&self) -> Result<Vec<([u8; 8], [u8; 32])>> {
        let mut q = self.conn().prepare("SELECT token, expires FROM seat_tokens WHERE expires >= ?1")?;
        let rows = q.query_map([self.now().timestamp()], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (token, expires) = row?;
            if let Ok(token) = <[u8; 16]>::try_from(token.as_slice()) {
                out.push(join_key(&super::SeatInvite { token, lead: String::new(), expires }));
            }
        }
        Ok(out)
    }

    /// The session keys of every epoch of every roster this device holds a secret for. A
    /// peer still on an older epoch can dial; membership is checked on the current roster.
    pub fn epoch_keys(&self) -> Result<Vec<EpochKey>> {
        let mut out = Vec::new();
        for id in self.rosters()? {
            let roster = self.roster(&id)?;
            let panel = roster.state().panel;
            for epoch in 0..=roster.state().epoch {
                if let Some(secret) = self.epoch_secret(&roster, epoch) {
                    out.push(EpochKey {
                        tag: secret.derive_id("noise tag", &panel),
                        psk: secret.derive("noise psk", &panel).0,
                        roster: id,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The current epoch's session key of one roster.
    pub fn current_epoch_key(&self, id: &Hash) -> Result<EpochKey> {
        let roster = self.roster(id)?;
        let state = roster.state();
        let secret = self
            .epoch_secret(&roster, state.epoch)
            .ok_or_else(|| Error::NotPermitted("this device does not hold the panel's current secret".into()))?;
        Ok(EpochKey { tag: secret.derive_id("noise tag", &state.panel), psk: secret.derive("noise psk", &state.panel).0, roster: *id })
    }

    /// The storage id this install presents to a relay for one panel: stable (the relay keeps
    /// the sync state under it, so a reconnect resumes) and unlinkable across panels.
    pub fn relay_storage_id(&self, id: &Hash) -> Result<String> {
        use sha2::{Digest, Sha256};
        let d = Sha256::new().chain_update(b"panelnotes relay storage v1\0").chain_update(self.storage_id()?).chain_update(id).finalize();
        Ok(d[..16].iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Whether `agreement` (a Noise static key a peer proved) is a current member's device.
    pub fn is_current_member_key(&self, id: &Hash, agreement: &[u8; 32]) -> Result<bool> {
        Ok(self.roster(id)?.state().current_devices().any(|m| &m.device.agreement == agreement))
    }
}
