//! The interview document: one per interview, shared by its panel. It carries a copy of the
//! template's stages, the schedule and the panel, when each stage actually started, the shared
//! notes of each stage (one Automerge Text each), the candidate's questions, next steps and
//! the submitted scorecards.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::scorecard::{read_submitted, StoredCard};
use super::schema::{ts, FieldProblem, Reader, SCHEMA_VERSION};
use super::template::{read_stages, write_stages, Stage, Template};
use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};

/// The most one stage's notes may hold, in UTF-8 bytes: a 45-minute stage typed flat out is
/// well under 100 KB, and every read, sync and index refresh of the interview pays for it.
pub const NOTES_LIMIT: usize = 1 << 20;

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

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateQuestion {
    pub text: String,
    pub kind: QuestionKind,
    pub asked_at: DateTime<Utc>,
    pub noted_by: Option<InterviewerId>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
    /// Who booked it (not necessarily on the panel); `None` in documents from older builds.
    #[serde(default)]
    pub booked_by: Option<InterviewerId>,
    pub stages: Vec<Stage>,
    pub scheduled_start: DateTime<Utc>,
    pub minutes: u32,
    pub panelists: Vec<InterviewerId>,
    pub lead: InterviewerId,
    /// (stage key, when it first started), in stage order.
    pub stage_starts: Vec<(String, DateTime<Utc>)>,
    /// Every start of a stage, restarts included, in time order: the clock runs on these.
    #[serde(default)]
    pub stage_runs: Vec<(String, DateTime<Utc>)>,
    pub ended_at: Option<DateTime<Utc>>,
    pub questions: Vec<CandidateQuestion>,
    pub next_steps: Option<NextSteps>,
    /// Interviewers whose scorecard is in the document, with when they submitted.
    pub submitted: Vec<(InterviewerId, DateTime<Utc>)>,
    /// Next-step commitments with their position in the document's list.
    #[serde(default)]
    pub commitments: Vec<(usize, super::commitment::Commitment)>,
}

