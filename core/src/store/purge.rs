//! Purging an erased candidate from this device (ARCHITECTURE.md, "Store" → "Erasure"):
//! every row that holds or points at the candidate's documents, their panels' rosters,
//! secrets, mailboxes and sync state goes in one transaction with `secure_delete` on; then
//! the file is rebuilt and the WAL truncated, so no deleted byte lingers in free pages or
//! in the log. What stays is a tombstone of ids, so those ids are refused forever.

use rusqlite::{params, Transaction};

use crate::error::Result;
use crate::ids::DocumentId;
use crate::keys::DevicePublic;

/// A roster's genesis hash (trust's `roster::Hash`; the store sits below trust).
type Hash = [u8; 32];

use super::Store;

/// What one erasure removes and what it keeps.
pub(crate) struct Purge {
    pub candidate: DocumentId,
    /// The candidate document first, then its interviews.
    pub documents: Vec<DocumentId>,
    pub panels: Vec<Hash>,
    /// The signed record, kept to answer any stale phone that asks.
    pub record: Vec<u8>,
    /// Session keys (tag, pre-shared key) of the panels' epochs: derived one way from the
    /// destroyed secrets, they open a session and read nothing, so a stale member's phone
    /// can still reach this one and be told.
    pub sessions: Vec<([u8; 8], [u8; 32])>,
    /// The panels' devices, which are expected to acknowledge.
    pub devices: Vec<DevicePublic>,
    /// This device's own acknowledgement.
    pub ack: Vec<u8>,
    /// This device's outboxes that carry the record: kept (their content is sealed under
    /// secrets this device no longer holds), so the relay and peers still get the record.
    pub keep_outboxes: Vec<DocumentId>,
}

/// Destroys the keys that open the candidate's data on this device: the candidate's content
/// key, the panels' epoch secrets (wrapped to this device inside the roster entries), and v1
/// panels' secrets in `panels`.
pub(crate) fn destroy_keys(tx: &Transaction<'_>, candidate: DocumentId, documents: &[DocumentId], panels: &[Hash]) -> Result<()> {
    // The candidate's content key, wrapped under the app's key: without it nothing sealed
    // under it opens again, whatever copy of the file survives.
    super::content_keys::destroy_content_key(tx, candidate)?;
    for g in panels {
        tx.execute("DELETE FROM rosters WHERE genesis = ?1", [&g[..]])?;
    }
    tx.execute("DELETE FROM panels WHERE candidate_id = ?1", [&candidate.as_bytes()[..]])?;
    for d in documents {
        tx.execute("DELETE FROM panels WHERE interview_id = ?1", [&d.as_bytes()[..]])?;
    }
    Ok(())
}

/// Every table keyed by a document id, and its column.
const BY_DOCUMENT: &[(&str, &str)] = &[
    ("chunks", "doc_id"),
    ("documents", "id"),
    ("pending_edits", "doc_id"),
    ("sync_states", "doc_id"),
    ("idx_conflicts", "doc_id"),
    ("problems", "doc_id"),
    ("scorecard_drafts", "interview_id"),
    ("idx_interviews", "id"),
    ("idx_notes", "interview_id"),
    ("idx_panelists", "interview_id"),
    ("idx_events", "source_doc"),
    ("idx_events", "candidate_id"),
    ("idx_candidates", "id"),
];

/// Every table keyed by a roster's genesis hash.
const BY_PANEL: &[&str] = &[
    "outbox_runs",
    "envelopes_seen",
    "envelopes_held",
    "envelope_rejections",
    "run_headers",
    "epoch_snapshots",
    "compacted_epochs",
    "snapshot_problems",
    "seat_tokens",
    "join_requests",
    "joins",
    "roster_actors",
    "roster_posts",
    "mailboxes",
];

impl Store {
    /// Whether `id` (a candidate, one of its documents or mailboxes) was erased here.
    pub fn is_erased(&self, id: DocumentId) -> Result<bool> {
        self.is_erased_id(&id.as_bytes()[..])
    }

    /// The same for any id, a roster's genesis hash included.
    pub(crate) fn is_erased_id(&self, id: &[u8]) -> Result<bool> {
        Ok(self.conn.prepare_cached("SELECT 1 FROM erased_ids WHERE id = ?1")?.exists([id])?)
    }

