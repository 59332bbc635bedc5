//! Records and enums that cross the FFI, with conversions from the core's types.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeZone, Utc};
use panelnotes_core::model as m;
use panelnotes_core::timeline as t;

use crate::error::{bad, PanelNotesError};

pub(crate) fn to_system(t: DateTime<Utc>) -> SystemTime {
    let ms = t.timestamp_millis();
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

pub(crate) fn from_system(t: SystemTime) -> Result<DateTime<Utc>, PanelNotesError> {
    let ms = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).map_err(|_| bad("a time too far in the future"))?,
        Err(e) => -i64::try_from(e.duration().as_millis()).map_err(|_| bad("a time too far in the past"))?,
    };
    Utc.timestamp_millis_opt(ms).single().ok_or_else(|| bad("a time out of range"))
}

fn dur(d: chrono::Duration) -> Duration {
    d.to_std().unwrap_or(Duration::ZERO)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
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

impl From<t::CandidateStatus> for CandidateStatus {
    fn from(s: t::CandidateStatus) -> Self {
        use t::CandidateStatus as S;
        match s {
            S::Applied => Self::Applied,
            S::Acknowledged => Self::Acknowledged,
            S::InterviewScheduled => Self::InterviewScheduled,
            S::AwaitingFeedback => Self::AwaitingFeedback,
            S::ReadyForDebrief => Self::ReadyForDebrief,
            S::DebriefBooked => Self::DebriefBooked,
            S::AwaitingDecision => Self::AwaitingDecision,
            S::Hired => Self::Hired,
            S::OfferMade => Self::OfferMade,
            S::OfferAccepted => Self::OfferAccepted,
            S::OfferDeclined => Self::OfferDeclined,
            S::Rejected => Self::Rejected,
            S::Withdrawn => Self::Withdrawn,
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CandidateSummary {
    pub id: String,
    pub name: String,
    pub role: String,
    pub status: CandidateStatus,
    pub next_action: Option<String>,
    pub waiting_since: SystemTime,
    pub applied_at: SystemTime,
    pub interviews: u32,
    pub problem: Option<String>,
}

impl From<t::CandidateSummary> for CandidateSummary {
    fn from(c: t::CandidateSummary) -> Self {
        CandidateSummary {
            id: c.id.to_string(),
            name: c.name,
            role: c.role,
            status: c.status.into(),
            next_action: c.next_action,
            waiting_since: to_system(c.waiting_since),
            applied_at: to_system(c.applied_at),
            interviews: c.interviews,
            problem: c.problem,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum EventKind {
    Acknowledged,
    DebriefBooked,
    DebriefHeld,
    OfferMade,
    OfferAccepted,
    OfferDeclined,
    Withdrew,
    Note,
}

impl From<EventKind> for m::CandidateEventKind {
    fn from(k: EventKind) -> Self {
        use m::CandidateEventKind as K;
        match k {
            EventKind::Acknowledged => K::Acknowledged,
            EventKind::DebriefBooked => K::DebriefBooked,
            EventKind::DebriefHeld => K::DebriefHeld,
            EventKind::OfferMade => K::OfferMade,
            EventKind::OfferAccepted => K::OfferAccepted,
            EventKind::OfferDeclined => K::OfferDeclined,
            EventKind::Withdrew => K::Withdrew,
            EventKind::Note => K::Note,
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct TimelineEntry {
    pub at: SystemTime,
    /// Stable machine name, such as `acknowledged` or `feedback_submitted`.
    pub kind: String,
    /// Display title, such as "Application acknowledged".
    pub title: String,
    pub interview_id: Option<String>,
    pub actor: Option<String>,
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct FeedbackDelay {
    pub interview_id: String,
    pub interviewer: String,
    pub delay: Option<Duration>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SpeedMetrics {
    pub application_to_acknowledgement: Option<Duration>,
    pub application_to_first_interview: Option<Duration>,
    pub feedback: Vec<FeedbackDelay>,
    pub last_interview_to_debrief_booked: Option<Duration>,
    pub last_interview_to_decision: Option<Duration>,
    pub application_to_decision: Option<Duration>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Timeline {
    pub candidate: CandidateSummary,
    pub entries: Vec<TimelineEntry>,
    pub speed: SpeedMetrics,
}

impl From<t::Timeline> for Timeline {
    fn from(tl: t::Timeline) -> Self {
        let s = tl.speed;
        Timeline {
            candidate: tl.candidate.into(),
            entries: tl
                .entries
                .into_iter()
                .map(|e| TimelineEntry {
                    at: to_system(e.at),
                    kind: e.kind.as_str().into(),
                    title: e.kind.title().into(),
                    interview_id: e.interview_id.map(|i| i.to_string()),
                    actor: e.actor.map(|a| a.to_string()),
                    detail: e.detail,
                })
                .collect(),
            speed: SpeedMetrics {
                application_to_acknowledgement: s.application_to_acknowledgement.map(dur),
                application_to_first_interview: s.application_to_first_interview.map(dur),
                feedback: s
                    .feedback
                    .into_iter()
                    .map(|f| FeedbackDelay {
                        interview_id: f.interview_id.to_string(),
                        interviewer: f.interviewer.to_string(),
                        delay: f.delay.map(dur),
                    })
                    .collect(),
                last_interview_to_debrief_booked: s.last_interview_to_debrief_booked.map(dur),
                last_interview_to_decision: s.last_interview_to_decision.map(dur),
                application_to_decision: s.application_to_decision.map(dur),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Stage {
    pub key: String,
    pub title: String,
    pub minutes: u32,
    pub guidance: String,
    pub prompts: Vec<String>,
}

impl From<m::Stage> for Stage {
    fn from(s: m::Stage) -> Self {
        Stage {
            key: s.key,
            title: s.title,
            minutes: s.minutes,
            guidance: s.guidance,
            prompts: s.prompts.into_iter().map(|p| p.text).collect(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum QuestionKind {
    Generic,
    Specific,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CandidateQuestion {
    pub text: String,
    pub kind: QuestionKind,
    pub asked_at: SystemTime,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct StageNotes {
    pub stage: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Interview {
    pub id: String,
    pub candidate_id: String,
    pub title: Option<String>,
    pub stages: Vec<Stage>,
    pub scheduled_start: SystemTime,
    pub minutes: u32,
    pub panelists: Vec<String>,
    pub lead: String,
    pub ended_at: Option<SystemTime>,
    pub questions: Vec<CandidateQuestion>,
    pub meet_next: Vec<String>,
    pub notes: Vec<StageNotes>,
}

impl From<panelnotes_core::InterviewView> for Interview {
    fn from(v: panelnotes_core::InterviewView) -> Self {
        let i = v.interview;
        Interview {
            id: i.id.to_string(),
            candidate_id: i.candidate_id.to_string(),
            title: i.title,
            stages: i.stages.into_iter().map(Into::into).collect(),
            scheduled_start: to_system(i.scheduled_start),
            minutes: i.minutes,
            panelists: i.panelists.into_iter().map(|p| p.to_string()).collect(),
            lead: i.lead.to_string(),
            ended_at: i.ended_at.map(to_system),
            questions: i
                .questions
                .into_iter()
                .map(|q| CandidateQuestion {
                    text: q.text,
                    kind: match q.kind {
                        m::QuestionKind::Generic => QuestionKind::Generic,
                        m::QuestionKind::Specific => QuestionKind::Specific,
                    },
                    asked_at: to_system(q.asked_at),
                })
                .collect(),
            meet_next: i.next_steps.map(|n| n.meet_next).unwrap_or_default(),
            notes: v.notes.into_iter().map(|(stage, text)| StageNotes { stage, text }).collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct StageTiming {
    pub key: String,
    pub title: String,
    pub budget: Duration,
    pub started_at: Option<SystemTime>,
    pub elapsed: Duration,
    pub overrun: Duration,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct InterviewClock {
    pub current: Option<String>,
    pub elapsed: Duration,
    pub budget: Duration,
    pub overrun: Duration,
    pub stages: Vec<StageTiming>,
}

impl From<m::InterviewClock> for InterviewClock {
    fn from(c: m::InterviewClock) -> Self {
        InterviewClock {
            current: c.current,
            elapsed: dur(c.elapsed),
            budget: dur(c.budget),
            overrun: dur(c.overrun),
            stages: c
                .stages
                .into_iter()
                .map(|s| StageTiming {
                    key: s.key,
                    title: s.title,
                    budget: dur(s.budget),
                    started_at: s.started_at.map(to_system),
                    elapsed: dur(s.elapsed),
                    overrun: dur(s.overrun),
                })
                .collect(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum RiskTolerance {
    Comfortable,
    Cautious,
    Averse,
}

#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Salary {
    Current { amount: i64, currency: String },
    Range { min: i64, max: i64, currency: String },
    Passed,
}

/// Only the fields that are set are written.
#[derive(Clone, Debug, Default, PartialEq, uniffi::Record)]
pub struct LogisticsUpdate {
    #[uniffi(default = None)]
    pub risk_tolerance: Option<RiskTolerance>,
    #[uniffi(default = None)]
    pub salary: Option<Salary>,
    /// YYYY-MM-DD
    #[uniffi(default = None)]
    pub start_date: Option<String>,
    #[uniffi(default = None)]
    pub notice_period_days: Option<u32>,
}

impl TryFrom<LogisticsUpdate> for m::LogisticsUpdate {
    type Error = PanelNotesError;
    fn try_from(u: LogisticsUpdate) -> Result<Self, PanelNotesError> {
        Ok(m::LogisticsUpdate {
            risk_tolerance: u.risk_tolerance.map(|r| match r {
                RiskTolerance::Comfortable => m::RiskTolerance::Comfortable,
                RiskTolerance::Cautious => m::RiskTolerance::Cautious,
                RiskTolerance::Averse => m::RiskTolerance::Averse,
            }),
            risk_notes: None,
            salary: u.salary.map(|s| match s {
                Salary::Current { amount, currency } => m::SalaryExpectation::Current { amount, currency },
                Salary::Range { min, max, currency } => m::SalaryExpectation::Range { min, max, currency },
                Salary::Passed => m::SalaryExpectation::Passed,
            }),
            start_date: u
                .start_date
                .map(|d| {
                    chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                        .map_err(|_| PanelNotesError::InvalidDate { reason: format!("{d:?} is not a YYYY-MM-DD date") })
                })
                .transpose()?,
            notice_period_days: u.notice_period_days,
        })
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Logistics {
    pub risk_tolerance: Option<RiskTolerance>,
    pub salary: Option<Salary>,
    pub start_date: Option<String>,
    pub notice_period_days: Option<u32>,
}

impl From<m::Logistics> for Logistics {
    fn from(l: m::Logistics) -> Self {
        Logistics {
            risk_tolerance: l.risk_tolerance.map(|r| match r {
                m::RiskTolerance::Comfortable => RiskTolerance::Comfortable,
                m::RiskTolerance::Cautious => RiskTolerance::Cautious,
                m::RiskTolerance::Averse => RiskTolerance::Averse,
            }),
            salary: l.salary.map(|s| match s {
                m::SalaryExpectation::Current { amount, currency } => Salary::Current { amount, currency },
                m::SalaryExpectation::Range { min, max, currency } => Salary::Range { min, max, currency },
                m::SalaryExpectation::Passed => Salary::Passed,
            }),
            start_date: l.start_date.map(|d| d.to_string()),
            notice_period_days: l.notice_period_days,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Recommendation {
    StrongNo,
    No,
    Yes,
    StrongYes,
}

impl From<Recommendation> for m::Recommendation {
    fn from(r: Recommendation) -> Self {
        match r {
            Recommendation::StrongNo => m::Recommendation::StrongNo,
            Recommendation::No => m::Recommendation::No,
            Recommendation::Yes => m::Recommendation::Yes,
            Recommendation::StrongYes => m::Recommendation::StrongYes,
        }
    }
}

impl From<m::Recommendation> for Recommendation {
    fn from(r: m::Recommendation) -> Self {
        match r {
            m::Recommendation::StrongNo => Recommendation::StrongNo,
            m::Recommendation::No => Recommendation::No,
            m::Recommendation::Yes => Recommendation::Yes,
            m::Recommendation::StrongYes => Recommendation::StrongYes,
        }
    }
}

/// Ratings from 1 to 4; `None` while undecided.
#[derive(Clone, Debug, Default, PartialEq, uniffi::Record)]
pub struct ScorecardDraft {
    #[uniffi(default = None)]
    pub technical_depth: Option<u8>,
    #[uniffi(default = None)]
    pub reaction_to_challenge: Option<u8>,
    #[uniffi(default = None)]
    pub business_understanding: Option<u8>,
    #[uniffi(default = None)]
    pub question_quality: Option<u8>,
    #[uniffi(default = None)]
    pub recommendation: Option<Recommendation>,
    #[uniffi(default = "")]
    pub comments: String,
}

impl From<ScorecardDraft> for m::ScorecardDraft {
    fn from(d: ScorecardDraft) -> Self {
        m::ScorecardDraft {
            ratings: m::Ratings {
                technical_depth: d.technical_depth,
                reaction_to_challenge: d.reaction_to_challenge,
                business_understanding: d.business_understanding,
                question_quality: d.question_quality,
            },
            recommendation: d.recommendation.map(Into::into),
            comments: d.comments,
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Scorecard {
    pub interviewer: String,
    pub technical_depth: Option<u8>,
    pub reaction_to_challenge: Option<u8>,
    pub business_understanding: Option<u8>,
    pub question_quality: Option<u8>,
    pub recommendation: Recommendation,
    pub comments: String,
    pub submitted_at: SystemTime,
}

#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum ScorecardView {
    /// You are on the panel and have not submitted: the others stay sealed.
    Sealed { submitted_by: Vec<String>, panel_size: u32 },
    Visible { scorecards: Vec<Scorecard> },
}

impl From<m::ScorecardView> for ScorecardView {
    fn from(v: m::ScorecardView) -> Self {
        match v {
            m::ScorecardView::Sealed { submitted, panel_size } => ScorecardView::Sealed {
                submitted_by: submitted.into_iter().map(|s| s.to_string()).collect(),
                panel_size: panel_size as u32,
            },
            m::ScorecardView::Visible(cards) => ScorecardView::Visible {
                scorecards: cards
                    .into_iter()
                    .map(|c| Scorecard {
                        interviewer: c.interviewer.to_string(),
                        technical_depth: c.ratings.technical_depth,
                        reaction_to_challenge: c.ratings.reaction_to_challenge,
                        business_understanding: c.ratings.business_understanding,
                        question_quality: c.ratings.question_quality,
                        recommendation: c.recommendation.into(),
                        comments: c.comments,
                        submitted_at: to_system(c.submitted_at),
                    })
                    .collect(),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ConflictValue {
    pub value: String,
    pub author: Option<String>,
    pub at: Option<SystemTime>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Conflict {
    pub document_id: String,
    pub field: String,
    pub values: Vec<ConflictValue>,
}

impl From<panelnotes_core::Conflict> for Conflict {
    fn from(c: panelnotes_core::Conflict) -> Self {
        Conflict {
            document_id: c.document.to_string(),
            field: c.field,
            values: c
                .values
                .into_iter()
                .map(|v| ConflictValue {
                    value: v.value,
                    author: v.author.map(|a| a.to_string()),
                    at: v.at.map(to_system),
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PendingFeedback {
    pub interview_id: String,
    pub candidate_id: String,
    pub candidate_name: String,
    pub ended_at: SystemTime,
    pub waiting: Duration,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SyncReport {
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub changed_documents: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Template {
    /// `None` for the built-in playbook.
    pub id: Option<String>,
    pub name: String,
    pub stages: Vec<Stage>,
}

impl From<m::Template> for Template {
    fn from(t: m::Template) -> Self {
        Template {
            id: t.id.map(|i| i.to_string()),
            name: t.name,
            stages: t.stages.into_iter().map(Into::into).collect(),
        }
    }
}

pub(crate) fn template_from(name: String, stages: Vec<Stage>) -> m::Template {
    m::Template {
        id: None,
        name,
        stages: stages
            .into_iter()
            .map(|s| m::Stage {
                key: s.key,
                title: s.title,
                minutes: s.minutes,
                guidance: s.guidance,
                prompts: s.prompts.into_iter().map(|text| m::Prompt { probe: None, text }).collect(),
            })
            .collect(),
    }
}
