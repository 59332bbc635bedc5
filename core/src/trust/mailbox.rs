//! Mailboxes: how envelopes travel on every path (ARCHITECTURE.md, "Outboxes"). Each device
//! has one outbox per panel and epoch: an Automerge document only it writes, whose id and
//! actor are derived from the epoch's secret and the device, holding envelopes as opaque
//! bytes. Peers and the standard automerge-repo relay sync these documents with the plain
//! protocol and see nothing but ciphertext; a phone takes envelopes out of a mailbox only
//! from the owner's actor, and every envelope still passes every check in `delivery`.

use automerge::ActorId;
use rusqlite::{params, OptionalExtension};

use super::delivery::Receipt;
use super::roster::{Hash, Roster};
use super::seal::Secret;
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::store::Store;
use crate::sync::Grant;

/// A device's outbox for one panel and epoch: its document id and the actor it writes as.
pub fn outbox_of(secret: &Secret, panel: &[u8; 16], device: &[u8; 32]) -> (DocumentId, ActorId) {
    let mut context = panel.to_vec();
    context.extend_from_slice(device);
    let id = DocumentId::from_bytes(secret.derive_id("mailbox id", &context));
    let actor = ActorId::from(&secret.derive_id::<16>("mailbox actor", &context)[..]);
    (id, actor)
}

impl Store {
    /// Records the outboxes of the roster's current epoch, one per current device, so this
    /// store knows them when they arrive and shares them with the panel.
    pub(crate) fn register_mailboxes(&mut self, id: &Hash, roster: &Roster) -> Result<()> {
        let state = roster.state();
        let Some(secret) = self.epoch_secret(roster, state.epoch) else { return Ok(()) };
        for m in state.current_devices() {
            let (doc, actor) = outbox_of(&secret, &state.panel, &m.device.signing);
            self.conn().execute(
                "INSERT OR IGNORE INTO mailboxes(doc_id, genesis, device, epoch, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![&doc.as_bytes()[..], &id[..], &m.device.signing[..], state.epoch, actor.to_bytes()],
            )?;
        }
        Ok(())
    }

    /// What to share with a member of this panel: its mailboxes, every epoch this phone
    /// knows (a phone that was away catches up on the old ones too), and nothing else.
    pub fn mailbox_grant(&self, id: &Hash) -> Result<Grant> {
        let mut q = self.conn().prepare("SELECT doc_id FROM mailboxes WHERE genesis = ?1")?;
        let ids: Vec<Vec<u8>> = q.query_map([&id[..]], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(Grant::documents(ids.into_iter().filter_map(|b| Some(DocumentId::from_bytes(b.try_into().ok()?)))))
    }

    /// Seals this device's new changes to the panel's documents and posts them in its
    /// outbox. Returns how many envelopes were posted.
    pub fn post_outgoing(&mut self, id: &Hash) -> Result<usize> {
        let envelopes = self.seal_outgoing(id)?;
        if envelopes.is_empty() {
            return Ok(0);
        }
        let roster = self.roster(id)?;
        let state = roster.state();
        let secret = self
            .epoch_secret(&roster, state.epoch)
            .ok_or_else(|| Error::NotPermitted("this device does not hold the panel's current secret".into()))?;
        let (doc, actor) = outbox_of(&secret, &state.panel, &self.device().signing);
        self.register_mailboxes(id, &roster)?;
        let posted: i64 = self
            .conn()
            .query_row("SELECT ingested FROM mailboxes WHERE doc_id = ?1", [&doc.as_bytes()[..]], |r| r.get(0))?;
        self.append_to_mailbox(doc, &actor, posted as u64, &envelopes)?;
        self.conn().execute(
            "UPDATE mailboxes SET ingested = ?2 WHERE doc_id = ?1",
            params![&doc.as_bytes()[..], posted + envelopes.len() as i64],
        )?;
        Ok(envelopes.len())
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
        for item in &items {
            receipts.push(self.receive_envelope(&genesis, item)?);
        }
        self.conn().execute(
            "UPDATE mailboxes SET ingested = ?2 WHERE doc_id = ?1",
            params![&doc.as_bytes()[..], ingested + items.len() as i64],
        )?;
        Ok(receipts)
    }

    /// Every mailbox of the panel, ingested.
    pub fn ingest_mailboxes(&mut self, id: &Hash) -> Result<Vec<Receipt>> {
        let mut out = Vec::new();
        for doc in self.mailbox_grant(id)?.iter().collect::<Vec<_>>() {
            out.extend(self.ingest_mailbox(doc)?);
        }
        Ok(out)
    }
}
