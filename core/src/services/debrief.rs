//! The debrief: proposed right after the last interview of the loop, booked with when it is
//! held and who attends (it counts even when booked in advance), exported as an iCalendar
//! invitation, and the decision after it, which only the candidate's lead records.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike};

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::{candidate, CandidateEvent, CandidateEventKind, DebriefSlot, Decision, DocKind, Outcome};
use crate::store::Store;
use crate::timeline::TimelineKind;

/// How long a proposed debrief lasts unless the lead changes it.
pub const DEBRIEF_MINUTES: u32 = 30;

/// Who the proposal gathers: the playbook's "whole panel", or, after a one-to-one, its
/// interviewer and the lead (the same person when the lead interviewed alone).
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DebriefAttendance {
    WholePanel,
    OneToOne { interviewer: InterviewerId, lead: InterviewerId },
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebriefProposal {
    pub candidate_id: DocumentId,
    /// The interview of the loop that ends last, as scheduled.
    pub after_interview: DocumentId,
    pub slot: DebriefSlot,
    pub attendance: DebriefAttendance,
}

impl Store {
    /// A debrief slot right after the last interview of the candidate's loop, with everyone
    /// who interviewed and the candidate's lead. `None` before any interview is scheduled or
    /// once the decision is recorded. Read from the index: no document is decoded but the
    /// candidate's (for its lead).
    pub fn debrief_proposal(&mut self, candidate: DocumentId) -> Result<Option<DebriefProposal>> {
        let c = self.candidate(candidate)?;
        if c.decision.is_some() {
            return Ok(None);
        }
        let timeline = self.timeline(candidate)?;
        let Some(last) = timeline
            .interviews
            .iter()
            .max_by_key(|i| i.scheduled_start + chrono::Duration::minutes(i.minutes as i64))
        else {
            return Ok(None);
        };
        let mut panel: Vec<InterviewerId> = Vec::new();
        for p in timeline.interviews.iter().flat_map(|i| &i.panel) {
            if !panel.contains(&p.interviewer) {
                panel.push(p.interviewer.clone());
            }
        }
        let lead = c.lead.clone().unwrap_or_else(|| last.lead.clone());
        let attendance = match panel.as_slice() {
            [one] => DebriefAttendance::OneToOne { interviewer: one.clone(), lead: lead.clone() },
            _ => DebriefAttendance::WholePanel,
        };
        let mut attendees = panel;
        if !attendees.contains(&lead) {
            attendees.push(lead);
        }
        Ok(Some(DebriefProposal {
            candidate_id: candidate,
            after_interview: last.id,
            slot: DebriefSlot {
                at: last.scheduled_start + chrono::Duration::minutes(last.minutes as i64),
                minutes: DEBRIEF_MINUTES,
                attendees,
            },
            attendance,
        }))
    }

    /// Books the debrief: the timeline records the booking at `booked_at` (when it was made)
    /// with the slot it was made for. Booking ahead of the interviews is the playbook's
    /// advice, so a slot may lie anywhere after the booking; only the candidate's lead books.
    pub fn book_debrief(&mut self, candidate: DocumentId, slot: DebriefSlot, booked_at: DateTime<Utc>) -> Result<()> {
        slot.validate()?;
        self.require_lead(candidate, "books and holds the debrief")?;
        if slot.at < booked_at {
            return Err(Error::OutOfOrder { event: "the debrief", problem: "before it was booked".into() });
        }
        self.check_event(candidate, TimelineKind::Candidate(CandidateEventKind::DebriefBooked), booked_at, None)?;
        let e = CandidateEvent {
            kind: CandidateEventKind::DebriefBooked,
            at: booked_at,
            by: Some(self.me().clone()),
            note: None,
            debrief: Some(slot),
        };
        self.edit(candidate, DocKind::Candidate, |doc| candidate::add_event(doc, &e), |_| Ok(()))
    }

    /// The booked debrief as an iCalendar invitation (RFC 5545), stamped with this store's
    /// clock. Its UID names the candidate and the booking, so re-exporting updates the
    /// calendar entry instead of adding a second one.
    pub fn debrief_ics(&mut self, candidate: DocumentId) -> Result<String> {
        let c = self.candidate(candidate)?;
        let (booking, slot) = c
            .events
            .iter()
            .filter(|e| e.kind == CandidateEventKind::DebriefBooked)
            .filter_map(|e| Some((e, e.debrief.as_ref()?)))
            .max_by_key(|(e, _)| e.at)
            .ok_or_else(|| Error::NotFound { kind: "debrief booking", id: candidate.to_string() })?;
        let mut event = icalendar::Event::new();
        event
            .uid(&format!("debrief-{candidate}@panelnotes"))
            .timestamp(self.now())
            .summary(&format!("Debrief: {} ({})", c.name, c.role))
            .starts(slot.at)
            .ends(slot.end());
        if let Some(by) = &booking.by {
            event.add_property("ORGANIZER", format!("mailto:{by}"));
        }
        for a in &slot.attendees {
            event.add_multi_property("ATTENDEE", &format!("mailto:{a}"));
        }
        let mut cal = Calendar::new();
        cal.push(event.done());
        Ok(cal.done().to_string())
    }

    /// Writes the decision; `decide` checks the scorecards first (services/feedback.rs).
    pub(crate) fn record_decision(
        &mut self,
        id: DocumentId,
        outcome: Outcome,
        at: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<()> {
        self.require_lead(id, "records the decision")?;
        self.check_event(id, TimelineKind::Decided(outcome), at, None)?;
        let d = Decision {
            outcome,
            at,
            by: Some(self.me().clone()),
            reason,
        };
        self.edit(id, DocKind::Candidate, |doc| candidate::set_decision(doc, &d), |_| Ok(()))
    }
}
