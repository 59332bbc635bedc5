//! A candidate's process as the index tables see it: the timeline, the status with the next
//! action it calls for, and the speed metrics. Everything here is computed from index rows,
//! never by loading documents, so the list and the timeline stay fast with many candidates.

mod detail;
mod next_action;
mod order;
mod speed;

pub use detail::EntryDetail;
pub use order::{check_new, flag_out_of_order, not_in_future, OrderProblem, ALLOWED_SKEW};
pub use speed::{FeedbackDelay, SpeedMetrics};

use chrono::{DateTime, Duration, Utc};

use crate::ids::{DocumentId, InterviewerId};
use crate::model::{CandidateEventKind, CandidateProblem, Outcome};

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimelineKind {
    Candidate(CandidateEventKind),
    InterviewScheduled,
    InterviewStarted,
    InterviewHeld,
    FeedbackSubmitted,
    Decided(Outcome),
    /// A next-step commitment's deadline (its owner as the actor; "done" once kept).
    CommitmentDue,
}

impl TimelineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::Candidate(k) => k.as_str(),
            TimelineKind::InterviewScheduled => "interview_scheduled",
            TimelineKind::InterviewStarted => "interview_started",
            TimelineKind::InterviewHeld => "interview_held",
            TimelineKind::FeedbackSubmitted => "feedback_submitted",
            TimelineKind::CommitmentDue => "commitment_due",
            TimelineKind::Decided(Outcome::Hire) => "decided_hire",
            TimelineKind::Decided(Outcome::Reject) => "decided_reject",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "interview_scheduled" => TimelineKind::InterviewScheduled,
            "interview_started" => TimelineKind::InterviewStarted,
            "interview_held" => TimelineKind::InterviewHeld,
            "feedback_submitted" => TimelineKind::FeedbackSubmitted,
            "commitment_due" => TimelineKind::CommitmentDue,
            "decided_hire" => TimelineKind::Decided(Outcome::Hire),
            "decided_reject" => TimelineKind::Decided(Outcome::Reject),
            other => TimelineKind::Candidate(CandidateEventKind::parse(other)?),
        })
    }

    pub fn title(self) -> &'static str {
        match self {
            TimelineKind::Candidate(k) => match k {
                CandidateEventKind::Applied => "Applied",
                CandidateEventKind::Acknowledged => "Application acknowledged",
                CandidateEventKind::DebriefBooked => "Debrief booked",
                CandidateEventKind::DebriefHeld => "Debrief held",
                CandidateEventKind::OfferMade => "Offer made",
                CandidateEventKind::OfferAccepted => "Offer accepted",
                CandidateEventKind::OfferDeclined => "Offer declined",
                CandidateEventKind::Withdrew => "Candidate withdrew",
                CandidateEventKind::Note => "Note",
                CandidateEventKind::CandidateInformed => "Candidate informed of the decision",
            },
            TimelineKind::InterviewScheduled => "Interview scheduled",
            TimelineKind::InterviewStarted => "Interview started",
            TimelineKind::InterviewHeld => "Interview held",
            TimelineKind::FeedbackSubmitted => "Scorecard submitted",
            TimelineKind::CommitmentDue => "Commitment due",
            TimelineKind::Decided(Outcome::Hire) => "Decision: hire",
            TimelineKind::Decided(Outcome::Reject) => "Decision: reject",
        }
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub kind: TimelineKind,
    pub interview_id: Option<DocumentId>,
    pub actor: Option<InterviewerId>,
    /// The slot a booking is for, or when a commitment was kept.
    pub detail: Option<EntryDetail>,
    /// Set when the entry is dated before something that must precede it (a peer recorded
    /// it out of order); such an entry never feeds a speed figure.
    pub problem: Option<OrderProblem>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CandidateStatus {
    Applied,
    Acknowledged,
    InterviewScheduled,
    AwaitingFeedback,
    ReadyForDebrief,
    DebriefBooked,
    AwaitingDecision,
    Hired,
    OfferMade,
    OfferAccepted,
    OfferDeclined,
    Rejected,
    Withdrawn,
}

