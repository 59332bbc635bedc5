//! Conflicts and panels: contested fields with a token per value, and the invite that admits
//! a device to an interview's panel.

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

    /// The invite (a URI for a QR code) to this interview's panel.
    pub fn panel_invite(&self, interview_id: String) -> R<String> {
        Ok(self.lock().panel_invite(id(&interview_id)?)?.to_uri())
    }

    /// Joins a panel from its invite; returns the interview id.
    pub fn join_panel(&self, invite: String) -> R<String> {
        let invite = panelnotes_core::transport::PanelInvite::parse(&invite).map_err(panelnotes_core::transport::TransportError::from)?;
        Ok(self.lock().join_panel(&invite)?.interview.to_string())
    }

    /// The interviews whose panels this device belongs to.
    pub fn panels(&self) -> R<Vec<String>> {
        Ok(self.lock().panels()?.into_iter().map(|p| p.interview.to_string()).collect())
    }
}