/// How one stage went or is going.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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

    /// Elapsed time against budget per stage, as of `now`. Each start runs until the next
    /// start or the end; a stage restarted later adds its new run to what it already took
    /// (panels skip and go back; the clock follows what actually happened). A run dated after
    /// the end (a peer's) counts for nothing rather than a negative time.
    pub fn clock(&self, now: DateTime<Utc>) -> InterviewClock {
        let end_or_now = self.ended_at.unwrap_or(now);
        let runs = self.runs();
        let current = if self.ended_at.is_some() { None } else { runs.last().map(|(k, _)| k.clone()) };
        let run_end = |n: usize| runs.get(n + 1).map(|(_, t)| *t).or(self.ended_at);
        let stages = self
            .stages
            .iter()
            .map(|s| {
                let budget = Duration::minutes(s.minutes as i64);
                let mine: Vec<usize> = (0..runs.len()).filter(|n| runs[*n].0 == s.key).collect();
                let started_at = mine.first().map(|n| runs[*n].1);
                let ended_at = mine.last().and_then(|n| run_end(*n));
                let elapsed = mine
                    .iter()
                    .map(|n| (run_end(*n).unwrap_or(end_or_now) - runs[*n].1).max(Duration::zero()))
                    .fold(Duration::zero(), |a, b| a + b);
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

    /// Stage runs in time order; a view from before runs existed falls back on first starts.
    fn runs(&self) -> Vec<(String, DateTime<Utc>)> {
        let mut runs = if self.stage_runs.is_empty() { self.stage_starts.clone() } else { self.stage_runs.clone() };
        runs.sort_by_key(|(_, t)| *t);
        runs
    }

    /// When the latest stage (re)started: a new start or the end may not be dated before it.
    pub fn last_start(&self) -> Option<DateTime<Utc>> {
        self.runs().last().map(|(_, t)| *t)
    }
}

pub(crate) fn create(doc: &mut AutoCommit, n: &NewInterview, booked_by: &InterviewerId) -> Result<()> {
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
    doc.put(&root, "bookedBy", booked_by.as_str())?;
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
    doc.put_object(&root, "stageLog", ObjType::List)?;
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

/// Records a (re)start of a stage. Every start is appended to `stageLog`, so a restart
/// keeps the earlier run; `stageStarts` keeps the first start, which older builds read.
pub(crate) fn start_stage(doc: &mut AutoCommit, key: &str, at: DateTime<Utc>, by: &InterviewerId) -> Result<()> {
    let starts = map_or_create(doc, "stageStarts")?;
    if doc.get(&starts, key)?.is_none() {
        doc.put(&starts, key, ts(at))?;
    }
    let log = match doc.get(ObjId::Root, "stageLog")? {
        Some((automerge::Value::Object(ObjType::List), id)) => id,
        _ => doc.put_object(ObjId::Root, "stageLog", ObjType::List)?,
    };
    let n = doc.length(&log);
    let m = doc.insert_object(&log, n, ObjType::Map)?;
    doc.put(&m, "stage", key)?;
    doc.put(&m, "at", ts(at))?;
    doc.put(&m, "by", by.as_str())?;
    Ok(())
}

pub(crate) fn end(doc: &mut AutoCommit, at: DateTime<Utc>) -> Result<()> {
    doc.put(ObjId::Root, "endedAt", ts(at))?;
    Ok(())
}

/// Takes the end away, so the interview can run on and be ended again.
pub(crate) fn reopen(doc: &mut AutoCommit) -> Result<()> {
    doc.delete(ObjId::Root, "endedAt")?;
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
    let stage_runs = read_stage_runs(&r, &stages, &stage_starts)?;
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
        // Peers append concurrently: show them in the order they were asked.
        questions.sort_by_key(|q| q.asked_at);
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
        .map(|s| (s.seat, s.submitted_at))
        .collect();
    let booked_at = r.or(r.time(&root, "bookedAt", "bookedAt"), None)?;
    let booked_by = r.or(r.interviewer(&root, "bookedBy", "bookedBy"), None)?;
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
        booked_by,
        stages,
        scheduled_start,
        minutes,
        lead,
        panelists,
        stage_starts,
        stage_runs,
        ended_at: r.or(r.time(&root, "endedAt", "endedAt"), None)?,
        questions,
        next_steps,
        submitted,
        commitments: super::commitment::read(&r)?,
    };
    Ok((interview, r.into_problems()))
}

/// Every start in `stageLog` of a stage the interview has, plus first starts only
/// `stageStarts` knows (written by an older build), in time order.
fn read_stage_runs(r: &Reader<'_>, stages: &[Stage], first: &[(String, DateTime<Utc>)]) -> Result<Vec<(String, DateTime<Utc>)>> {
    let mut runs = Vec::new();
    if let Some(list) = r.or(r.list(&ObjId::Root, "stageLog", "stageLog"), None)? {
        let read = r.each(r.list_maps(&list, "stageLog")?, |_, (i, m)| {
            let path = format!("stageLog[{i}]");
            let key = r.required_str(&m, "stage", &format!("{path}.stage"))?;
            let at = r.time(&m, "at", &format!("{path}.at"))?.ok_or_else(|| Error::InvalidField {
                id: r.id,
                path: format!("{path}.at"),
                expected: "a timestamp (missing)",
            })?;
            Ok(stages.iter().any(|s| s.key == key).then_some((key, at)))
        })?;
        runs.extend(read.into_iter().flatten());
    }
    for (key, at) in first {
        if !runs.iter().any(|(k, t)| k == key && t == at) {
            runs.push((key.clone(), *at));
        }
    }
    runs.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    Ok(runs)
}

/// Every stage's notes, in stage order.
pub(crate) fn all_notes(doc: &AutoCommit, id: DocumentId, stages: &[Stage]) -> Result<Vec<(String, String)>> {
    stages
        .iter()
        .map(|s| Ok((s.key.clone(), notes_text(doc, id, &s.key)?)))
        .collect()
}

pub(crate) fn submitted_scorecards(doc: &AutoCommit, id: DocumentId) -> Result<Vec<StoredCard>> {
    read_submitted(&Reader::new(doc, id))
}
