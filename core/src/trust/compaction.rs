//! Mailbox compaction by epochs (ARCHITECTURE.md, "Outboxes on the relay"). Outboxes only
//! grow, so an admin's device starts a new epoch for the same members (a `NewEpoch` roster
//! entry with a fresh secret) and posts, in its new outbox, a snapshot of every panel
//! document (`epoch_snapshot`). The admin that starts any epoch, a removal's included, posts
//! its snapshot at its next flush, so every epoch after the first starts from one.
//!
//! A phone that verified the snapshots of every panel document of an epoch stops syncing
//! older outboxes and deletes them here. It keeps the previous epoch's admin outboxes: they
//! carry the roster entries that wrap the new secret to each member, so a phone that was
//! away for one epoch change still learns it on any path. A phone away for more than one
//! catches up through the relay, which keeps every outbox. A device admitted in an epoch
//! after the first never registers the older outboxes at all: the snapshot is its history.
//!
//! Sequence numbers stay per (device, document) across epochs (`outbox_runs` is per panel),
//! so equivocation is still caught across an epoch change on a phone that saw both runs, and
//! held envelopes stay held per panel. On accepting a snapshot a phone re-seals, into the
//! new epoch, its own changes the snapshot lacks (sent in an old outbox nobody reads now).

use automerge::{Change, ChangeHash};
use rusqlite::{params, OptionalExtension};

use super::codec::{Reader, Writer};
use super::envelope::Body;
use super::epoch_snapshot::{self, RunHeader, Snapshot, Verified};
use super::membership::{encode_entries, wrap_context};
use super::roster::{Action, Entry, Hash, Roster};
use super::seal::{wrap_to, Secret};
use super::EnvelopeProblem;
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::store::Store;

/// When the lead's phone compacts on its own, checked at each sync flush: once the current
/// epoch's outboxes held here pass `min_bytes` and `ratio` times what the panel's documents
/// save to. Below 1 MiB a fresh phone's download is small whatever it holds (a 45-minute
/// panel's outboxes are a few hundred KB), and compacting costs every phone one snapshot load
/// and every session a new key; at 4x, a phone that joins late downloads at most about five
/// times the compact documents instead of the whole history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompactionPolicy {
    pub min_bytes: u64,
    pub ratio: u64,
}

impl Default for CompactionPolicy {
    fn default() -> Self {
        CompactionPolicy { min_bytes: 1 << 20, ratio: 4 }
    }
}

/// What became of a snapshot item from an admin's outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotReceipt {
    Accepted,
    /// It names a roster prefix this phone has not seen yet: taken again on a later ingest.
    Pending,
    /// Sealed under an epoch this phone holds no secret for yet (handed over directly: an
    /// admin's outbox of an epoch holds only items of that epoch, so there it is passed over).
    UnknownEpoch,
    Refused,
}

fn encode_header(h: &RunHeader) -> Vec<u8> {
    let mut w = Writer::new();
    h.encode(&mut w);
    w.finish()
}

fn heads_bytes(heads: &[[u8; 32]]) -> Vec<u8> {
    heads.iter().flatten().copied().collect()
}

impl Store {
    /// Starts a new epoch for the same members, as an admin, and posts the snapshot it starts
    /// from. Everything this device wrote is sealed first, so the snapshot holds nothing of
    /// its own that no signed run covers. Returns the new epoch.
    pub fn compact_panel(&mut self, id: &Hash) -> Result<u32> {
        let roster = self.roster(id)?;
        if !roster.state().is_admin(&self.device().signing) {
            return Err(Error::NotPermitted("only an admin's device compacts a panel".into()));
        }
        self.post_flush(id)?;
        let roster = self.roster(id)?;
        let state = roster.state();
        let epoch = state.epoch + 1;
        let secret = Secret::from_bytes(self.random_bytes());
        let context = wrap_context(&state.panel, epoch);
        let wrapped = state
            .current_devices()
            .map(|m| (m.device.signing, wrap_to(&m.device.agreement, &secret, &context, self.random_bytes(), self.random_bytes())))
            .collect();
        let entry = Entry::sign(self.device_keys(), roster.head(), Action::NewEpoch { epoch, wrapped });
        self.import_roster(id, &encode_entries(&[entry]))?;
        self.post_flush(id)?;
        if self.compacted_epoch(id)? != Some(epoch) {
            return Err(Error::invalid("the snapshot could not cover every member's signed changes"));
        }
        Ok(epoch)
    }

