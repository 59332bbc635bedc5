//! Outboxes this phone no longer needs (trust's compaction: an epoch's snapshot replaced
//! them). Retiring one stops it being registered, shared and read at once; its document is
//! deleted later, when the store opens (or `drop_retired_outboxes` is called at a quiet
//! moment), because a session that started earlier still shares it and would otherwise ask
//! the peer for it again and again. Only mailbox documents go this way; candidate data is
//! erased by `purge`.

use rusqlite::params;

use super::Store;
use crate::error::Result;
use crate::ids::DocumentId;

/// Every table that holds a retired outbox document's rows, and its column.
const OUTBOX_ROWS: &[(&str, &str)] = &[
    ("chunks", "doc_id"),
    ("pending_edits", "doc_id"),
    ("sync_states", "doc_id"),
    ("problems", "doc_id"),
    ("documents", "id"),
];

impl Store {
    /// Retires the given mailboxes, in one transaction.
    pub(crate) fn retire_mailboxes(&mut self, ids: &[DocumentId]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in ids {
            tx.execute("INSERT OR IGNORE INTO retired_outboxes(doc_id) VALUES (?1)", [&id.as_bytes()[..]])?;
            tx.execute("DELETE FROM mailboxes WHERE doc_id = ?1", [&id.as_bytes()[..]])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes the retired outboxes' documents and what is cached of them. Returns how many.
    pub fn drop_retired_outboxes(&mut self) -> Result<usize> {
        let mut q = self.conn.prepare("SELECT doc_id FROM retired_outboxes")?;
        let ids: Vec<DocumentId> = q
            .query_map([], |r| r.get::<_, Vec<u8>>(0))?
            .filter_map(|r| r.ok())
            .filter_map(|b| Some(DocumentId::from_bytes(b.try_into().ok()?)))
            .collect();
        drop(q);
        if ids.is_empty() {
            return Ok(0);
        }
        for id in &ids {
            self.docs.remove(id);
            self.healing.remove(id);
            self.live.remove(id);
        }
        self.recent.retain(|id| !ids.contains(id));
        self.undecoded.retain(|(id, _), _| !ids.contains(id));
        let tx = self.conn.transaction()?;
        for id in &ids {
            // A mailbox registered again since (an epoch this phone went back to) is kept.
            let registered: bool = tx.prepare_cached("SELECT 1 FROM mailboxes WHERE doc_id = ?1")?.exists([&id.as_bytes()[..]])?;
            if !registered {
                for (table, column) in OUTBOX_ROWS {
                    tx.execute(&format!("DELETE FROM {table} WHERE {column} = ?1"), [&id.as_bytes()[..]])?;
                }
            }
            tx.execute("DELETE FROM retired_outboxes WHERE doc_id = ?1", params![&id.as_bytes()[..]])?;
        }
        tx.commit()?;
        Ok(ids.len())
    }
}
