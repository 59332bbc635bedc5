//! Candidates, their timelines and logistics, the decision, and the team's templates.

use std::time::SystemTime;

use panelnotes_core::model::{Candidate, CandidateEventKind, Logistics, LogisticsUpdate, NewCandidate, Outcome, Template};
use panelnotes_core::timeline::{CandidateSummary, PendingFeedback, SpeedMetrics, Timeline};

use crate::error::R;
use crate::store::{at, id, who, PanelNotes};

#[uniffi::export]
impl PanelNotes {
    pub fn create_candidate(&self, name: String, role: String, source: Option<String>, contact: Option<String>, applied_at: SystemTime) -> R<String> {
        let c = NewCandidate { name, role, source, contact, applied_at: at(applied_at)? };
        Ok(self.lock().create_candidate(c)?.to_string())
    }

    /// The whole candidate document: profile, events, logistics, interviews, decision, lead.
    pub fn candidate(&self, candidate_id: String) -> R<Candidate> {
        Ok(self.lock().candidate(id(&candidate_id)?)?)
    }

    /// Every candidate, the ones waiting longest on the team first.
    pub fn candidates(&self) -> R<Vec<CandidateSummary>> {
        Ok(self.read().candidates()?)
    }

    /// Candidates whose name contains `name` (any case).
    pub fn find_candidates(&self, name: String) -> R<Vec<CandidateSummary>> {
        Ok(self.read().find_candidates(&name)?)
    }

    pub fn candidate_summary(&self, candidate_id: String) -> R<CandidateSummary> {
        Ok(self.read().candidate_summary(id(&candidate_id)?)?)
    }

    /// The timeline with its interviews and speed figures. Entries a peer dated out of order
    /// carry `problem`; a booking's entry carries its slot as `detail`.
    pub fn timeline(&self, candidate_id: String) -> R<Timeline> {
        Ok(self.read().timeline(id(&candidate_id)?)?)
    }

    pub fn speed_metrics(&self, candidate_id: String) -> R<SpeedMetrics> {
        Ok(self.read().speed_metrics(id(&candidate_id)?)?)
    }

    /// Ended interviews still missing scorecards, oldest first.
    pub fn pending_feedback(&self, now: SystemTime) -> R<Vec<PendingFeedback>> {
        Ok(self.read().pending_feedback(at(now)?)?)
    }

    pub fn logistics(&self, candidate_id: String) -> R<Logistics> {
        Ok(self.lock().candidate(id(&candidate_id)?)?.logistics)
    }

    pub fn record_event(&self, candidate_id: String, kind: CandidateEventKind, at_time: SystemTime, note: Option<String>) -> R<()> {
        Ok(self.lock().record_event(id(&candidate_id)?, kind, at(at_time)?, note)?)
    }

    /// Writes the fields that are set, noted as said now.
    pub fn set_logistics(&self, candidate_id: String, update: LogisticsUpdate) -> R<()> {
        Ok(self.lock().set_logistics(id(&candidate_id)?, update)?)
    }

    /// Writes the fields that are set, noted as said at `said_at` (for notes typed up later).
    pub fn set_logistics_at(&self, candidate_id: String, update: LogisticsUpdate, said_at: SystemTime) -> R<()> {
        Ok(self.lock().set_logistics_at(id(&candidate_id)?, update, at(said_at)?)?)
    }

    /// Hands the candidate's process on to another lead.
    pub fn set_candidate_lead(&self, candidate_id: String, lead: String) -> R<()> {
        Ok(self.lock().set_candidate_lead(id(&candidate_id)?, who(lead)?)?)
    }

    /// Records the decision (the process lead only).
    pub fn decide(&self, candidate_id: String, outcome: Outcome, at_time: SystemTime, reason: Option<String>) -> R<()> {
        Ok(self.lock().decide(id(&candidate_id)?, outcome, at(at_time)?, reason)?)
    }

    // ---- templates ----------------------------------------------------------------------

    /// The built-in playbook first (its `id` is `None`), then the team's templates.
    pub fn templates(&self) -> R<Vec<Template>> {
        Ok(self.lock().templates()?)
    }

    pub fn template(&self, template_id: String) -> R<Template> {
        Ok(self.lock().template(id(&template_id)?)?)
    }

    /// A template by id or by name (the playbook by its name).
    pub fn find_template(&self, name_or_id: String) -> R<Template> {
        Ok(self.lock().find_template(&name_or_id)?)
    }

    /// Stores a team template (its `id` is ignored); returns the new id.
    pub fn create_template(&self, template: Template) -> R<String> {
        Ok(self.lock().create_template(Template { id: None, ..template })?.to_string())
    }

    pub fn update_template(&self, template_id: String, template: Template) -> R<()> {
        Ok(self.lock().update_template(id(&template_id)?, Template { id: None, ..template })?)
    }
}
