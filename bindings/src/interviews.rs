//! Interviews: scheduling, the stage clock, the shared notes, the candidate's questions, next
//! steps and scorecards.

use std::time::SystemTime;

use panelnotes_core::model::{self as m, InterviewClock, NextSteps, QuestionKind, ScorecardDraft};

use crate::error::R;
use crate::records::{Interview, ScorecardView};
use crate::store::{at, id, who, PanelNotes};

#[uniffi::export]
impl PanelNotes {
    /// Schedules an interview on the playbook's 45-minute template, or on a team template
    /// named by id or name. `minutes` defaults to the template's total.
    #[allow(clippy::too_many_arguments)]
    pub fn schedule_interview(
        &self,
        candidate_id: String,
        template: Option<String>,
        title: Option<String>,
        start: SystemTime,
        minutes: Option<u32>,
        panelists: Vec<String>,
        lead: String,
    ) -> R<String> {
        let mut s = self.lock();
        let template = match template {
            None => m::Template::playbook(),
            Some(t) => s.find_template(&t)?,
        };
        let panelists = panelists.into_iter().map(who).collect::<R<Vec<_>>>()?;
        let booked_at = s.now();
        let n = m::NewInterview {
            candidate_id: id(&candidate_id)?,
            title,
            template,
            booked_at,
            scheduled_start: at(start)?,
            minutes,
            panelists,
            lead: who(lead)?,
        };
        Ok(s.schedule_interview(n)?.to_string())
    }

    /// The interview with every stage's notes, from the index (no decode).
    pub fn interview(&self, interview_id: String) -> R<Interview> {
        self.interview_view(id(&interview_id)?)
    }

    pub fn start_stage(&self, interview_id: String, stage: String, at_time: SystemTime) -> R<()> {
        Ok(self.lock().start_stage(id(&interview_id)?, &stage, at(at_time)?)?)
    }

    /// Starts the next stage; returns its key, or `None` after the last.
    pub fn advance_stage(&self, interview_id: String, at_time: SystemTime) -> R<Option<String>> {
        Ok(self.lock().advance_stage(id(&interview_id)?, at(at_time)?)?)
    }

    pub fn end_interview(&self, interview_id: String, at_time: SystemTime) -> R<()> {
        Ok(self.lock().end_interview(id(&interview_id)?, at(at_time)?)?)
    }

    /// Undoes an end recorded by mistake.
    pub fn reopen_interview(&self, interview_id: String) -> R<()> {
        Ok(self.lock().reopen_interview(id(&interview_id)?)?)
    }

    pub fn clock(&self, interview_id: String, now: SystemTime) -> R<InterviewClock> {
        Ok(self.lock().clock(id(&interview_id)?, at(now)?)?)
    }

    pub fn notes(&self, interview_id: String, stage: String) -> R<String> {
        Ok(self.lock().notes(id(&interview_id)?, &stage)?)
    }

    /// Deletes `delete` and inserts `text` at `position`, both in UTF-16 code units. Durable
    /// when it returns. Never waits for a sync merge: while one runs, the keystroke is
    /// checked against the text on screen and logged on the side.
    pub fn splice_notes(&self, interview_id: String, stage: String, position: u64, delete: u64, text: String) -> R<()> {
        let interview = id(&interview_id)?;
        Ok(panelnotes_core::store::splice_shared(&self.store, &self.lane, interview, &stage, position, delete, &text)?)
    }

    pub fn replace_notes(&self, interview_id: String, stage: String, text: String) -> R<()> {
        Ok(self.lock().replace_notes(id(&interview_id)?, &stage, &text)?)
    }

    pub fn add_question(&self, interview_id: String, text: String, kind: QuestionKind, at_time: SystemTime) -> R<()> {
        Ok(self.lock().add_question(id(&interview_id)?, &text, kind, at(at_time)?)?)
    }

    pub fn set_next_steps(&self, interview_id: String, next_steps: NextSteps) -> R<()> {
        Ok(self.lock().set_next_steps(id(&interview_id)?, next_steps)?)
    }

    // ---- scorecards ---------------------------------------------------------------------

    /// Saves your draft; it stays on this device until submitted.
    pub fn save_scorecard_draft(&self, interview_id: String, draft: ScorecardDraft) -> R<()> {
        Ok(self.lock().save_scorecard_draft(id(&interview_id)?, draft)?)
    }

    /// Your saved draft, if any.
    pub fn scorecard_draft(&self, interview_id: String) -> R<Option<ScorecardDraft>> {
        Ok(self.lock().scorecard_draft(id(&interview_id)?)?)
    }

    pub fn submit_scorecard(&self, interview_id: String, at_time: SystemTime) -> R<()> {
        Ok(self.lock().submit_scorecard(id(&interview_id)?, at(at_time)?)?)
    }

    /// Others' scorecards stay sealed until yours is submitted.
    pub fn scorecards(&self, interview_id: String) -> R<ScorecardView> {
        Ok(self.lock().scorecards(id(&interview_id)?)?.into())
    }

    /// Each submitted scorecard with whether you can read it and, if not, why (your own is
    /// not in yet; the lead's phone has not released it to this device yet; it failed a
    /// check). The content comes only with `SealState.Open`.
    pub fn scorecard_seals(&self, interview_id: String) -> R<Vec<m::ScorecardSeal>> {
        Ok(self.lock().scorecard_seals(id(&interview_id)?)?)
    }
}
