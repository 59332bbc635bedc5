//! Mailboxes: how envelopes travel on every path (ARCHITECTURE.md, "Outboxes"). Each device
//! has one outbox per panel and epoch: an Automerge document only it writes, whose id and
//! actor are derived from the epoch's secret and the device, holding envelopes as opaque
//! bytes. Peers and the standard automerge-repo relay sync these documents with the plain
//! protocol and see nothing but ciphertext; a phone takes envelopes out of a mailbox only
//! from the owner's actor, and every envelope still passes every check in `delivery`.

use automerge::ActorId;
use rusqlite::{params, OptionalExtension};

use super::delivery::Receipt;
use super::membership::{decode_entries, encode_entries};
use super::roster::{Hash, Roster};
use super::seal::Secret;
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::DocKind;
use crate::store::Store;

/// The first byte of a mailbox item that carries roster entries rather than an envelope.
const ROSTER_ITEM: u8 = b'R';
/// The first byte of a mailbox item that carries a signed erasure record.
const ERASURE_ITEM: u8 = b'E';
/// The first byte of a mailbox item that carries one document's epoch snapshot.
pub(crate) const SNAPSHOT_ITEM: u8 = b'S';

/// A document's snapshot as a mailbox item of the epoch it starts (`compaction`).
pub fn seal_snapshot(secret: &Secret, panel: &[u8; 16], epoch: u32, snapshot: &[u8], nonce: [u8; 24]) -> Vec<u8> {
    seal_item(SNAPSHOT_ITEM, "snapshot", secret, panel, epoch, snapshot, nonce)
}

/// Roster entries as a mailbox item, sealed under the epoch's secret: members who hold it
/// learn of admissions, removals and new epochs on any path. (A device removed in this
/// epoch can read who is on the panel; it cannot read the new epoch's secret, which is
/// wrapped only to the devices that remain.)
fn seal_roster(secret: &Secret, panel: &[u8; 16], epoch: u32, entries: &[u8], nonce: [u8; 24]) -> Vec<u8> {
    seal_item(ROSTER_ITEM, "roster", secret, panel, epoch, entries, nonce)
}

fn seal_item(kind: u8, label: &str, secret: &Secret, panel: &[u8; 16], epoch: u32, payload: &[u8], nonce: [u8; 24]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&epoch.to_le_bytes());
    out.extend_from_slice(&nonce);
    let aad = out.clone();
    out.extend(secret.derive(label, panel).seal(&nonce, &aad, payload));
    out
}

/// A device's outbox for one panel and epoch: its document id and the actor it writes as.
pub fn outbox_of(secret: &Secret, panel: &[u8; 16], device: &[u8; 32]) -> (DocumentId, ActorId) {
    let mut context = panel.to_vec();
    context.extend_from_slice(device);
    let id = DocumentId::from_bytes(secret.derive_id("mailbox id", &context));
    let actor = ActorId::from(&secret.derive_id::<16>("mailbox actor", &context)[..]);
    (id, actor)
}

impl Store {
    /// Records the outboxes of every epoch this device holds the secret of, one per device
    /// the roster ever admitted (a device removed later still wrote in the epochs before),
    /// so this store knows them when they arrive and shares them with the panel. A device
    /// admitted late holds the earlier epochs' secrets too, and catches up from them.
    pub(crate) fn register_mailboxes(&mut self, id: &Hash, roster: &Roster) -> Result<()> {
        let state = roster.state();
        // Below the floor, the epoch's snapshot replaced the outboxes (`compaction`).
        for epoch in self.mailbox_floor(id, roster)?..=state.epoch {
            let Some(secret) = self.epoch_secret(roster, epoch) else { continue };
            for m in state.members.values() {
                let (doc, actor) = outbox_of(&secret, &state.panel, &m.device.signing);
                self.conn().execute(
                    "INSERT OR IGNORE INTO mailboxes(doc_id, genesis, device, epoch, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![&doc.as_bytes()[..], &id[..], &m.device.signing[..], epoch, actor.to_bytes()],
                )?;
            }
        }
        Ok(())
    }

