//! Domain types and their Automerge schema: each document kind reads with validation and
//! writes only the fields an edit touches.

pub mod candidate;
pub mod commitment;
pub mod conflict;
pub mod debrief;
pub mod interview;
pub mod probe_notes;
pub mod problem;
pub mod schema;
pub mod scorecard;
pub mod sealing;
pub mod template;

pub use candidate::{
    Candidate, CandidateEvent, CandidateEventKind, Decision, Logistics, LogisticsUpdate,
    NewCandidate, Outcome, RiskTolerance, SalaryExpectation,
};
pub use interview::{
    CandidateQuestion, Interview, InterviewClock, NewInterview, NextSteps, QuestionKind,
    StageTiming, NOTES_LIMIT,
};
pub use probe_notes::{probe_notes, ProbeNote, ALL_PROBES};
pub use commitment::Commitment;
pub use conflict::ConflictedValue;
pub use problem::{CandidateProblem, QuarantineReason};
pub use debrief::DebriefSlot;
pub use schema::FieldProblem;
pub use scorecard::{Ratings, Recommendation, Scorecard, ScorecardDraft, ScorecardView};
pub use sealing::{CardProblem, ScorecardSeal, SealReason, SealState};
pub use template::{Probe, Prompt, Stage, Template, PLAYBOOK_NAME};

/// What a stored document is, from its root's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocKind {
    Candidate,
    Interview,
    Template,
    /// A device's outbox of sealed envelopes for one panel and epoch (trust's mailboxes):
    /// stored and synced like any document, never indexed or shown.
    Mailbox,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Candidate => "candidate",
            DocKind::Interview => "interview",
            DocKind::Template => "template",
            DocKind::Mailbox => "mailbox",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "candidate" => Some(DocKind::Candidate),
            "interview" => Some(DocKind::Interview),
            "template" => Some(DocKind::Template),
            "mailbox" => Some(DocKind::Mailbox),
            _ => None,
        }
    }
}

