//! Candidates: create, record timeline events, logistics, the lead.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::{candidate, Candidate, CandidateEvent, CandidateEventKind, DocKind, LogisticsUpdate, NewCandidate};
use crate::store::Store;
use crate::timeline::{not_in_future, TimelineKind};

impl Store {
    pub fn create_candidate(&mut self, c: NewCandidate) -> Result<DocumentId> {
        c.validate()?;
        not_in_future("the application", c.applied_at, self.now())?;
        let me = self.me().clone();
        self.create_doc(DocKind::Candidate, |doc| candidate::create(doc, &c, &me))
    }

    pub fn candidate(&mut self, id: DocumentId) -> Result<Candidate> {
        let od = self.open_doc(id, DocKind::Candidate)?;
        candidate::read(&od.doc, id)
    }

    /// Records a candidate-level event (acknowledged, debrief booked or held, offer...).
    /// `note` stays in the document, out of the index tables.
    pub fn record_event(
        &mut self,
        id: DocumentId,
        kind: CandidateEventKind,
        at: DateTime<Utc>,
        note: Option<String>,
    ) -> Result<()> {
        if kind == CandidateEventKind::Applied {
            return Err(Error::invalid(
                "the application is recorded when the candidate is created",
            ));
        }
        if kind == CandidateEventKind::Note && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(Error::invalid("a note event needs its text"));
        }
        if matches!(kind, CandidateEventKind::DebriefBooked | CandidateEventKind::DebriefHeld) {
            self.require_lead(id, "books and holds the debrief")?;
        } else {
            self.candidate(id)?;
        }
        self.check_event(id, TimelineKind::Candidate(kind), at, None)?;
        let e = CandidateEvent {
            kind,
            at,
            by: Some(self.me().clone()),
            note,
        };
        self.edit(id, DocKind::Candidate, |doc| candidate::add_event(doc, &e), |_| Ok(()))
    }

    /// What the candidate said, as of now.
    pub fn set_logistics(&mut self, id: DocumentId, update: LogisticsUpdate) -> Result<()> {
        let now = self.now();
        self.set_logistics_at(id, update, now)
    }

    /// What the candidate said at `at` (during the interview, say): conflicting values are
    /// shown with that time, and a possible start date may not be before that day.
    pub fn set_logistics_at(&mut self, id: DocumentId, update: LogisticsUpdate, at: DateTime<Utc>) -> Result<()> {
        update.validate()?;
        if update.is_empty() {
            return Err(Error::invalid("nothing to update"));
        }
        not_in_future("the logistics", at, self.now())?;
        if at < self.candidate(id)?.applied_at {
            return Err(Error::OutOfOrder { event: "the logistics", problem: "before the application".into() });
        }
        if update.start_date.is_some_and(|d| d < at.date_naive()) {
            return Err(Error::OutOfOrder {
                event: "a possible start date",
                problem: "before the day it was noted (it is in the past)".into(),
            });
        }
        self.edit(
            id,
            DocKind::Candidate,
            |doc| candidate::set_logistics(doc, &update, at),
            |_| Ok(()),
        )
    }

    /// Hands the process to another lead; only the current lead may.
    pub fn set_candidate_lead(&mut self, id: DocumentId, lead: InterviewerId) -> Result<()> {
        self.require_lead(id, "hands the process on")?;
        self.edit(id, DocKind::Candidate, |doc| candidate::set_lead(doc, &lead), |_| Ok(()))
    }

}