    /// Removes the candidate from this device and records the tombstone, in one
    /// transaction; then rebuilds the file and truncates the WAL.
    pub(crate) fn purge(&mut self, p: &Purge) -> Result<()> {
        let mut mailboxes = Vec::new();
        for g in &p.panels {
            let mut q = self.conn.prepare("SELECT doc_id FROM mailboxes WHERE genesis = ?1")?;
            let ids: Vec<Vec<u8>> = q.query_map([&g[..]], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            mailboxes.extend(ids.into_iter().filter_map(|b| Some(DocumentId::from_bytes(b.try_into().ok()?))));
        }
        mailboxes.retain(|m| !p.keep_outboxes.contains(m));
        let gone: Vec<DocumentId> = p.documents.iter().chain(mailboxes.iter()).copied().collect();
        // Whatever is decoded or typed ahead in memory goes without being written back.
        for id in gone.iter().chain(&p.keep_outboxes) {
            self.docs.remove(id);
            self.healing.remove(id);
            self.live.remove(id);
        }
        self.recent.retain(|id| !gone.contains(id) && !p.keep_outboxes.contains(id));
        self.undecoded.retain(|(id, _), _| !gone.contains(id));

        let now = self.now_ms();
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        let tx = self.conn.transaction()?;
        for id in &gone {
            for (table, column) in BY_DOCUMENT {
                tx.execute(&format!("DELETE FROM {table} WHERE {column} = ?1"), [&id.as_bytes()[..]])?;
            }
        }
        for g in &p.panels {
            for table in BY_PANEL {
                tx.execute(&format!("DELETE FROM {table} WHERE genesis = ?1"), [&g[..]])?;
            }
        }
        destroy_keys(&tx, p.candidate, &p.documents, &p.panels)?;

        let c = &p.candidate.as_bytes()[..];
        let tombstone = |id: &[u8], kind: &str| {
            tx.execute(
                "INSERT OR IGNORE INTO erased_ids(id, kind, candidate, erased_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, kind, c, now],
            )
        };
        tombstone(c, "candidate")?;
        for d in &p.documents[1..] {
            tombstone(&d.as_bytes()[..], "document")?;
        }
        for g in &p.panels {
            tombstone(&g[..], "panel")?;
        }
        for m in &mailboxes {
            tombstone(&m.as_bytes()[..], "mailbox")?;
        }
        tx.execute("INSERT OR IGNORE INTO erasures(candidate, record, erased_at) VALUES (?1, ?2, ?3)", params![c, p.record, now])?;
        for (tag, psk) in &p.sessions {
            tx.execute("INSERT OR IGNORE INTO erased_sessions(tag, psk, candidate) VALUES (?1, ?2, ?3)", params![&tag[..], &psk[..], c])?;
        }
        for d in &p.devices {
            tx.execute(
                "INSERT OR IGNORE INTO erasure_devices(candidate, signing, agreement) VALUES (?1, ?2, ?3)",
                params![c, &d.signing[..], &d.agreement[..]],
            )?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO erasure_acks(candidate, device, ack) VALUES (?1, ?2, ?3)",
            params![c, &self.device.public().signing[..], p.ack],
        )?;
        for m in &p.keep_outboxes {
            tx.execute("INSERT OR IGNORE INTO erasure_outboxes(doc_id, candidate) VALUES (?1, ?2)", params![&m.as_bytes()[..], c])?;
        }
        tx.execute("DELETE FROM legal_holds WHERE candidate = ?1", [c])?;
        tx.commit()?;
        self.scrub()?;
        self.keyring_changed();
        // The candidate list drops the row; a listener on the documents learns they are gone.
        for id in &p.documents {
            self.notify(*id, super::Origin::Local);
        }
        Ok(())
    }

    /// Rebuilds the file (pages freed before `secure_delete` was on may still hold old
    /// bytes) and truncates the WAL, which holds earlier images of the purged pages.
    pub(crate) fn scrub(&mut self) -> Result<()> {
        self.conn.execute_batch("VACUUM")?;
        let (busy, _, _): (i64, i64, i64) =
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        if busy != 0 {
            // A reader holds an old snapshot: try once more after it had a moment; the log is
            // truncated on the next checkpoint either way.
            std::thread::yield_now();
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }
}
