//! Feedback owed across every candidate: each interviewer's scorecards still missing after an
//! interview ended, how long since, and when to remind them (an hour after the end, then
//! daily), for the apps to schedule as local notifications. Owed scorecards stay listed
//! whatever the candidate's status (a booked debrief does not hide them), until the
//! candidate's process is closed. A decision recorded while scorecards are missing needs the
//! explicit override `decide_despite_missing_scorecards`.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::Outcome;
use crate::store::Store;

/// The first reminder, after the interview ends.
pub const FIRST_REMINDER: Duration = Duration::hours(1);
/// Then one a day.
pub const REMINDER_EVERY: Duration = Duration::days(1);

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwedScorecard {
    pub interview_id: DocumentId,
    pub candidate_id: DocumentId,
    pub candidate_name: String,
    pub interviewer: InterviewerId,
    pub ended_at: DateTime<Utc>,
    pub waiting: Duration,
    /// The latest reminder time already passed; `None` within the first hour.
    pub reminded_at: Option<DateTime<Utc>>,
    /// The next reminder to schedule.
    pub next_reminder_at: DateTime<Utc>,
}

/// (the latest reminder time at or before `now`, the next one after it).
pub fn reminders(ended_at: DateTime<Utc>, now: DateTime<Utc>) -> (Option<DateTime<Utc>>, DateTime<Utc>) {
    let first = ended_at + FIRST_REMINDER;
    if now < first {
        return (None, first);
    }
    let days = (now - first).num_seconds() / REMINDER_EVERY.num_seconds();
    let last = first + REMINDER_EVERY * days as i32;
    (Some(last), last + REMINDER_EVERY)
}

fn id(bytes: Vec<u8>) -> rusqlite::Result<DocumentId> {
    <[u8; 16]>::try_from(bytes.as_slice())
        .map(DocumentId::from_bytes)
        .map_err(|_| rusqlite::Error::InvalidColumnType(0, "id".into(), rusqlite::types::Type::Blob))
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Store {
    /// Every scorecard owed on this store's candidates (`interviewer` narrows it to one
    /// person), longest waiting first, as of `now`.
    pub fn feedback_owed(&self, interviewer: Option<&InterviewerId>, now: DateTime<Utc>) -> Result<Vec<OwedScorecard>> {
        let mut q = self.conn().prepare_cached(
            "SELECT i.id, i.candidate_id, COALESCE(pn_open('idx_candidates.name', c.id, c.name), ''), p.interviewer, i.ended_at
             FROM idx_panelists p
             JOIN idx_interviews i ON i.id = p.interview_id
             LEFT JOIN idx_candidates c ON c.id = i.candidate_id
             WHERE p.submitted_at IS NULL AND i.ended_at IS NOT NULL AND COALESCE(c.closed, 0) = 0
               AND (?1 IS NULL OR p.interviewer = ?1)
             ORDER BY i.ended_at, p.interviewer",
        )?;
        let rows = q.query_map(params![interviewer.map(|i| i.as_str())], |r| {
            Ok((id(r.get(0)?)?, id(r.get(1)?)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, at(r.get(4)?)))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (interview_id, candidate_id, candidate_name, who, ended_at) = row?;
            // A malformed interviewer id in the index is skipped, not fatal to the list.
            let Ok(interviewer) = InterviewerId::new(who) else { continue };
            let (reminded_at, next_reminder_at) = reminders(ended_at, now);
            out.push(OwedScorecard {
                interview_id,
                candidate_id,
                candidate_name,
                interviewer,
                ended_at,
                waiting: (now - ended_at).max(Duration::zero()),
                reminded_at,
                next_reminder_at,
            });
        }
        Ok(out)
    }

    /// The scorecards still missing on a candidate's interviews, as (interview, interviewer).
    pub fn missing_scorecards(&self, candidate: DocumentId) -> Result<Vec<(DocumentId, InterviewerId)>> {
        Ok(self
            .timeline(candidate)?
            .interviews
            .iter()
            .flat_map(|i| i.panel.iter().filter(|p| p.submitted_at.is_none()).map(move |p| (i.id, p.interviewer.clone())))
            .collect())
    }

    /// Records the decision. Refused while a scorecard is missing: the panel's evidence
    /// should be in before the lead decides (`decide_despite_missing_scorecards` overrides).
    pub fn decide(&mut self, id: DocumentId, outcome: Outcome, at: DateTime<Utc>, reason: Option<String>) -> Result<()> {
        // Who may decide and when come first: they are errors whatever the scorecards.
        self.require_lead(id, "records the decision")?;
        self.check_event(id, crate::timeline::TimelineKind::Decided(outcome), at, None)?;
        let missing = self.missing_scorecards(id)?;
        if !missing.is_empty() {
            // Not permitted, rather than invalid: the apps answer it with the override dialog.
            return Err(Error::NotPermitted(format!(
                "{} scorecard(s) are missing ({}); record the decision with the explicit override to decide without them",
                missing.len(),
                missing.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
        self.record_decision(id, outcome, at, reason)
    }

    /// The explicit override: records the decision although scorecards are missing.
    pub fn decide_despite_missing_scorecards(&mut self, id: DocumentId, outcome: Outcome, at: DateTime<Utc>, reason: Option<String>) -> Result<()> {
        self.record_decision(id, outcome, at, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn reminders_come_an_hour_after_then_daily() {
        let end = Utc.with_ymd_and_hms(2026, 3, 4, 9, 45, 0).unwrap();
        assert_eq!(reminders(end, end), (None, end + Duration::hours(1)));
        assert_eq!(reminders(end, end + Duration::minutes(59)), (None, end + Duration::hours(1)));
        assert_eq!(reminders(end, end + Duration::hours(1)), (Some(end + Duration::hours(1)), end + Duration::hours(25)));
        assert_eq!(reminders(end, end + Duration::hours(30)), (Some(end + Duration::hours(25)), end + Duration::hours(49)));
    }
}
