//! The live interview kit: the playbook in the interviewer's hand. For the stage that is
//! running (or about to), its guidance and prompts grouped by probe, the time it took against
//! its budget, and what the panel has not covered yet: probes with no notes (see
//! `model::probe_notes` for how a passage is tied to a probe), logistics nobody asked, and
//! whether the candidate asked any questions. At the end of the interview the same
//! `uncovered` is what the panel never covered.
//!
//! Built from the interview's index view and the candidate's logistics: no decoding of a long
//! interview's document while the panel is typing into it.

use chrono::{DateTime, Duration, Utc};

use crate::error::Result;
use crate::ids::DocumentId;
use crate::model::{probe_notes, Logistics, Probe, ProbeNote, Stage};
use crate::store::{InterviewView, Store};

/// A logistics question from the playbook's logistics stage.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogisticsItem {
    RiskTolerance,
    Salary,
    StartDate,
    NoticePeriod,
}

impl LogisticsItem {
    pub const ALL: [LogisticsItem; 4] =
        [LogisticsItem::RiskTolerance, LogisticsItem::Salary, LogisticsItem::StartDate, LogisticsItem::NoticePeriod];

    pub fn as_str(self) -> &'static str {
        match self {
            LogisticsItem::RiskTolerance => "risk_tolerance",
            LogisticsItem::Salary => "salary",
            LogisticsItem::StartDate => "start_date",
            LogisticsItem::NoticePeriod => "notice_period",
        }
    }

    /// Answered, as the candidate's document records it. A salary "pass" is an answer.
    pub fn answered(self, l: &Logistics) -> bool {
        match self {
            LogisticsItem::RiskTolerance => l.risk_tolerance.is_some(),
            LogisticsItem::Salary => l.salary.is_some(),
            LogisticsItem::StartDate => l.start_date.is_some(),
            LogisticsItem::NoticePeriod => l.notice_period_days.is_some(),
        }
    }
}

/// One probe of a stage: the prompts to ask and the notes written to it so far.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeGuide {
    pub probe: Probe,
    pub prompts: Vec<String>,
    /// Passages of any stage's notes tied to this probe, in stage order.
    pub notes: Vec<ProbeNote>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KitStage {
    pub key: String,
    pub title: String,
    pub guidance: String,
    /// Prompts not tied to a probe (the pitch points, the logistics questions), in order.
    pub prompts: Vec<String>,
    /// Probes in the order the template first prompts them.
    pub probes: Vec<ProbeGuide>,
    /// `false` for the stage about to start, before any has.
    pub running: bool,
    pub elapsed: Duration,
    pub budget: Duration,
    pub overrun: Duration,
}

/// What the panel has not covered (yet, or ever once the interview ended).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Uncovered {
    /// Probes the interview's stages prompt for, with no notes tied to them.
    pub probes: Vec<Probe>,
    pub logistics: Vec<LogisticsItem>,
    /// No question from the candidate has been recorded.
    pub candidate_questions: bool,
}

impl Uncovered {
    pub fn is_empty(&self) -> bool {
        self.probes.is_empty() && self.logistics.is_empty() && !self.candidate_questions
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterviewKit {
    pub interview_id: DocumentId,
    pub candidate_id: DocumentId,
    /// The running stage, or the first one before the interview starts; `None` once ended.
    pub stage: Option<KitStage>,
    pub ended: bool,
    pub elapsed: Duration,
    pub budget: Duration,
    pub uncovered: Uncovered,
}

/// The probes a set of stages prompts for, in the order first prompted.
pub fn prompted_probes(stages: &[Stage]) -> Vec<Probe> {
    let mut out = Vec::new();
    for p in stages.iter().flat_map(|s| &s.prompts).filter_map(|p| p.probe) {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Every probe passage of an interview's notes, in stage order.
pub fn interview_probe_notes(notes: &[(String, String)]) -> Vec<ProbeNote> {
    notes.iter().flat_map(|(stage, text)| probe_notes(stage, text)).collect()
}

/// The kit as of `now`, from an interview view and the candidate's logistics.
pub fn build_kit(view: &InterviewView, logistics: &Logistics, now: DateTime<Utc>) -> InterviewKit {
    let i = &view.interview;
    let clock = i.clock(now);
    let all_notes = interview_probe_notes(&view.notes);
    let ended = i.ended_at.is_some();
    let (key, running) = match (&clock.current, ended) {
        (_, true) => (None, false),
        (Some(k), _) => (Some(k.clone()), true),
        // Before any stage ran: the first stage, as what comes next.
        (None, false) if i.stage_starts.is_empty() && i.stage_runs.is_empty() => (i.stages.first().map(|s| s.key.clone()), false),
        (None, false) => (None, false),
    };
    let stage = key.and_then(|k| i.stage(&k)).map(|s| {
        let timing = clock.stages.iter().find(|t| t.key == s.key);
        let mut probes: Vec<ProbeGuide> = Vec::new();
        let mut prompts = Vec::new();
        for p in &s.prompts {
            match p.probe {
                None => prompts.push(p.text.clone()),
                Some(probe) => match probes.iter_mut().find(|g| g.probe == probe) {
                    Some(g) => g.prompts.push(p.text.clone()),
                    None => probes.push(ProbeGuide {
                        probe,
                        prompts: vec![p.text.clone()],
                        notes: all_notes.iter().filter(|n| n.probe == probe).cloned().collect(),
                    }),
                },
            }
        }
        let budget = Duration::minutes(s.minutes as i64);
        KitStage {
            key: s.key.clone(),
            title: s.title.clone(),
            guidance: s.guidance.clone(),
            prompts,
            probes,
            running,
            elapsed: timing.map(|t| t.elapsed).unwrap_or_else(Duration::zero),
            budget,
            overrun: timing.map(|t| t.overrun).unwrap_or_else(Duration::zero),
        }
    });
    let probes = prompted_probes(&i.stages)
        .into_iter()
        .filter(|p| !all_notes.iter().any(|n| n.probe == *p))
        .collect();
    InterviewKit {
        interview_id: i.id,
        candidate_id: i.candidate_id,
        stage,
        ended,
        elapsed: clock.elapsed,
        budget: clock.budget,
        uncovered: Uncovered {
            probes,
            logistics: LogisticsItem::ALL.into_iter().filter(|l| !l.answered(logistics)).collect(),
            candidate_questions: i.questions.is_empty(),
        },
    }
}

impl Store {
    /// The live interview kit as of `now` (the caller's clock: the apps pass the store's).
    pub fn interview_kit(&mut self, id: DocumentId, now: DateTime<Utc>) -> Result<InterviewKit> {
        let view = self.interview_view(id)?;
        let logistics = self.candidate(view.interview.candidate_id)?.logistics;
        Ok(build_kit(&view, &logistics, now))
    }
}
