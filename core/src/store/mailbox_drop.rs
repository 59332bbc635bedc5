//! Deleting outboxes this phone no longer needs (trust's compaction: an epoch's snapshot
//! replaced them). Only mailbox documents go this way; candidate data is erased by `purge`.

use super::Store;
use crate::error::Result;
use crate::ids::DocumentId;

/// Every table that holds a mailbox document's rows, and its column.
const MAILBOX_ROWS: &[(&str, &str)] = &[
    ("chunks", "doc_id"),
    ("pending_edits", "doc_id"),
    ("sync_states", "doc_id"),
    ("problems", "doc_id"),
    ("documents", "id"),
    ("mailboxes", "doc_id"),
];

impl Store {
    /// Deletes the given mailboxes, their rows and what is cached of them, in one transaction.
    pub(crate) fn drop_mailboxes(&mut self, ids: &[DocumentId]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        for id in ids {
            self.docs.remove(id);
            self.healing.remove(id);
            self.live.remove(id);
        }
        self.recent.retain(|id| !ids.contains(id));
        self.undecoded.retain(|(id, _), _| !ids.contains(id));
        let tx = self.conn.transaction()?;
        for id in ids {
            for (table, column) in MAILBOX_ROWS {
                tx.execute(&format!("DELETE FROM {table} WHERE {column} = ?1 AND EXISTS (SELECT 1 FROM mailboxes WHERE doc_id = ?1)"), [&id.as_bytes()[..]])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
