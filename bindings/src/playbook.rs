//! The playbook in the interviewer's hand and the speed rules: the live interview kit, the
//! debrief (proposal, booking, its iCalendar file, the brief), scorecards owed, the
//! acknowledgement queue and next-step commitments. The records are the core's own.

use std::time::{Duration, SystemTime};

use panelnotes_core::model::{DebriefSlot, Outcome};
use panelnotes_core::services::acknowledge::{AcknowledgementFilter, AwaitingAcknowledgement};
use panelnotes_core::services::brief::DebriefBrief;
use panelnotes_core::services::commitments::OpenCommitment;
use panelnotes_core::services::debrief::DebriefProposal;
use panelnotes_core::services::feedback::OwedScorecard;
use panelnotes_core::services::kit::InterviewKit;

use crate::error::{PanelNotesError, R};
use crate::store::{at, id, who, PanelNotes};

#[uniffi::export]
impl PanelNotes {
    /// The current stage's guidance and prompts by probe, time against its budget, and what
    /// is still uncovered (probes without notes, logistics not asked, no candidate question).
    pub fn interview_kit(&self, interview_id: String, now: SystemTime) -> R<InterviewKit> {
        Ok(self.lock().interview_kit(id(&interview_id)?, at(now)?)?)
    }

    /// A debrief slot right after the loop's last interview, with who should attend; `None`
    /// once the candidate is decided or nothing is scheduled.
    pub fn debrief_proposal(&self, candidate_id: String) -> R<Option<DebriefProposal>> {
        Ok(self.lock().debrief_proposal(id(&candidate_id)?)?)
    }

    /// Books the debrief (the lead only); a booking made before the interviews counts.
    pub fn book_debrief(&self, candidate_id: String, slot: DebriefSlot, booked_at: SystemTime) -> R<()> {
        Ok(self.lock().book_debrief(id(&candidate_id)?, slot, at(booked_at)?)?)
    }

    /// The booked debrief as an iCalendar file, for the calendar app.
    pub fn debrief_ics(&self, candidate_id: String) -> R<String> {
        Ok(self.lock().debrief_ics(id(&candidate_id)?)?)
    }

    /// The brief for the debrief: partial (naming who is missing) until the last scorecard
    /// arrives. It never suggests hire or no hire.
    pub fn debrief_brief(&self, candidate_id: String) -> R<DebriefBrief> {
        Ok(self.lock().debrief_brief(id(&candidate_id)?)?)
    }

    /// Scorecards not yet submitted, across candidates, with when to remind (one hour after
    /// the interview, then daily); `interviewer` narrows it to one person.
    pub fn feedback_owed(&self, interviewer: Option<String>, now: SystemTime) -> R<Vec<OwedScorecard>> {
        let interviewer = interviewer.map(who).transpose()?;
        Ok(self.lock().feedback_owed(interviewer.as_ref(), at(now)?)?)
    }

    /// Records the decision although scorecards are missing: the explicit override `decide`
    /// asks for.
    pub fn decide_despite_missing_scorecards(&self, candidate_id: String, outcome: Outcome, decided_at: SystemTime, reason: Option<String>) -> R<()> {
        Ok(self.lock().decide_despite_missing_scorecards(id(&candidate_id)?, outcome, at(decided_at)?, reason)?)
    }

    /// Applicants not yet acknowledged, oldest first, flagged when waiting longer than
    /// `target` (the team's rule; 24 hours when unsure).
    pub fn acknowledgement_queue(&self, filter: AcknowledgementFilter, target: Duration, now: SystemTime) -> R<Vec<AwaitingAcknowledgement>> {
        let target = chrono::Duration::from_std(target).map_err(|_| PanelNotesError::InvalidArgument { reason: "the target is too long".into() })?;
        Ok(self.lock().acknowledgement_queue(&filter, target, at(now)?)?)
    }

    /// A next step someone promised in the room: who, by when.
    pub fn add_commitment(&self, interview_id: String, text: String, owner: String, due: SystemTime, made_at: SystemTime) -> R<()> {
        Ok(self.lock().add_commitment(id(&interview_id)?, &text, who(owner)?, at(due)?, at(made_at)?)?)
    }

    pub fn complete_commitment(&self, interview_id: String, index: u32, kept_at: SystemTime) -> R<()> {
        Ok(self.lock().complete_commitment(id(&interview_id)?, index, at(kept_at)?)?)
    }

    /// Commitments not yet kept, overdue first; `owner` narrows it to one person.
    pub fn open_commitments(&self, owner: Option<String>, now: SystemTime) -> R<Vec<OpenCommitment>> {
        let owner = owner.map(who).transpose()?;
        Ok(self.lock().open_commitments(owner.as_ref(), at(now)?)?)
    }
}
