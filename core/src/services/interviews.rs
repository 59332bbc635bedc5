//! Interviews: scheduling, stage timing, notes, questions, next steps.

use automerge::transaction::Transactable;
use automerge::{ObjId, ReadDoc};
use chrono::{DateTime, Utc};

use crate::model::DocKind;
use crate::store::Store;
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::{
    candidate, interview, CandidateQuestion, Interview, InterviewClock, NewInterview,
    NextSteps, QuestionKind, NOTES_LIMIT,
};
use crate::timeline::{not_in_future, TimelineKind};

impl Store {
    /// Schedules an interview for a candidate; the candidate document lists it in the same
    /// call.
    /// The timeline credits the booking to this store's interviewer, not to the lead.
    pub fn schedule_interview(&mut self, n: NewInterview) -> Result<DocumentId> {
        n.validate()?;
        // The candidate must exist here before an interview points at it.
        let applied_at = self.candidate(n.candidate_id)?.applied_at;
        self.check_event(n.candidate_id, TimelineKind::InterviewScheduled, n.booked_at, None)?;
        if n.scheduled_start < applied_at {
            return Err(Error::OutOfOrder { event: "the interview", problem: "before the application".into() });
        }
        let me = self.me().clone();
        let id = self.create_doc(DocKind::Interview, |doc| interview::create(doc, &n, &me))?;
        self.edit(
            n.candidate_id,
            DocKind::Candidate,
            |doc| candidate::add_interview(doc, id),
            |_| Ok(()),
        )?;
        // The key sealed scorecards are wrapped to, by the one device that makes the
        // interview, so no two phones make rival ones.
        self.ensure_reveal_key(id)?;
        Ok(id)
    }

    pub fn interview(&mut self, id: DocumentId) -> Result<Interview> {
        let od = self.open_doc(id, DocKind::Interview)?;
        interview::read(&od.doc, id)
    }

    pub fn start_stage(&mut self, id: DocumentId, stage: &str, at: DateTime<Utc>) -> Result<()> {
        let i = self.interview(id)?;
        if i.stage(stage).is_none() {
            return Err(Error::NotFound {
                kind: "stage",
                id: stage.to_owned(),
            });
        }
        if i.ended_at.is_some() {
            return Err(Error::invalid("the interview has ended; reopen it to run a stage again"));
        }
        if i.last_start().is_some_and(|last| at < last) {
            return Err(Error::OutOfOrder { event: "a stage's start", problem: "before the running stage started".into() });
        }
        self.check_event(i.candidate_id, TimelineKind::InterviewStarted, at, Some(id))?;
        let me = self.me().clone();
        self.edit(id, DocKind::Interview, |doc| interview::start_stage(doc, stage, at, &me), |_| Ok(()))
    }

    /// Starts the stage after the running one (the first stage if none has started).
    /// Returns the started stage's key, or `None` if the last stage was running.
    pub fn advance_stage(&mut self, id: DocumentId, at: DateTime<Utc>) -> Result<Option<String>> {
        let i = self.interview(id)?;
        let current = i.clock(at).current;
        let next = match current {
            None if i.stage_starts.is_empty() => i.stages.first(),
            None => None,
            Some(cur) => {
                let pos = i.stages.iter().position(|s| s.key == cur);
                pos.and_then(|p| i.stages.get(p + 1))
            }
        };
        match next {
            None => Ok(None),
            Some(s) => {
                let key = s.key.clone();
                self.start_stage(id, &key, at)?;
                Ok(Some(key))
            }
        }
    }

    /// Ends the interview. Ending it again would move the end under the scorecards and the
    /// debrief, so it is refused until the interview is explicitly reopened.
    pub fn end_interview(&mut self, id: DocumentId, at: DateTime<Utc>) -> Result<()> {
        let i = self.interview(id)?;
        if i.ended_at.is_some() {
            return Err(Error::invalid(format!("interview {id} has already ended; reopen it to end it again")));
        }
        if i.last_start().is_some_and(|last| at < last) {
            return Err(Error::OutOfOrder { event: "the end of the interview", problem: "before its last stage started".into() });
        }
        self.check_event(i.candidate_id, TimelineKind::InterviewHeld, at, Some(id))?;
        self.edit(id, DocKind::Interview, |doc| interview::end(doc, at), |_| Ok(()))
    }

