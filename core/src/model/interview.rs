//! The interview document: one per interview, shared by its panel. It carries a copy of the
//! template's stages, the schedule and the panel, when each stage actually started, the shared
//! notes of each stage (one Automerge Text each), the candidate's questions, next steps and
//! the submitted scorecards.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::scorecard::{read_submitted, Scorecard};
use super::schema::{ts, FieldProblem, Reader, SCHEMA_VERSION};
use super::template::{read_stages, write_stages, Stage, Template};
use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInterview {
    pub candidate_id: DocumentId,
    pub title: Option<String>,
    pub template: Template,
    /// When the interview was booked (the timeline's "interview scheduled" event).
    pub booked_at: DateTime<Utc>,
    pub scheduled_start: DateTime<Utc>,
    /// Defaults to the template's total.
    pub minutes: Option<u32>,
    pub panelists: Vec<InterviewerId>,
    pub lead: InterviewerId,
}

impl NewInterview {
    pub fn validate(&self) -> Result<()> {
        self.template.validate()?;
        if self.panelists.is_empty() {
            return Err(Error::invalid("an interview needs at least one panelist"));
        }
        if self.panelists.len() > 12 {
            return Err(Error::invalid("a panel has at most 12 interviewers"));
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.panelists {
            if !seen.insert(p) {
                return Err(Error::invalid(format!("{p} is on the panel twice")));
            }
        }
        if !self.panelists.contains(&self.lead) {
            return Err(Error::invalid("the lead must be one of the panelists"));
        }
        if let Some(m) = self.minutes {
            if m == 0 || m > 24 * 60 {
                return Err(Error::invalid("an interview lasts between 1 and 1440 minutes"));
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// "How is the culture?": could be asked of any company.
    Generic,
    /// Informed by what the candidate learnt about us: a positive signal.
    Specific,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Generic => "generic",
            QuestionKind::Specific => "specific",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "generic" => Some(QuestionKind::Generic),
            "specific" => Some(QuestionKind::Specific),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateQuestion {
    pub text: String,
    pub kind: QuestionKind,
    pub asked_at: DateTime<Utc>,
    pub noted_by: Option<InterviewerId>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextSteps {
    /// Whom the candidate meets next (people or roles).
    pub meet_next: Vec<String>,
    /// Who follows up with the candidate; the process lead by default.
    pub owner: Option<InterviewerId>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interview {
    pub id: DocumentId,
    pub schema_version: i64,
    pub candidate_id: DocumentId,
    pub title: Option<String>,
    pub template_name: String,
    pub booked_at: Option<DateTime<Utc>>,
    pub stages: Vec<Stage>,
    pub scheduled_start: DateTime<Utc>,
    pub minutes: u32,
    pub panelists: Vec<InterviewerId>,
    pub lead: InterviewerId,
    /// (stage key, when it actually started), in stage order.
    pub stage_starts: Vec<(String, DateTime<Utc>)>,
    pub ended_at: Option<DateTime<Utc>>,
    pub questions: Vec<CandidateQuestion>,
    pub next_steps: Option<NextSteps>,
    /// Interviewers whose scorecard is in the document, with when they submitted.
    pub submitted: Vec<(InterviewerId, DateTime<Utc>)>,
}

/// How one stage went or is going.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageTiming {
    pub key: String,
    pub title: String,
    pub budget: Duration,
    pub started_at: Option<DateTime<Utc>>,
    /// When the next stage started or the interview ended; `None` while running.
    pub ended_at: Option<DateTime<Utc>>,
    pub elapsed: Duration,
    /// How far past its budget the stage ran (zero when within budget).
    pub overrun: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterviewClock {
    pub stages: Vec<StageTiming>,
    /// The running stage's key; `None` before the first stage or after the end.
    pub current: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub elapsed: Duration,
    pub budget: Duration,
    pub overrun: Duration,
}

impl Interview {
    pub fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }

    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.stage_starts.iter().map(|(_, t)| *t).min()
    }

    pub fn scheduled_end(&self) -> DateTime<Utc> {
        self.scheduled_start + Duration::minutes(self.minutes as i64)
    }

    /// Elapsed time against budget per stage, as of `now`. A stage ends when a later-started
    /// stage begins (panels skip and go back; the clock follows what actually happened).
    pub fn clock(&self, now: DateTime<Utc>) -> InterviewClock {
        let end_or_now = self.ended_at.unwrap_or(now);
        let mut starts: Vec<DateTime<Utc>> = self.stage_starts.iter().map(|(_, t)| *t).collect();
        starts.sort();
        let current = if self.ended_at.is_some() {
            None
        } else {
            self.stage_starts
                .iter()
                .max_by_key(|(_, t)| *t)
                .map(|(k, _)| k.clone())
        };
        let stages = self
            .stages
            .iter()
            .map(|s| {
                let budget = Duration::minutes(s.minutes as i64);
                let started_at = self
                    .stage_starts
                    .iter()
                    .find(|(k, _)| k == &s.key)
                    .map(|(_, t)| *t);
                let ended_at = started_at.and_then(|st| {
                    starts
                        .iter()
                        .copied()
                        .find(|t| *t > st)
                        .or(self.ended_at)
                });
                let elapsed = match started_at {
                    Some(st) => (ended_at.unwrap_or(end_or_now) - st).max(Duration::zero()),
                    None => Duration::zero(),
                };
                StageTiming {
                    key: s.key.clone(),
                    title: s.title.clone(),
                    budget,
                    started_at,
                    ended_at,
                    elapsed,
                    overrun: (elapsed - budget).max(Duration::zero()),
                }
            })
            .collect();
        let started_at = self.started_at();
        let elapsed = started_at
            .map(|s| (end_or_now - s).max(Duration::zero()))
            .unwrap_or_else(Duration::zero);
        let budget = Duration::minutes(self.minutes as i64);
        InterviewClock {
            stages,
            current,
            started_at,
            ended_at: self.ended_at,
            elapsed,
            budget,
            overrun: (elapsed - budget).max(Duration::zero()),
        }
    }
}

pub(crate) fn create(doc: &mut AutoCommit, n: &NewInterview) -> Result<()> {
    let root = ObjId::Root;
    doc.put(&root, "schema", SCHEMA_VERSION)?;
    doc.put(&root, "type", "interview")?;
    doc.put(&root, "candidateId", n.candidate_id.to_string())?;
    if let Some(t) = &n.title {
        doc.put(&root, "title", t.as_str())?;
    }
    doc.put(&root, "templateName", n.template.name.as_str())?;
    write_stages(doc, &root, "stages", &n.template.stages)?;
    doc.put(&root, "bookedAt", ts(n.booked_at))?;
    doc.put(&root, "scheduledStart", ts(n.scheduled_start))?;
    doc.put(
        &root,
        "minutes",
        n.minutes.unwrap_or_else(|| n.template.total_minutes()) as i64,
    )?;
    let panel = doc.put_object(&root, "panelists", ObjType::List)?;
    for (i, p) in n.panelists.iter().enumerate() {
        doc.insert(&panel, i, p.as_str())?;
    }
    doc.put(&root, "lead", n.lead.as_str())?;
    doc.put_object(&root, "stageStarts", ObjType::Map)?;
    // Every stage's Text is created here, once, by the scheduler: if two panelists each
    // created it on first edit, their notes would land in two conflicting objects.
    let notes = doc.put_object(&root, "notes", ObjType::Map)?;
    for s in &n.template.stages {
        doc.put_object(&notes, s.key.as_str(), ObjType::Text)?;
    }
    doc.put_object(&root, "questions", ObjType::List)?;
    doc.put_object(&root, "scorecards", ObjType::Map)?;
    Ok(())
}

fn map_or_create(doc: &mut AutoCommit, key: &str) -> Result<ObjId> {
    match doc.get(ObjId::Root, key)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Ok(doc.put_object(ObjId::Root, key, ObjType::Map)?),
    }
}

pub(crate) fn start_stage(doc: &mut AutoCommit, key: &str, at: DateTime<Utc>) -> Result<()> {
    let starts = map_or_create(doc, "stageStarts")?;
    doc.put(&starts, key, ts(at))?;
    Ok(())
}

pub(crate) fn end(doc: &mut AutoCommit, at: DateTime<Utc>) -> Result<()> {
    doc.put(ObjId::Root, "endedAt", ts(at))?;
    Ok(())
}

pub(crate) fn add_question(doc: &mut AutoCommit, q: &CandidateQuestion) -> Result<()> {
    let list = match doc.get(ObjId::Root, "questions")? {
        Some((automerge::Value::Object(ObjType::List), id)) => id,
        _ => doc.put_object(ObjId::Root, "questions", ObjType::List)?,
    };
    let n = doc.length(&list);
    let m = doc.insert_object(&list, n, ObjType::Map)?;
    doc.put(&m, "text", q.text.as_str())?;
    doc.put(&m, "kind", q.kind.as_str())?;
    doc.put(&m, "askedAt", ts(q.asked_at))?;
    if let Some(by) = &q.noted_by {
        doc.put(&m, "by", by.as_str())?;
    }
    Ok(())
}

pub(crate) fn set_next_steps(doc: &mut AutoCommit, n: &NextSteps) -> Result<()> {
    let m = doc.put_object(ObjId::Root, "nextSteps", ObjType::Map)?;
    let list = doc.put_object(&m, "meetNext", ObjType::List)?;
    for (i, p) in n.meet_next.iter().enumerate() {
        doc.insert(&list, i, p.as_str())?;
    }
    if let Some(o) = &n.owner {
        doc.put(&m, "owner", o.as_str())?;
    }
    if let Some(note) = &n.note {
        doc.put(&m, "note", note.as_str())?;
    }
    Ok(())
}

/// The Text object holding a stage's notes, if the document has one of the right type.
pub(crate) fn notes_obj(doc: &AutoCommit, id: DocumentId, stage: &str) -> Result<Option<ObjId>> {
    let r = Reader::new(doc, id);
    let Some(notes) = r.map(&ObjId::Root, "notes", "notes")? else {
        return Ok(None);
    };
    r.text_obj(&notes, stage, &format!("notes.{stage}"))
}

pub(crate) fn notes_text(doc: &AutoCommit, id: DocumentId, stage: &str) -> Result<String> {
    match notes_obj(doc, id, stage)? {
        None => Ok(String::new()),
        Some(t) => Ok(doc.text(&t)?),
    }
}

/// Creates a stage's Text if it is missing (a document from a peer that never created it).
pub(crate) fn ensure_notes_obj(doc: &mut AutoCommit, id: DocumentId, stage: &str) -> Result<ObjId> {
    if let Some(t) = notes_obj(doc, id, stage)? {
        return Ok(t);
    }
    let notes = map_or_create(doc, "notes")?;
    Ok(doc.put_object(&notes, stage, ObjType::Text)?)
}

pub(crate) fn read(doc: &AutoCommit, id: DocumentId) -> Result<Interview> {
    read_with_problems(doc, id).map(|(i, _)| i)
}

/// The interview, and the values it had to skip. Only a document that is not an interview at
/// all, or names no candidate, fails: any other bad value is skipped and reported, so notes
/// stay readable and typeable whatever a peer wrote.
pub(crate) fn read_with_problems(doc: &AutoCommit, id: DocumentId) -> Result<(Interview, Vec<FieldProblem>)> {
    let r = Reader::new(doc, id);
    r.check_kind("interview")?;
    let root = ObjId::Root;
    let missing = |path: &str, expected: &'static str| Error::InvalidField {
        id,
        path: path.to_owned(),
        expected,
    };
    let candidate_id = r
        .required_str(&root, "candidateId", "candidateId")?
        .parse()
        .map_err(|_| missing("candidateId", "a document id"))?;
    let stages = read_stages(&r, &root, "stages")?;
    let mut panelists = Vec::new();
    if let Some(list) = r.or(r.list(&root, "panelists", "panelists"), None)? {
        let ids = r.each(r.list_strings(&list, "panelists")?, |_, (i, p)| {
            InterviewerId::new(p).map_err(|_| missing(&format!("panelists[{i}]"), "an interviewer id"))
        })?;
        for p in ids {
            if !panelists.contains(&p) {
                panelists.push(p);
            }
        }
    }
    let mut stage_starts = Vec::new();
    if let Some(m) = r.or(r.map(&root, "stageStarts", "stageStarts"), None)? {
        for s in &stages {
            if let Some(t) = r.or(r.time(&m, &s.key, &format!("stageStarts.{}", s.key)), None)? {
                stage_starts.push((s.key.clone(), t));
            }
        }
    }
    let mut questions = Vec::new();
    if let Some(list) = r.or(r.list(&root, "questions", "questions"), None)? {
        questions = r.each(r.list_maps(&list, "questions")?, |_, (i, m)| {
            let path = format!("questions[{i}]");
            let kind = r.required_str(&m, "kind", &format!("{path}.kind"))?;
            Ok(CandidateQuestion {
                text: r.str(&m, "text", &format!("{path}.text"))?.unwrap_or_default(),
                kind: QuestionKind::parse(&kind)
                    .ok_or_else(|| missing(&format!("{path}.kind"), "generic or specific"))?,
                asked_at: r
                    .time(&m, "askedAt", &format!("{path}.askedAt"))?
                    .ok_or_else(|| missing(&format!("{path}.askedAt"), "a timestamp (missing)"))?,
                noted_by: r.or(r.interviewer(&m, "by", &format!("{path}.by")), None)?,
            })
        })?;
    }
    let next_steps = match r.or(r.map(&root, "nextSteps", "nextSteps"), None)? {
        None => None,
        Some(m) => Some(NextSteps {
            meet_next: match r.or(r.list(&m, "meetNext", "nextSteps.meetNext"), None)? {
                None => Vec::new(),
                Some(l) => r.list_strings(&l, "nextSteps.meetNext")?.into_iter().map(|(_, s)| s).collect(),
            },
            owner: r.or(r.interviewer(&m, "owner", "nextSteps.owner"), None)?,
            note: r.or(r.str(&m, "note", "nextSteps.note"), None)?,
        }),
    };
    let total: u32 = stages.iter().map(|s| s.minutes).sum();
    let minutes = r.or(
        r.int(&root, "minutes", "minutes").and_then(|m| match m {
            None => Ok(total),
            Some(m) => u32::try_from(m).ok().filter(|m| *m > 0).ok_or_else(|| missing("minutes", "a positive integer")),
        }),
        total,
    )?;
    let submitted = read_submitted(&r)?
        .into_iter()
        .map(|s| (s.interviewer, s.submitted_at))
        .collect();
    let booked_at = r.or(r.time(&root, "bookedAt", "bookedAt"), None)?;
    let scheduled_start = r.or(
        r.time(&root, "scheduledStart", "scheduledStart")
            .and_then(|t| t.ok_or_else(|| missing("scheduledStart", "a timestamp (missing)"))),
        // Something to show the interview by; the problem says the real one is unreadable.
        booked_at.unwrap_or_default(),
    )?;
    let lead = r.or(
        r.interviewer(&root, "lead", "lead")
            .and_then(|l| l.map(Some).ok_or_else(|| missing("lead", "an interviewer id (missing)"))),
        None,
    )?;
    let Some(lead) = lead.or_else(|| panelists.first().cloned()) else {
        return Err(missing("lead", "an interviewer id (and no panelist to fall back on)"));
    };
    let interview = Interview {
        id,
        schema_version: r.or(r.schema_version(), 0)?,
        candidate_id,
        title: r.or(r.str(&root, "title", "title"), None)?,
        template_name: r.or(r.str(&root, "templateName", "templateName"), None)?.unwrap_or_default(),
        booked_at,
        stages,
        scheduled_start,
        minutes,
        lead,
        panelists,
        stage_starts,
        ended_at: r.or(r.time(&root, "endedAt", "endedAt"), None)?,
        questions,
        next_steps,
        submitted,
    };
    Ok((interview, r.into_problems()))
}

/// Every stage's notes, in stage order.
pub(crate) fn all_notes(doc: &AutoCommit, id: DocumentId, stages: &[Stage]) -> Result<Vec<(String, String)>> {
    stages
        .iter()
        .map(|s| Ok((s.key.clone(), notes_text(doc, id, &s.key)?)))
        .collect()
}

pub(crate) fn submitted_scorecards(doc: &AutoCommit, id: DocumentId) -> Result<Vec<Scorecard>> {
    read_submitted(&Reader::new(doc, id))
}
