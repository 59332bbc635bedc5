//! Conflicts: contested fields with a token per value.

use panelnotes_core::Conflict;

use crate::error::R;
use crate::store::{id, PanelNotes};

#[uniffi::export]
impl PanelNotes {
    /// Contested fields of one document, or of every document.
    pub fn conflicts(&self, document_id: Option<String>) -> R<Vec<Conflict>> {
        let mut s = self.lock();
        Ok(match document_id {
            Some(d) => s.conflicts(id(&d)?)?,
            None => s.all_conflicts()?,
        })
    }

    /// Keeps the value `token` names (from `conflicts`). If the conflict changed since it was
    /// listed and that value is gone, this is `ConflictChanged` and nothing is written.
    pub fn resolve_conflict(&self, document_id: String, field: String, token: String) -> R<()> {
        Ok(self.lock().resolve_conflict(id(&document_id)?, &field, &token)?)
    }
}
