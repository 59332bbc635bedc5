//! Problems met in what peers wrote, and damaged documents, as the apps list them: a value
//! skipped by the readers, orphaned changes dropped, a document healed or quarantined. Each
//! crosses as the core's own record: a kind, a path, ids, authors and times, never the values
//! and never a sentence, so the apps can say it in the user's language.

use panelnotes_core::{Problem, QuarantinedDocument};

use crate::error::PanelNotesError;
use crate::store::{id, PanelNotes};

#[uniffi::export]
impl PanelNotes {
    /// Problems met in what peers wrote, oldest first; `document_id` narrows to one.
    pub fn problems(&self, document_id: Option<String>) -> Result<Vec<Problem>, PanelNotesError> {
        let only = document_id.as_deref().map(id).transpose()?;
        Ok(self.read().problems(only)?)
    }

    /// Drops a value `problems` lists (or the list item lacking it) for every panel member,
    /// as an ordinary edit.
    pub fn drop_invalid(&self, document_id: String, path: String) -> Result<(), PanelNotesError> {
        Ok(self.lock().drop_invalid(id(&document_id)?, &path)?)
    }

    /// Documents that failed to load, with why; each heals at the next sync with a panel
    /// member.
    pub fn quarantined(&self) -> Result<Vec<QuarantinedDocument>, PanelNotesError> {
        Ok(self.read().quarantined()?)
    }
}