    /// The panel's mailboxes, every epoch this phone knows (a phone that was away catches up
    /// on the old ones too): all a member of the panel is shared (`Store::mailbox_grant`).
    pub fn mailbox_ids(&self, id: &Hash) -> Result<Vec<DocumentId>> {
        let mut q = self.conn().prepare("SELECT doc_id FROM mailboxes WHERE genesis = ?1")?;
        let ids: Vec<Vec<u8>> = q.query_map([&id[..]], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(ids.into_iter().filter_map(|b| Some(DocumentId::from_bytes(b.try_into().ok()?))).collect())
    }

    /// Seals this device's new changes to the panel's documents and posts them in its
    /// outbox. Returns how many envelopes were posted. On the lead's phone, first compacts
    /// the panel when its outboxes grew past the policy; a compaction that fails leaves the
    /// flush to go on as before.
    pub fn post_outgoing(&mut self, id: &Hash) -> Result<usize> {
        let _ = self.compact_panel_if_due(id, &super::compaction::CompactionPolicy::default());
        self.post_flush(id)
    }

    /// The roster, this device's new runs, then the snapshots of an epoch it started.
    pub(crate) fn post_flush(&mut self, id: &Hash) -> Result<usize> {
        self.post_roster(id)?;
        let (envelopes, sealed) = self.seal_runs(id)?;
        if !envelopes.is_empty() {
            let roster = self.roster(id)?;
            let epoch = roster.state().epoch;
            self.post_items(id, &roster, epoch, &envelopes)?;
            self.mark_sealed(id, &sealed)?;
            self.remember_own_runs(id, &envelopes)?;
        }
        self.post_snapshots_if_due(id)?;
        Ok(envelopes.len())
    }

    /// Appends items to this device's outbox of `epoch`.
    pub(crate) fn post_items(&mut self, id: &Hash, roster: &Roster, epoch: u32, items: &[Vec<u8>]) -> Result<()> {
        let secret = self
            .epoch_secret(roster, epoch)
            .ok_or_else(|| Error::NotPermitted("this device does not hold the panel's secret".into()))?;
        let (doc, actor) = outbox_of(&secret, &roster.state().panel, &self.device().signing);
        self.conn().execute(
            "INSERT OR IGNORE INTO mailboxes(doc_id, genesis, device, epoch, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&doc.as_bytes()[..], &id[..], &self.device().signing[..], epoch, actor.to_bytes()],
        )?;
        let posted: i64 = self
            .conn()
            .query_row("SELECT ingested FROM mailboxes WHERE doc_id = ?1", [&doc.as_bytes()[..]], |r| r.get(0))?;
        self.append_to_mailbox(doc, &actor, posted as u64, items)?;
        self.conn().execute(
            "UPDATE mailboxes SET ingested = ?2 WHERE doc_id = ?1",
            params![&doc.as_bytes()[..], posted + items.len() as i64],
        )?;
        Ok(())
    }

    /// Posts the roster when this admin's device changed it since it last did: into the
    /// current epoch's outbox, and into the previous epoch's too, since the members who stay
    /// learn the new epoch's secret from these very entries.
    fn post_roster(&mut self, id: &Hash) -> Result<()> {
        let roster = self.roster(id)?;
        let state = roster.state();
        if !state.is_admin(&self.device().signing) {
            return Ok(());
        }
        let head = roster.head();
        let posted: Option<Vec<u8>> = self
            .conn()
            .query_row("SELECT head FROM roster_posts WHERE genesis = ?1", [&id[..]], |r| r.get(0))
            .optional()?;
        if posted.as_deref() == Some(&head[..]) {
            return Ok(());
        }
        let entries = encode_entries(roster.entries());
        let epochs = if state.epoch > 0 { vec![state.epoch - 1, state.epoch] } else { vec![0] };
        for epoch in epochs {
            if let Some(secret) = self.epoch_secret(&roster, epoch) {
                let item = seal_roster(&secret, &state.panel, epoch, &entries, self.random_bytes());
                self.post_items(id, &roster, epoch, &[item])?;
            }
        }
        self.conn().execute(
            "INSERT INTO roster_posts(genesis, head) VALUES (?1, ?2) ON CONFLICT(genesis) DO UPDATE SET head = excluded.head",
            params![&id[..], &head[..]],
        )?;
        Ok(())
    }

    /// Posts a signed erasure record into this device's outboxes of the panel's current and
    /// previous epochs (a phone that missed the last epoch change still reads the previous),
    /// sealed like roster entries: every member learns of it on any path, even from the
    /// relay after this device destroyed the keys. Returns those outboxes.
    pub(crate) fn post_erasure(&mut self, id: &Hash, roster: &Roster, record: &[u8]) -> Result<Vec<DocumentId>> {
        let state = roster.state();
        let epochs = if state.epoch > 0 { vec![state.epoch - 1, state.epoch] } else { vec![0] };
        let mut outboxes = Vec::new();
        for epoch in epochs {
            let Some(secret) = self.epoch_secret(roster, epoch) else { continue };
            let item = seal_item(ERASURE_ITEM, "erasure", &secret, &state.panel, epoch, record, self.random_bytes());
            self.post_items(id, roster, epoch, &[item])?;
            outboxes.push(outbox_of(&secret, &state.panel, &self.device().signing).0);
        }
        if outboxes.is_empty() {
            return Err(Error::NotPermitted("this device does not hold the panel's secret".into()));
        }
        Ok(outboxes)
    }

    /// Roster entries from a mailbox item, if it is one this device can open.
    fn open_roster_item(&self, id: &Hash, item: &[u8]) -> Result<Option<Vec<u8>>> {
        self.open_item(id, item, ROSTER_ITEM, "roster")
    }

    pub(crate) fn open_item(&self, id: &Hash, item: &[u8], kind: u8, label: &str) -> Result<Option<Vec<u8>>> {
        if item.len() < 29 || item[0] != kind {
            return Ok(None);
        }
        let epoch = u32::from_le_bytes(item[1..5].try_into().expect("4 bytes"));
        let nonce: [u8; 24] = item[5..29].try_into().expect("24 bytes");
        let roster = self.roster(id)?;
        let Some(secret) = self.epoch_secret(&roster, epoch) else { return Ok(None) };
        Ok(secret.derive(label, &roster.state().panel).open(&nonce, &item[..29], &item[29..]).map(|p| p.to_vec()))
    }

    /// Takes the envelopes new in a peer's mailbox into the store. Our own outbox and ids
    /// that are no mailbox of ours give nothing.
    pub fn ingest_mailbox(&mut self, doc: DocumentId) -> Result<Vec<Receipt>> {
        let row: Option<(Vec<u8>, Vec<u8>, Vec<u8>, i64)> = self
            .conn()
            .query_row("SELECT genesis, device, actor, ingested FROM mailboxes WHERE doc_id = ?1", [&doc.as_bytes()[..]], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((genesis, device, actor, ingested)) = row else { return Ok(Vec::new()) };
        if device == self.device().signing {
            return Ok(Vec::new());
        }
        let Ok(genesis) = <Hash>::try_from(genesis.as_slice()) else { return Ok(Vec::new()) };
        let items = self.mailbox_items(doc, &ActorId::from(actor), ingested as u64)?;
        let mut receipts = Vec::with_capacity(items.len());
        let mut taken = 0;
        for item in &items {
            if item.first() == Some(&ROSTER_ITEM) {
                // Entries that do not open, decode or extend the roster change nothing: the
                // roster takes only what its admins signed.
                if let Some(entries) = self.open_roster_item(&genesis, item)? {
                    if decode_entries(&entries).is_ok() {
                        let _ = self.import_roster(&genesis, &entries);
                    }
                }
                taken += 1;
                continue;
            }
            if item.first() == Some(&ERASURE_ITEM) {
                // A record that opens, verifies and is signed by an admin purges the panel,
                // this mailbox with it: nothing more is taken from it. One that fails any
                // check changes nothing.
                if let Some(record) = self.open_item(&genesis, item, ERASURE_ITEM, "erasure")? {
                    if self.receive_erasure(&record).is_ok() {
                        return Ok(receipts);
                    }
                }
                taken += 1;
                continue;
            }
            if item.first() == Some(&SNAPSHOT_ITEM) {
                // A snapshot that fails a check is recorded and passed over; one that names a
                // roster prefix not here yet stops the ingest, to be taken again later.
                if self.receive_snapshot_item(&genesis, item)? == super::compaction::SnapshotReceipt::Pending {
                    break;
                }
                taken += 1;
                continue;
            }
            let receipt = self.receive_envelope(&genesis, item)?;
            // The hold queue is full (someone may be flooding it): stop here, and take this
            // item again on the next ingest rather than pass over it for good.
            if receipt == Receipt::Held(super::envelope::Hold::QueueFull) {
                receipts.push(receipt);
                break;
            }
            receipts.push(receipt);
            taken += 1;
        }
        self.conn().execute(
            "UPDATE mailboxes SET ingested = ?2 WHERE doc_id = ?1",
            params![&doc.as_bytes()[..], ingested + taken],
        )?;
        // A release that fails (a quarantined interview, say) is tried again on the next
        // ingest or submission; it never costs the envelopes already taken.
        let _ = self.release_after_ingest(&genesis, &receipts);
        Ok(receipts)
    }

    /// On an admin's phone, a sync that delivered a change to an interview (a submitted
    /// scorecard, say) may let it release scorecard keys; those releases go into this
    /// device's outbox at once, so the same session carries them.
    fn release_after_ingest(&mut self, genesis: &Hash, receipts: &[Receipt]) -> Result<()> {
        if !receipts.iter().any(|r| matches!(r, Receipt::Applied { changed: true, .. })) {
            return Ok(());
        }
        let roster = self.roster(genesis)?;
        if !roster.state().is_admin(&self.device().signing) {
            return Ok(());
        }
        let mut released = 0;
        let interviews: std::collections::BTreeSet<DocumentId> = receipts
            .iter()
            .filter_map(|r| match r {
                Receipt::Applied { document, changed: true } => Some(*document),
                _ => None,
            })
            .filter(|d| roster.state().documents.get(d) == Some(&DocKind::Interview))
            .collect();
        for iv in interviews {
            released += self.release_scorecards(iv)?;
        }
        if released > 0 {
            self.post_outgoing(genesis)?;
        }
        Ok(())
    }

    /// Every mailbox of the panel, ingested.
    pub fn ingest_mailboxes(&mut self, id: &Hash) -> Result<Vec<Receipt>> {
        let mut out = Vec::new();
        for doc in self.mailbox_ids(id)? {
            out.extend(self.ingest_mailbox(doc)?);
        }
        Ok(out)
    }
}