    /// Takes back the end of an interview that was ended too early, so it can run on and be
    /// ended again. Not once a scorecard is in: it was written about the interview as ended.
    pub fn reopen_interview(&mut self, id: DocumentId) -> Result<()> {
        let i = self.interview(id)?;
        if !i.panelists.contains(self.me()) {
            return Err(Error::NotPermitted(format!("{} is not on this interview's panel", self.me())));
        }
        if i.ended_at.is_none() {
            return Err(Error::invalid(format!("interview {id} has not ended")));
        }
        if !i.submitted.is_empty() {
            return Err(Error::invalid(format!("interview {id} has submitted scorecards and stays ended")));
        }
        self.edit(id, DocKind::Interview, interview::reopen, |_| Ok(()))
    }

    pub fn clock(&mut self, id: DocumentId, now: DateTime<Utc>) -> Result<InterviewClock> {
        Ok(self.interview(id)?.clock(now))
    }

    pub fn notes(&mut self, id: DocumentId, stage: &str) -> Result<String> {
        let od = self.open_doc(id, DocKind::Interview)?;
        if let Some((_, text)) = od.notes.get(stage) {
            return Ok(text.clone());
        }
        if interview::read(&od.doc, id)?.stage(stage).is_none() {
            return Err(Error::NotFound {
                kind: "stage",
                id: stage.to_owned(),
            });
        }
        interview::notes_text(&od.doc, id, stage)
    }

    /// Replaces a stage's whole notes as the few splices that differ, so concurrent edits by
    /// others elsewhere in the text survive. At most `NOTES_LIMIT` bytes.
    pub fn replace_notes(&mut self, id: DocumentId, stage: &str, text: &str) -> Result<()> {
        if text.len() > NOTES_LIMIT {
            return Err(Error::TooLarge { what: "a stage's notes", size: text.len() as u64, limit: NOTES_LIMIT as u64 });
        }
        if self.interview(id)?.stage(stage).is_none() {
            return Err(Error::NotFound {
                kind: "stage",
                id: stage.to_owned(),
            });
        }
        self.edit(
            id,
            DocKind::Interview,
            |doc| {
                let obj: ObjId = interview::ensure_notes_obj(doc, id, stage)?;
                let old = doc.text(&obj)?;
                for s in crate::notes_diff::splices(&old, text) {
                    doc.splice_text(&obj, s.pos, s.delete as isize, &s.insert)?;
                }
                Ok(())
            },
            |_| Ok(()),
        )
    }

    pub fn add_question(
        &mut self,
        id: DocumentId,
        text: &str,
        kind: QuestionKind,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if text.trim().is_empty() {
            return Err(Error::invalid("a question needs its text"));
        }
        not_in_future("a question", at, self.now())?;
        let q = CandidateQuestion {
            text: text.trim().to_owned(),
            kind,
            asked_at: at,
            noted_by: Some(self.me().clone()),
        };
        self.edit(id, DocKind::Interview, |doc| interview::add_question(doc, &q), |_| Ok(()))
    }

    pub fn set_next_steps(&mut self, id: DocumentId, n: NextSteps) -> Result<()> {
        self.edit(id, DocKind::Interview, |doc| interview::set_next_steps(doc, &n), |_| Ok(()))
    }

    pub(crate) fn require_panelist(&mut self, id: DocumentId) -> Result<Interview> {
        let i = self.interview(id)?;
        if !i.panelists.contains(self.me()) {
            return Err(Error::NotPermitted(format!(
                "{} is not on this interview's panel",
                self.me()
            )));
        }
        if i.submitted.iter().any(|(w, _)| w == self.me()) {
            return Err(Error::ScorecardSubmitted { id });
        }
        Ok(i)
    }
}