impl CandidateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateStatus::Applied => "applied",
            CandidateStatus::Acknowledged => "acknowledged",
            CandidateStatus::InterviewScheduled => "interview_scheduled",
            CandidateStatus::AwaitingFeedback => "awaiting_feedback",
            CandidateStatus::ReadyForDebrief => "ready_for_debrief",
            CandidateStatus::DebriefBooked => "debrief_booked",
            CandidateStatus::AwaitingDecision => "awaiting_decision",
            CandidateStatus::Hired => "hired",
            CandidateStatus::OfferMade => "offer_made",
            CandidateStatus::OfferAccepted => "offer_accepted",
            CandidateStatus::OfferDeclined => "offer_declined",
            CandidateStatus::Rejected => "rejected",
            CandidateStatus::Withdrawn => "withdrawn",
        }
    }

    /// The status in English, for the export and the CLI (the apps say it in their own
    /// words). A hire decided but not yet offered reads "offer to make", not "hired".
    pub fn title(self) -> &'static str {
        match self {
            CandidateStatus::Applied => "applied",
            CandidateStatus::Acknowledged => "acknowledged",
            CandidateStatus::InterviewScheduled => "interview scheduled",
            CandidateStatus::AwaitingFeedback => "awaiting feedback",
            CandidateStatus::ReadyForDebrief => "ready for debrief",
            CandidateStatus::DebriefBooked => "debrief booked",
            CandidateStatus::AwaitingDecision => "awaiting decision",
            CandidateStatus::Hired => "offer to make",
            CandidateStatus::OfferMade => "offer made",
            CandidateStatus::OfferAccepted => "offer accepted",
            CandidateStatus::OfferDeclined => "offer declined",
            CandidateStatus::Rejected => "rejected",
            CandidateStatus::Withdrawn => "withdrawn",
        }
    }

    pub const ALL: [CandidateStatus; 13] = [
        CandidateStatus::Applied,
        CandidateStatus::Acknowledged,
        CandidateStatus::InterviewScheduled,
        CandidateStatus::AwaitingFeedback,
        CandidateStatus::ReadyForDebrief,
        CandidateStatus::DebriefBooked,
        CandidateStatus::AwaitingDecision,
        CandidateStatus::Hired,
        CandidateStatus::OfferMade,
        CandidateStatus::OfferAccepted,
        CandidateStatus::OfferDeclined,
        CandidateStatus::Rejected,
        CandidateStatus::Withdrawn,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// No further action is expected from the team.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CandidateStatus::OfferAccepted
                | CandidateStatus::OfferDeclined
                | CandidateStatus::Rejected
                | CandidateStatus::Withdrawn
        )
    }
}

/// One interview as the status derivation needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterviewFacts {
    pub scheduled_start: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub panel_size: usize,
    pub submitted: usize,
}

/// What the team should do next for a candidate. An enum, not a sentence: the apps and the CLI
/// each say it in their own words and language.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NextAction {
    AcknowledgeApplication,
    ScheduleInterview,
    /// The earliest interview that has not ended.
    HoldInterview { scheduled_start: DateTime<Utc> },
    CollectScorecards { submitted: u32, panel: u32 },
    BookDebrief,
    HoldDebrief,
    RecordDecision,
    MakeOffer,
    FollowUpOnOffer,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DerivedStatus {
    pub status: CandidateStatus,
    pub next_action: Option<NextAction>,
    /// Since when the candidate has been waiting on the team (or on themselves).
    pub since: DateTime<Utc>,
}

fn last_at(events: &[(TimelineKind, DateTime<Utc>)], kind: TimelineKind) -> Option<DateTime<Utc>> {
    events.iter().filter(|(k, _)| *k == kind).map(|(_, t)| *t).max()
}

/// Where a candidate stands and what the team should do next. The order of the checks is the
/// order of the playbook's process, latest stage first.
pub fn derive_status(
    applied_at: DateTime<Utc>,
    events: &[(TimelineKind, DateTime<Utc>)],
    decision: Option<(Outcome, DateTime<Utc>)>,
    interviews: &[InterviewFacts],
) -> DerivedStatus {
    derive_status_with_debrief(applied_at, events, decision, interviews, None)
}

/// A booking counts once its debrief sits after the loop: booked after the last interview
/// ended (all a booking without a slot can say), or, whenever it was made, for a slot that
/// starts no earlier than the last interview of the loop. A booking whose slot falls before
/// an interview scheduled since no longer counts. Interviews still to be held come first.
pub fn debrief_counts(
    booked_at: DateTime<Utc>,
    slot: Option<DateTime<Utc>>,
    interviews: &[InterviewFacts],
) -> bool {
    match slot {
        Some(at) => interviews.iter().all(|i| at >= i.scheduled_start),
        None => interviews.iter().filter_map(|i| i.ended_at).max().is_none_or(|e| booked_at >= e),
    }
}

