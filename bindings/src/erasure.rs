//! Erasure, legal holds, the team's retention rule and the access-request export, as the
//! apps call them. Results cross as the core's own records: ids, counts and reasons, never
//! candidate data (except in the export, which is the point of it).

use panelnotes_core::services::access_request::AccessExport;
use panelnotes_core::services::erasure::ErasureStatus;
use panelnotes_core::services::retention::{RetentionDue, RetentionRule, RetentionRun};

use crate::error::PanelNotesError;
use crate::store::{id, PanelNotes};

#[uniffi::export]
impl PanelNotes {
    /// Erases the candidate on this device and, through a signed record of ids, on every
    /// phone of their panels. Only an admin of those panels (or the candidate's lead when
    /// there is no roster); refused while a legal hold is set.
    pub fn erase_candidate(&self, candidate_id: String) -> Result<ErasureStatus, PanelNotesError> {
        Ok(self.lock().erase_candidate(id(&candidate_id)?)?)
    }

    /// Where an erasure stands: how many of the panels' devices this one knows purged.
    pub fn erasure_status(&self, candidate_id: String) -> Result<ErasureStatus, PanelNotesError> {
        Ok(self.lock().erasure_status(id(&candidate_id)?)?)
    }

    /// Every erasure done or received here, oldest first.
    pub fn erasures(&self) -> Result<Vec<ErasureStatus>, PanelNotesError> {
        Ok(self.lock().erasures()?)
    }

    /// Whether an id was erased here (and is refused from every peer).
    pub fn is_erased(&self, document_id: String) -> Result<bool, PanelNotesError> {
        Ok(self.lock().is_erased(id(&document_id)?)?)
    }

    pub fn set_legal_hold(&self, candidate_id: String, hold: bool) -> Result<(), PanelNotesError> {
        Ok(self.lock().set_legal_hold(id(&candidate_id)?, hold)?)
    }

    pub fn legal_hold(&self, candidate_id: String) -> Result<bool, PanelNotesError> {
        Ok(self.lock().legal_hold(id(&candidate_id)?)?)
    }

    /// Everything this device holds about the candidate, as JSON and Markdown.
    pub fn export_all(&self, candidate_id: String) -> Result<AccessExport, PanelNotesError> {
        Ok(self.lock().export_all(id(&candidate_id)?)?)
    }

    pub fn retention_rule(&self) -> Result<RetentionRule, PanelNotesError> {
        Ok(self.lock().retention_rule()?)
    }

    /// Keeps the team's rule; it runs whenever the store opens, and on `run_retention`.
    pub fn set_retention_rule(&self, rule: RetentionRule) -> Result<(), PanelNotesError> {
        Ok(self.lock().set_retention_rule(rule)?)
    }

    /// The dry run of a rule (the team's, or one being considered): ids and why.
    pub fn retention_preview(&self, rule: RetentionRule) -> Result<Vec<RetentionDue>, PanelNotesError> {
        Ok(self.lock().retention_preview(rule)?)
    }

    pub fn run_retention(&self) -> Result<RetentionRun, PanelNotesError> {
        Ok(self.lock().run_retention()?)
    }
}
