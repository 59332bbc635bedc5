//! How fast the process moved. A figure is only ever the time from one event to a later one:
//! entries flagged out of order never feed it, and a pair whose ends are the wrong way round
//! gives no figure rather than a negative one.

use chrono::{DateTime, Duration, Utc};

use super::{InterviewSummary, TimelineEntry, TimelineKind};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::{CandidateEventKind, Outcome};

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedbackDelay {
    pub interview_id: DocumentId,
    pub interviewer: InterviewerId,
    /// Interview end to scorecard; `None` while the scorecard is still missing.
    pub delay: Option<Duration>,
}

/// Each figure is `None` until both of its ends happened in order; none is ever negative.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpeedMetrics {
    pub application_to_acknowledgement: Option<Duration>,
    pub application_to_first_interview: Option<Duration>,
    pub feedback: Vec<FeedbackDelay>,
    pub last_interview_to_debrief_booked: Option<Duration>,
    pub last_interview_to_decision: Option<Duration>,
    pub application_to_decision: Option<Duration>,
    /// Decision to the candidate being told.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub decision_to_candidate_informed: Option<Duration>,
}

/// `to - from`, when `to` is not before `from`.
fn since(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Duration> {
    (to >= from).then(|| to - from)
}

impl SpeedMetrics {
    pub fn compute(applied_at: DateTime<Utc>, events: &[TimelineEntry], interviews: &[InterviewSummary]) -> SpeedMetrics {
        let valid = || events.iter().filter(|e| e.problem.is_none());
        let first = |k: TimelineKind| valid().filter(|e| e.kind == k).map(|e| e.at).min();
        let ack = first(TimelineKind::Candidate(CandidateEventKind::Acknowledged));
        let decided = first(TimelineKind::Decided(Outcome::Hire))
            .into_iter()
            .chain(first(TimelineKind::Decided(Outcome::Reject)))
            .min();
        let first_interview = interviews
            .iter()
            .map(|i| i.started_at.unwrap_or(i.scheduled_start))
            .filter(|t| *t >= applied_at)
            .min();
        // An interview's end counts only when its entry is in order (after its start).
        let end_of = |id: DocumentId| {
            valid()
                .find(|e| e.kind == TimelineKind::InterviewHeld && e.interview_id == Some(id))
                .map(|e| e.at)
        };
        let last_end = interviews.iter().filter_map(|i| end_of(i.id)).max();
        // A booking made before the end, for a slot after the loop's last interview starts
        // (the rule `debrief_counts` applies to the status), was made in advance: the team did
        // not wait at all, so it counts as booked the moment the last interview ended.
        let last_start = interviews.iter().map(|i| i.scheduled_start).max();
        let debrief = last_end.and_then(|end| {
            valid()
                .filter(|e| e.kind == TimelineKind::Candidate(CandidateEventKind::DebriefBooked))
                .filter_map(|e| {
                    let slot = e.detail.and_then(|d| d.slot_start());
                    if e.at >= end {
                        Some(e.at)
                    } else {
                        slot.filter(|s| last_start.is_none_or(|l| *s >= l)).map(|_| end)
                    }
                })
                .min()
        });
        let mut feedback = Vec::new();
        for i in interviews {
            let Some(end) = end_of(i.id) else { continue };
            for p in &i.panel {
                let delay = match p.submitted_at {
                    None => None,
                    // A scorecard dated before the end is a problem on the timeline, not a figure.
                    Some(s) => match since(end, s) {
                        Some(d) => Some(d),
                        None => continue,
                    },
                };
                feedback.push(FeedbackDelay {
                    interview_id: i.id,
                    interviewer: p.interviewer.clone(),
                    delay,
                });
            }
        }
        SpeedMetrics {
            application_to_acknowledgement: ack.and_then(|a| since(applied_at, a)),
            application_to_first_interview: first_interview.and_then(|f| since(applied_at, f)),
            feedback,
            last_interview_to_debrief_booked: debrief.zip(last_end).and_then(|(d, e)| since(e, d)),
            last_interview_to_decision: decided.zip(last_end).and_then(|(d, e)| since(e, d)),
            application_to_decision: decided.and_then(|d| since(applied_at, d)),
            decision_to_candidate_informed: decided
                .zip(first(TimelineKind::Candidate(CandidateEventKind::CandidateInformed)))
                .and_then(|(d, i)| since(d, i)),
        }
    }

    /// Every figure, for checks that none is negative.
    pub fn figures(&self) -> Vec<Duration> {
        [
            self.application_to_acknowledgement,
            self.application_to_first_interview,
            self.last_interview_to_debrief_booked,
            self.last_interview_to_decision,
            self.application_to_decision,
            self.decision_to_candidate_informed,
        ]
        .into_iter()
        .flatten()
        .chain(self.feedback.iter().filter_map(|f| f.delay))
        .collect()
    }
}