/// `derive_status` with the slot of the latest debrief booking, when it has one.
pub fn derive_status_with_debrief(
    applied_at: DateTime<Utc>,
    events: &[(TimelineKind, DateTime<Utc>)],
    decision: Option<(Outcome, DateTime<Utc>)>,
    interviews: &[InterviewFacts],
    debrief_at: Option<DateTime<Utc>>,
) -> DerivedStatus {
    use CandidateEventKind as E;
    let ev = |k: E| last_at(events, TimelineKind::Candidate(k));
    let done = |status, since| DerivedStatus {
        status,
        next_action: None,
        since,
    };
    let todo = |status, action: NextAction, since| DerivedStatus {
        status,
        next_action: Some(action),
        since,
    };
    if let Some(t) = ev(E::Withdrew) {
        return done(CandidateStatus::Withdrawn, t);
    }
    match decision {
        Some((Outcome::Reject, t)) => return done(CandidateStatus::Rejected, t),
        Some((Outcome::Hire, t)) => {
            if let Some(t) = ev(E::OfferAccepted) {
                return done(CandidateStatus::OfferAccepted, t);
            }
            if let Some(t) = ev(E::OfferDeclined) {
                return done(CandidateStatus::OfferDeclined, t);
            }
            if let Some(t) = ev(E::OfferMade) {
                return todo(CandidateStatus::OfferMade, NextAction::FollowUpOnOffer, t);
            }
            return todo(CandidateStatus::Hired, NextAction::MakeOffer, t);
        }
        None => {}
    }
    if let Some(t) = ev(E::DebriefHeld) {
        return todo(CandidateStatus::AwaitingDecision, NextAction::RecordDecision, t);
    }
    let last_end = interviews.iter().filter_map(|i| i.ended_at).max();
    let debrief_booked = ev(E::DebriefBooked);
    let all_held = interviews.iter().all(|i| i.ended_at.is_some());
    if let Some(t) = debrief_booked {
        if all_held && debrief_counts(t, debrief_at, interviews) {
            return todo(CandidateStatus::DebriefBooked, NextAction::HoldDebrief, t.max(last_end.unwrap_or(t)));
        }
    }
    if !interviews.is_empty() {
        if let Some(next) = interviews
            .iter()
            .filter(|i| i.ended_at.is_none())
            .min_by_key(|i| i.scheduled_start)
        {
            let since = last_at(events, TimelineKind::InterviewScheduled).unwrap_or(applied_at);
            return todo(
                CandidateStatus::InterviewScheduled,
                NextAction::HoldInterview { scheduled_start: next.scheduled_start },
                since,
            );
        }
        let panel: usize = interviews.iter().map(|i| i.panel_size).sum();
        let submitted: usize = interviews.iter().map(|i| i.submitted.min(i.panel_size)).sum();
        let end = last_end.unwrap_or(applied_at);
        if submitted < panel {
            return todo(
                CandidateStatus::AwaitingFeedback,
                NextAction::CollectScorecards { submitted: submitted as u32, panel: panel as u32 },
                end,
            );
        }
        let since = last_at(events, TimelineKind::FeedbackSubmitted).unwrap_or(end);
        return todo(
            CandidateStatus::ReadyForDebrief,
            NextAction::BookDebrief,
            since,
        );
    }
    if let Some(t) = ev(E::Acknowledged) {
        return todo(CandidateStatus::Acknowledged, NextAction::ScheduleInterview, t);
    }
    todo(
        CandidateStatus::Applied,
        NextAction::AcknowledgeApplication,
        applied_at,
    )
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateSummary {
    pub id: DocumentId,
    pub name: String,
    pub role: String,
    pub source: Option<String>,
    pub applied_at: DateTime<Utc>,
    pub status: CandidateStatus,
    pub next_action: Option<NextAction>,
    pub waiting_since: DateTime<Utc>,
    pub interviews: u32,
    /// Set when the candidate's document could not be read (quarantined or invalid); the row
    /// shows the last good state.
    pub problem: Option<CandidateProblem>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PanelistFeedback {
    pub interviewer: InterviewerId,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterviewSummary {
    pub id: DocumentId,
    pub candidate_id: DocumentId,
    pub title: Option<String>,
    pub scheduled_start: DateTime<Utc>,
    pub minutes: u32,
    pub lead: InterviewerId,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub panel: Vec<PanelistFeedback>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub candidate: CandidateSummary,
    /// Oldest first; events at the same instant keep the process order.
    pub entries: Vec<TimelineEntry>,
    pub interviews: Vec<InterviewSummary>,
    pub speed: SpeedMetrics,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingFeedback {
    pub interview_id: DocumentId,
    pub candidate_id: DocumentId,
    pub candidate_name: String,
    pub ended_at: DateTime<Utc>,
    pub waiting: Duration,
}

/// Human-readable duration for lists and exports: "3d 4h", "2h 5m", "45m", "30s".
pub fn humanize(d: Duration) -> String {
    let secs = d.num_seconds();
    let (sign, secs) = if secs < 0 { ("-", -secs) } else { ("", secs) };
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    let s = if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins}m")
    } else if mins > 0 {
        format!("{mins}m")
    } else {
        format!("{secs}s")
    };
    format!("{sign}{s}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::hours(h)
    }

    fn facts(start: i64, ended: Option<i64>, panel: usize, submitted: usize) -> InterviewFacts {
        InterviewFacts {
            scheduled_start: t(start),
            ended_at: ended.map(t),
            panel_size: panel,
            submitted,
        }
    }

    #[test]
    fn status_follows_the_process() {
        use CandidateEventKind as E;
        let ack = (TimelineKind::Candidate(E::Acknowledged), t(2));
        let s = derive_status(t(0), &[], None, &[]);
        assert_eq!((s.status, s.since), (CandidateStatus::Applied, t(0)));
        assert_eq!(s.next_action, Some(NextAction::AcknowledgeApplication));

        let s = derive_status(t(0), &[ack], None, &[]);
        assert_eq!(s.status, CandidateStatus::Acknowledged);

        let s = derive_status(t(0), &[ack], None, &[facts(48, None, 3, 0)]);
        assert_eq!(s.status, CandidateStatus::InterviewScheduled);
        assert_eq!(s.next_action, Some(NextAction::HoldInterview { scheduled_start: t(48) }));

        let s = derive_status(t(0), &[ack], None, &[facts(48, Some(49), 3, 1)]);
        assert_eq!(s.status, CandidateStatus::AwaitingFeedback);
        assert_eq!(s.next_action, Some(NextAction::CollectScorecards { submitted: 1, panel: 3 }));
        assert_eq!(s.since, t(49));

        let s = derive_status(t(0), &[ack], None, &[facts(48, Some(49), 3, 3)]);
        assert_eq!(s.status, CandidateStatus::ReadyForDebrief);

        let booked = (TimelineKind::Candidate(E::DebriefBooked), t(50));
        let s = derive_status(t(0), &[ack, booked], None, &[facts(48, Some(49), 3, 3)]);
        assert_eq!(s.status, CandidateStatus::DebriefBooked);

        // A debrief booked before a later interview no longer counts as the next step.
        let s = derive_status(
            t(0),
            &[ack, booked],
            None,
            &[facts(48, Some(49), 1, 1), facts(70, Some(71), 1, 0)],
        );
        assert_eq!(s.status, CandidateStatus::AwaitingFeedback);

        let held = (TimelineKind::Candidate(E::DebriefHeld), t(51));
        let s = derive_status(t(0), &[ack, booked, held], None, &[facts(48, Some(49), 3, 3)]);
        assert_eq!(s.status, CandidateStatus::AwaitingDecision);

        let s = derive_status(t(0), &[ack], Some((Outcome::Hire, t(52))), &[]);
        assert_eq!((s.status, s.next_action), (CandidateStatus::Hired, Some(NextAction::MakeOffer)));
        let offer = (TimelineKind::Candidate(E::OfferMade), t(53));
        let accepted = (TimelineKind::Candidate(E::OfferAccepted), t(54));
        let s = derive_status(t(0), &[offer, accepted], Some((Outcome::Hire, t(52))), &[]);
        assert!(s.status.is_closed());
        assert_eq!(s.status, CandidateStatus::OfferAccepted);

        let s = derive_status(t(0), &[ack], Some((Outcome::Reject, t(52))), &[]);
        assert_eq!((s.status, s.next_action), (CandidateStatus::Rejected, None));
    }

    #[test]
    fn humanize_durations() {
        assert_eq!(humanize(Duration::seconds(30)), "30s");
        assert_eq!(humanize(Duration::minutes(45)), "45m");
        assert_eq!(humanize(Duration::minutes(125)), "2h 5m");
        assert_eq!(humanize(Duration::hours(76)), "3d 4h");
        assert_eq!(humanize(Duration::minutes(-5)), "-5m");
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in CandidateEventKind::ALL {
            let t = TimelineKind::Candidate(k);
            assert_eq!(TimelineKind::parse(t.as_str()), Some(t));
        }
        for t in [
            TimelineKind::InterviewScheduled,
            TimelineKind::InterviewStarted,
            TimelineKind::InterviewHeld,
            TimelineKind::FeedbackSubmitted,
            TimelineKind::CommitmentDue,
            TimelineKind::Decided(Outcome::Hire),
            TimelineKind::Decided(Outcome::Reject),
        ] {
            assert_eq!(TimelineKind::parse(t.as_str()), Some(t));
        }
        for s in CandidateStatus::ALL {
            assert_eq!(CandidateStatus::parse(s.as_str()), Some(s));
        }
    }
}