    /// Compacts when this is the lead's device and the policy says the current epoch's
    /// outboxes grew too large. Returns whether it did.
    pub fn compact_panel_if_due(&mut self, id: &Hash, policy: &CompactionPolicy) -> Result<bool> {
        let roster = self.roster(id)?;
        let state = roster.state();
        if state.lead_device != self.device().signing || state.current(&self.device().signing).is_none() {
            return Ok(false);
        }
        let held = self.epoch_mailbox_bytes(id, state.epoch)?;
        if held < policy.min_bytes {
            return Ok(false);
        }
        let mut saved = 0u64;
        for doc in state.documents.keys().copied().collect::<Vec<_>>() {
            saved += self.document_bytes(doc).map(|b| b.len() as u64).unwrap_or(0);
        }
        if held < saved.saturating_mul(policy.ratio) {
            return Ok(false);
        }
        self.compact_panel(id)?;
        Ok(true)
    }

    /// Bytes of the panel's outboxes of `epoch` held on this phone.
    fn epoch_mailbox_bytes(&self, id: &Hash, epoch: u32) -> Result<u64> {
        Ok(self.conn().query_row(
            "SELECT COALESCE(SUM(length(d.snapshot) + COALESCE((SELECT SUM(length(c.bytes)) FROM chunks c WHERE c.doc_id = d.id), 0)), 0)
             FROM documents d JOIN mailboxes m ON d.id = m.doc_id WHERE m.genesis = ?1 AND m.epoch = ?2",
            params![&id[..], epoch],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Bytes of every outbox of the panel held on this phone (snapshot and chunks as stored):
    /// what it downloaded and wrote.
    pub fn mailbox_bytes(&self, id: &Hash) -> Result<u64> {
        Ok(self.conn().query_row(
            "SELECT COALESCE(SUM(length(d.snapshot) + COALESCE((SELECT SUM(length(c.bytes)) FROM chunks c WHERE c.doc_id = d.id), 0)), 0)
             FROM documents d JOIN mailboxes m ON d.id = m.doc_id WHERE m.genesis = ?1",
            [&id[..]],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The newest epoch whose snapshots this phone verified (or posted), if any.
    pub fn compacted_epoch(&self, id: &Hash) -> Result<Option<u32>> {
        Ok(self
            .conn()
            .query_row("SELECT epoch FROM compacted_epochs WHERE genesis = ?1", [&id[..]], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|e| e as u32))
    }

    /// The oldest epoch whose outboxes this phone registers: the one it verified a snapshot
    /// of, or the one it was admitted in (after the first, every epoch starts from one).
    pub(crate) fn mailbox_floor(&self, id: &Hash, roster: &Roster) -> Result<u32> {
        let me = self.device().signing;
        let admitted = roster
            .entries()
            .iter()
            .filter_map(|e| roster.state_at(&e.hash()))
            .find(|s| s.members.contains_key(&me))
            .map_or(0, |s| s.epoch);
        Ok(admitted.max(self.compacted_epoch(id)?.unwrap_or(0)))
    }

    /// Records the header of a run this phone accepted (or sealed): the newest per device
    /// and document is what a snapshot of this phone's carries.
    pub(crate) fn remember_run(&mut self, id: &Hash, body: &Body, hashes: &[ChangeHash]) -> Result<()> {
        self.store_header(id, body.document, &RunHeader::of(body, hashes))
    }

    fn store_header(&mut self, id: &Hash, doc: DocumentId, h: &RunHeader) -> Result<()> {
        self.conn().execute(
            "INSERT INTO run_headers(genesis, doc_id, device, seq, header) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(genesis, doc_id, device) DO UPDATE SET seq = excluded.seq, header = excluded.header
             WHERE excluded.seq > run_headers.seq",
            params![&id[..], &doc.as_bytes()[..], &h.device[..], h.seq as i64, encode_header(h)],
        )?;
        Ok(())
    }

    /// The headers of this device's own envelopes, read back from them.
    pub(crate) fn remember_own_runs(&mut self, id: &Hash, envelopes: &[Vec<u8>]) -> Result<()> {
        let roster = self.roster(id)?;
        for e in envelopes {
            if let super::envelope::Verdict::Open(o) = super::envelope::open(e, &roster, |n| self.epoch_secret(&roster, n)) {
                let hashes: Vec<ChangeHash> = o.changes.iter().map(|c| c.hash()).collect();
                self.remember_run(id, &o.body, &hashes)?;
            }
        }
        Ok(())
    }

    /// Per device, the newest run header this phone has for `doc` that holds the device's
    /// newest change in `copy`: from this panel, or from another of the candidate's panels
    /// (a candidate's document is shared by them).
    fn headers_for(&self, id: &Hash, doc: DocumentId, copy: &mut automerge::AutoCommit) -> Result<Vec<RunHeader>> {
        let mut q = self.conn().prepare("SELECT header FROM run_headers WHERE doc_id = ?1 ORDER BY genesis = ?2 DESC, seq DESC")?;
        let rows: Vec<Vec<u8>> = q.query_map(params![&doc.as_bytes()[..], &id[..]], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let mut tops: std::collections::HashMap<automerge::ActorId, (u64, ChangeHash)> = std::collections::HashMap::new();
        for c in copy.get_changes(&[]) {
            let e = tops.entry(c.actor_id().clone()).or_insert((0, c.hash()));
            if c.seq() > e.0 {
                *e = (c.seq(), c.hash());
            }
        }
        let mut chosen: std::collections::BTreeMap<[u8; 32], RunHeader> = std::collections::BTreeMap::new();
        for h in rows.iter().filter_map(|b| RunHeader::decode(&mut Reader::new(b)).ok()) {
            let actor = crate::keys::DevicePublic { signing: h.device, agreement: [0; 32] }.actor();
            let holds_top = tops.get(&actor).is_some_and(|(_, top)| h.hashes.contains(&top.0));
            if holds_top && !chosen.contains_key(&h.device) {
                chosen.insert(h.device, h);
            }
        }
        Ok(chosen.into_values().collect())
    }

    /// Posts the snapshots of the current epoch's documents when this device started it and
    /// has not yet. A document not here yet, or whose snapshot would not verify (a member's
    /// changes with no signed run here), gets none for now and is tried at the next flush;
    /// until it has one, phones keep the older outboxes.
    pub(crate) fn post_snapshots_if_due(&mut self, id: &Hash) -> Result<()> {
        let roster = self.roster(id)?;
        let state = roster.state().clone();
        let me = self.device().signing;
        let started = roster.entries().iter().any(|e| e.author == me && matches!(e.action, Action::NewEpoch { epoch, .. } if epoch == state.epoch));
        if state.epoch == 0 || !started || !state.is_admin(&me) {
            return Ok(());
        }
        let Some(secret) = self.epoch_secret(&roster, state.epoch) else { return Ok(()) };
        let mut items = Vec::new();
        let mut snapshots = Vec::new();
        for (&doc, &kind) in &state.documents {
            // A document not here yet would be snapshotted empty, and phones would drop the
            // outboxes that hold it.
            if !self.has_document(doc)? || self.snapshot_posted(id, state.epoch, doc)? {
                continue;
            }
            let Ok(mut copy) = self.read_document(doc, kind, |d| d.fork()) else { continue };
            let headers = self.headers_for(id, doc, &mut copy)?;
            let s = Snapshot::sign(self.device_keys(), state.panel, state.epoch, doc, kind, roster.head(), &mut copy, headers);
            let bytes = s.encode();
            if !matches!(epoch_snapshot::verify(&bytes, state.epoch, &roster), Verified::Valid(_)) {
                continue;
            }
            items.push(super::mailbox::seal_snapshot(&secret, &state.panel, state.epoch, &bytes, self.random_bytes()));
            snapshots.push(s);
        }
        if items.is_empty() {
            return Ok(());
        }
        self.post_items(id, &roster, state.epoch, &items)?;
        for s in &snapshots {
            self.snapshot_taken(id, s)?;
        }
        self.finish_epoch(id, state.epoch)
    }

    fn snapshot_posted(&self, id: &Hash, epoch: u32, doc: DocumentId) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM epoch_snapshots WHERE genesis = ?1 AND epoch = ?2 AND doc_id = ?3")?
            .exists(params![&id[..], epoch, &doc.as_bytes()[..]])?)
    }

    /// Takes in a snapshot item (from its admin's outbox of the epoch it starts, or handed
    /// over on any other path). One that does not open under the panel's secrets is refused.
    pub fn receive_snapshot_item(&mut self, id: &Hash, item: &[u8]) -> Result<SnapshotReceipt> {
        if self.is_erased_id(&id[..])? {
            return Ok(SnapshotReceipt::Refused);
        }
        let roster = self.roster(id)?;
        match item.get(1..5).map(|e| u32::from_le_bytes(e.try_into().expect("4 bytes"))) {
            // Of an epoch this phone holds no secret for yet: it may learn it from the roster.
            Some(epoch) if item.len() >= 29 && self.epoch_secret(&roster, epoch).is_none() && epoch > roster.state().epoch => {
                return Ok(SnapshotReceipt::UnknownEpoch)
            }
            _ => {}
        }
        let Some(payload) = self.open_item(id, item, super::mailbox::SNAPSHOT_ITEM, "snapshot")? else {
            self.snapshot_problem(id, None, "the snapshot does not open with this panel's secrets")?;
            return Ok(SnapshotReceipt::Refused);
        };
        let epoch = u32::from_le_bytes(item[1..5].try_into().expect("an opened item has its epoch"));
        self.receive_snapshot(id, epoch, &payload)
    }

    /// Takes in a snapshot item's opened payload from an outbox of `epoch`.
    fn receive_snapshot(&mut self, id: &Hash, epoch: u32, payload: &[u8]) -> Result<SnapshotReceipt> {
        let roster = self.roster(id)?;
        let (s, doc) = match epoch_snapshot::verify(payload, epoch, &roster) {
            Verified::UnknownRoster => return Ok(SnapshotReceipt::Pending),
            Verified::Refused { signer, fault } => {
                self.snapshot_problem(id, signer, &fault.to_string())?;
                return Ok(SnapshotReceipt::Refused);
            }
            Verified::Valid(v) => *v,
        };
        let mut doc = doc;
        let changes: Vec<Change> = doc.get_changes(&[]);
        match self.apply_run(s.document, s.kind, changes) {
            Ok(_) => {}
            Err(Error::InvalidArgument(_)) => {
                let signer = Some(crate::keys::DevicePublic { signing: s.signer, agreement: [0; 32] }.fingerprint());
                self.snapshot_problem(id, signer, "the snapshot's document does not apply here")?;
                return Ok(SnapshotReceipt::Refused);
            }
            Err(e) => return Err(e),
        }
        self.snapshot_taken(id, &s)?;
        self.retry_held(id)?;
        self.finish_epoch(id, epoch)?;
        Ok(SnapshotReceipt::Accepted)
    }

    /// After a snapshot of this epoch was posted or verified: its headers are this phone's
    /// newest known runs, and this device's runs restart from its heads, so what of its own
    /// the snapshot lacks is sealed again into the new epoch.
    fn snapshot_taken(&mut self, id: &Hash, s: &Snapshot) -> Result<()> {
        for h in &s.headers {
            self.store_header(id, s.document, h)?;
        }
        self.conn().execute(
            "INSERT OR IGNORE INTO epoch_snapshots(genesis, epoch, doc_id, heads) VALUES (?1, ?2, ?3, ?4)",
            params![&id[..], s.epoch, &s.document.as_bytes()[..], heads_bytes(&s.heads)],
        )?;
        self.conn().execute(
            "INSERT INTO outbox_runs(genesis, doc_id, seq, heads) VALUES (?1, ?2, 0, ?3)
             ON CONFLICT(genesis, doc_id) DO UPDATE SET heads = excluded.heads",
            params![&id[..], &s.document.as_bytes()[..], heads_bytes(&s.heads)],
        )?;
        Ok(())
    }

    /// Once every panel document's snapshot of `epoch` is here: the older outboxes are retired
    /// (no longer shared or read; deleted when the store next opens), but the previous
    /// epoch's admin outboxes this phone holds, which carry the roster.
    fn finish_epoch(&mut self, id: &Hash, epoch: u32) -> Result<()> {
        if self.compacted_epoch(id)?.is_some_and(|e| e >= epoch) {
            return Ok(());
        }
        let roster = self.roster(id)?;
        let state = roster.state();
        let have: i64 = self.conn().query_row("SELECT COUNT(*) FROM epoch_snapshots WHERE genesis = ?1 AND epoch = ?2", params![&id[..], epoch], |r| r.get(0))?;
        if (have as usize) < state.documents.len() {
            return Ok(());
        }
        self.conn().execute(
            "INSERT INTO compacted_epochs(genesis, epoch) VALUES (?1, ?2) ON CONFLICT(genesis) DO UPDATE SET epoch = excluded.epoch",
            params![&id[..], epoch],
        )?;
        let mut q = self.conn().prepare("SELECT doc_id, device, epoch FROM mailboxes WHERE genesis = ?1 AND epoch < ?2")?;
        let old: Vec<(Vec<u8>, Vec<u8>, i64)> = q.query_map(params![&id[..], epoch], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        drop(q);
        let gone: Vec<DocumentId> = old
            .into_iter()
            .filter(|(_, device, e)| {
                let admin = <[u8; 32]>::try_from(device.as_slice()).is_ok_and(|d| state.is_admin(&d));
                !(admin && *e as u32 + 1 == epoch)
            })
            .filter_map(|(doc, _, _)| Some(DocumentId::from_bytes(doc.try_into().ok()?)))
            .collect();
        self.retire_mailboxes(&gone)
    }

    fn snapshot_problem(&mut self, id: &Hash, device: Option<String>, reason: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO snapshot_problems(genesis, device, reason, at) VALUES (?1, ?2, ?3, ?4)",
            params![&id[..], device, reason, self.now_ms()],
        )?;
        Ok(())
    }

    /// Snapshots refused for the panel, newest first: who signed, and why. Never content.
    pub fn snapshot_problems(&self, id: &Hash) -> Result<Vec<EnvelopeProblem>> {
        self.problems_in("snapshot_problems", id)
    }
}
