//! The few records written by hand. Everything else crosses as the core's own types, derived
//! behind its `uniffi` feature; a record is here only where a core type cannot cross as it is:
//! - `Interview`: the core keeps stage starts and submissions as tuples, which uniffi has no
//!   form for; every field is kept, the tuples become `StageStart` and `Submission`.
//! - `ScorecardView`: the core counts the panel in `usize`, which uniffi has no form for.
//! - `SyncReport`, `Identity`: in the transport and store modules, which are being
//!   restructured separately; they can take the derive once those settle.

use std::time::SystemTime;

use panelnotes_core::ffi::to_system;
use panelnotes_core::model::{self as m, CandidateQuestion, NextSteps, Scorecard, Stage};

/// When a stage started.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct StageStart {
    pub stage: String,
    pub at: SystemTime,
}

/// A panelist's submitted scorecard, as the interview document records it (the card itself
/// follows the sealing rule: see `scorecards`).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Submission {
    pub interviewer: String,
    pub at: SystemTime,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct StageNotes {
    pub stage: String,
    pub text: String,
}

/// An interview: every field of the core's read model, and each stage's notes.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Interview {
    pub id: String,
    pub candidate_id: String,
    pub schema_version: i64,
    pub title: Option<String>,
    pub template_name: String,
    pub booked_at: Option<SystemTime>,
    /// Who booked it (not necessarily on the panel); `None` in documents from older builds.
    pub booked_by: Option<String>,
    pub stages: Vec<Stage>,
    pub scheduled_start: SystemTime,
    pub minutes: u32,
    pub panelists: Vec<String>,
    pub lead: String,
    /// When each stage first started, in stage order.
    pub stage_starts: Vec<StageStart>,
    /// Every start of a stage, restarts included, in time order.
    pub stage_runs: Vec<StageStart>,
    pub ended_at: Option<SystemTime>,
    pub questions: Vec<CandidateQuestion>,
    pub next_steps: Option<NextSteps>,
    /// Who has submitted a scorecard, and when.
    pub submitted: Vec<Submission>,
    /// Each stage's notes, in stage order.
    pub notes: Vec<StageNotes>,
}

fn starts(v: Vec<(String, chrono::DateTime<chrono::Utc>)>) -> Vec<StageStart> {
    v.into_iter().map(|(stage, at)| StageStart { stage, at: to_system(at) }).collect()
}

impl Interview {
    pub(crate) fn new(i: m::Interview, notes: Vec<(String, String)>) -> Self {
        Interview {
            id: i.id.to_string(),
            candidate_id: i.candidate_id.to_string(),
            schema_version: i.schema_version,
            title: i.title,
            template_name: i.template_name,
            booked_at: i.booked_at.map(to_system),
            booked_by: i.booked_by.map(|b| b.to_string()),
            stages: i.stages,
            scheduled_start: to_system(i.scheduled_start),
            minutes: i.minutes,
            panelists: i.panelists.into_iter().map(|p| p.to_string()).collect(),
            lead: i.lead.to_string(),
            stage_starts: starts(i.stage_starts),
            stage_runs: starts(i.stage_runs),
            ended_at: i.ended_at.map(to_system),
            questions: i.questions,
            next_steps: i.next_steps,
            submitted: i.submitted.into_iter().map(|(who, at)| Submission { interviewer: who.to_string(), at: to_system(at) }).collect(),
            notes: notes.into_iter().map(|(stage, text)| StageNotes { stage, text }).collect(),
        }
    }
}

impl From<panelnotes_core::InterviewView> for Interview {
    fn from(v: panelnotes_core::InterviewView) -> Self {
        Interview::new(v.interview, v.notes)
    }
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
                panel_size: u32::try_from(panel_size).unwrap_or(u32::MAX),
            },
            m::ScorecardView::Visible(scorecards) => ScorecardView::Visible { scorecards },
        }
    }
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SyncReport {
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Documents that changed here during the session.
    pub changed_documents: Vec<String>,
    /// Documents the peer asked for that this side does not share with it.
    pub unavailable_documents: Vec<String>,
    pub elapsed_ms: u64,
    /// The other side's storage id (or peer id).
    pub peer: Option<String>,
}

impl From<panelnotes_core::transport::lan::SyncReport> for SyncReport {
    fn from(r: panelnotes_core::transport::lan::SyncReport) -> Self {
        SyncReport {
            bytes_in: r.bytes_in,
            bytes_out: r.bytes_out,
            changed_documents: r.changed.iter().map(|d| d.to_string()).collect(),
            unavailable_documents: r.unavailable.iter().map(|d| d.to_string()).collect(),
            elapsed_ms: r.elapsed_ms,
            peer: r.peer,
        }
    }
}

/// The interviewer using this install.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Identity {
    pub interviewer_id: String,
    pub display_name: String,
}
