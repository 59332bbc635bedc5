//! `PanelNotes`: the store, opened on a path for one interviewer. Thread-safe; every call is
//! short (SQLite and in-memory documents), and a core thread runs the store's upkeep.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime};

use panelnotes_core::model as m;
use panelnotes_core::{DocumentId, Identity, InterviewerId, Store};

use crate::error::PanelNotesError;
use crate::records::*;

type R<T> = Result<T, PanelNotesError>;

#[derive(uniffi::Object)]
pub struct PanelNotes {
    pub(crate) store: Arc<Mutex<Store>>,
}

pub(crate) fn id(s: &str) -> R<DocumentId> {
    s.parse().map_err(|_| PanelNotesError::NotFound { kind: "document".into(), id: s.to_owned() })
}

impl PanelNotes {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The app's timer for the store: folds idle keystrokes, compacts, checkpoints. It holds the
/// store weakly and ends with it.
fn start_upkeep(store: &Arc<Mutex<Store>>) {
    let weak: Weak<Mutex<Store>> = Arc::downgrade(store);
    std::thread::Builder::new()
        .name("panelnotes-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let Some(store) = weak.upgrade() else { return };
            let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
            let _ = s.tick();
        })
        .ok();
}

#[uniffi::export]
impl PanelNotes {
    /// Opens (or creates) the store at `path` for this interviewer.
    #[uniffi::constructor]
    pub fn open(path: String, interviewer_id: String, display_name: String) -> R<Arc<Self>> {
        let identity = Identity {
            id: InterviewerId::new(interviewer_id)?,
            display_name,
        };
        let store = Arc::new(Mutex::new(Store::open(path, identity)?));
        start_upkeep(&store);
        Ok(Arc::new(PanelNotes { store }))
    }

    pub fn interviewer_id(&self) -> String {
        self.lock().identity().id.to_string()
    }

    // ---- candidates ---------------------------------------------------------------------

    pub fn create_candidate(&self, name: String, role: String, source: Option<String>, contact: Option<String>, applied_at: SystemTime) -> R<String> {
        Ok(self
            .lock()
            .create_candidate(m::NewCandidate { name, role, source, contact, applied_at: from_system(applied_at)? })?
            .to_string())
    }

    pub fn candidates(&self) -> R<Vec<CandidateSummary>> {
        Ok(self.lock().candidates()?.into_iter().map(Into::into).collect())
    }

    pub fn timeline(&self, candidate_id: String) -> R<Timeline> {
        Ok(self.lock().timeline(id(&candidate_id)?)?.into())
    }

    pub fn logistics(&self, candidate_id: String) -> R<Logistics> {
        Ok(self.lock().candidate(id(&candidate_id)?)?.logistics.into())
    }

    pub fn record_event(&self, candidate_id: String, kind: EventKind, at: SystemTime, note: Option<String>) -> R<()> {
        Ok(self.lock().record_event(id(&candidate_id)?, kind.into(), from_system(at)?, note)?)
    }

    pub fn set_logistics(&self, candidate_id: String, update: LogisticsUpdate) -> R<()> {
        Ok(self.lock().set_logistics(id(&candidate_id)?, update.try_into()?)?)
    }

    pub fn decide(&self, candidate_id: String, hire: bool, at: SystemTime, reason: Option<String>) -> R<()> {
        let o = if hire { m::Outcome::Hire } else { m::Outcome::Reject };
        Ok(self.lock().decide(id(&candidate_id)?, o, from_system(at)?, reason)?)
    }

    pub fn pending_feedback(&self, now: SystemTime) -> R<Vec<PendingFeedback>> {
        Ok(self
            .lock()
            .pending_feedback(from_system(now)?)?
            .into_iter()
            .map(|p| PendingFeedback {
                interview_id: p.interview_id.to_string(),
                candidate_id: p.candidate_id.to_string(),
                candidate_name: p.candidate_name,
                ended_at: to_system(p.ended_at),
                waiting: p.waiting.to_std().unwrap_or_default(),
            })
            .collect())
    }

    pub fn export_markdown(&self, candidate_id: String) -> R<String> {
        Ok(self.lock().export_markdown(id(&candidate_id)?)?)
    }

    // ---- templates ----------------------------------------------------------------------

    /// The built-in playbook first, then the team's templates.
    pub fn templates(&self) -> R<Vec<Template>> {
        Ok(self.lock().templates()?.into_iter().map(Into::into).collect())
    }

    pub fn create_template(&self, name: String, stages: Vec<Stage>) -> R<String> {
        Ok(self.lock().create_template(template_from(name, stages))?.to_string())
    }

    pub fn update_template(&self, template_id: String, name: String, stages: Vec<Stage>) -> R<()> {
        Ok(self.lock().update_template(id(&template_id)?, template_from(name, stages))?)
    }

    // ---- interviews ---------------------------------------------------------------------

    /// Schedules the playbook's 45-minute interview (or a team template by name).
    pub fn schedule_interview(&self, candidate_id: String, template: Option<String>, start: SystemTime, panelists: Vec<String>, lead: String) -> R<String> {
        let mut s = self.lock();
        let template = match template {
            None => m::Template::playbook(),
            Some(t) => s.find_template(&t)?,
        };
        let panelists = panelists.into_iter().map(InterviewerId::new).collect::<Result<Vec<_>, _>>()?;
        let booked_at = s.now();
        Ok(s.schedule_interview(m::NewInterview {
            candidate_id: id(&candidate_id)?,
            title: None,
            template,
            booked_at,
            scheduled_start: from_system(start)?,
            minutes: None,
            panelists,
            lead: InterviewerId::new(lead)?,
        })?
        .to_string())
    }

    /// The interview with every stage's notes, shown at once (read from the index).
    pub fn interview(&self, interview_id: String) -> R<Interview> {
        Ok(self.lock().interview_view(id(&interview_id)?)?.into())
    }

    pub fn start_stage(&self, interview_id: String, stage: String, at: SystemTime) -> R<()> {
        Ok(self.lock().start_stage(id(&interview_id)?, &stage, from_system(at)?)?)
    }

    /// Starts the next stage; returns its key, or `None` after the last.
    pub fn advance_stage(&self, interview_id: String, at: SystemTime) -> R<Option<String>> {
        Ok(self.lock().advance_stage(id(&interview_id)?, from_system(at)?)?)
    }

    pub fn end_interview(&self, interview_id: String, at: SystemTime) -> R<()> {
        Ok(self.lock().end_interview(id(&interview_id)?, from_system(at)?)?)
    }

    pub fn clock(&self, interview_id: String, now: SystemTime) -> R<InterviewClock> {
        Ok(self.lock().clock(id(&interview_id)?, from_system(now)?)?.into())
    }

    pub fn notes(&self, interview_id: String, stage: String) -> R<String> {
        Ok(self.lock().notes(id(&interview_id)?, &stage)?)
    }

    /// Deletes `delete` and inserts `text` at `position`, both in UTF-16 code units. Durable
    /// when it returns.
    pub fn splice_notes(&self, interview_id: String, stage: String, position: u64, delete: u64, text: String) -> R<()> {
        Ok(self.lock().splice_notes(id(&interview_id)?, &stage, position, delete, &text)?)
    }

    pub fn replace_notes(&self, interview_id: String, stage: String, text: String) -> R<()> {
        Ok(self.lock().replace_notes(id(&interview_id)?, &stage, &text)?)
    }

    pub fn add_question(&self, interview_id: String, text: String, kind: QuestionKind, at: SystemTime) -> R<()> {
        let kind = match kind {
            QuestionKind::Generic => m::QuestionKind::Generic,
            QuestionKind::Specific => m::QuestionKind::Specific,
        };
        Ok(self.lock().add_question(id(&interview_id)?, &text, kind, from_system(at)?)?)
    }

    pub fn set_next_steps(&self, interview_id: String, meet_next: Vec<String>, owner: Option<String>) -> R<()> {
        let owner = owner.map(InterviewerId::new).transpose()?;
        Ok(self.lock().set_next_steps(id(&interview_id)?, m::NextSteps { meet_next, owner, note: None })?)
    }

    // ---- scorecards ---------------------------------------------------------------------

    /// Saves your draft; it stays on this device until submitted.
    pub fn save_scorecard_draft(&self, interview_id: String, draft: ScorecardDraft) -> R<()> {
        Ok(self.lock().save_scorecard_draft(id(&interview_id)?, draft.into())?)
    }

    pub fn submit_scorecard(&self, interview_id: String, at: SystemTime) -> R<()> {
        Ok(self.lock().submit_scorecard(id(&interview_id)?, from_system(at)?)?)
    }

    /// Others' scorecards stay sealed until yours is submitted.
    pub fn scorecards(&self, interview_id: String) -> R<ScorecardView> {
        Ok(self.lock().scorecards(id(&interview_id)?)?.into())
    }

    // ---- conflicts ----------------------------------------------------------------------

    pub fn conflicts(&self, document_id: Option<String>) -> R<Vec<Conflict>> {
        let mut s = self.lock();
        let list = match document_id {
            Some(d) => s.conflicts(id(&d)?)?,
            None => s.all_conflicts()?,
        };
        Ok(list.into_iter().map(Into::into).collect())
    }

    /// Keeps value number `pick` of a conflicting field, as `conflicts` listed them.
    pub fn resolve_conflict(&self, document_id: String, field: String, pick: u32) -> R<()> {
        Ok(self.lock().resolve_conflict(id(&document_id)?, &field, pick as usize)?)
    }

    // ---- panels -------------------------------------------------------------------------

    /// The invite (a URI for a QR code) to this interview's panel.
    pub fn panel_invite(&self, interview_id: String) -> R<String> {
        Ok(self.lock().panel_invite(id(&interview_id)?)?.to_uri())
    }

    /// Joins a panel from its invite; returns the interview id.
    pub fn join_panel(&self, invite: String) -> R<String> {
        let invite = panelnotes_core::transport::PanelInvite::parse(&invite).map_err(panelnotes_core::transport::TransportError::from)?;
        Ok(self.lock().join_panel(&invite)?.interview.to_string())
    }

    /// Folds pending keystrokes and checkpoints (for example when the app goes to background).
    pub fn flush(&self) -> R<()> {
        Ok(self.lock().flush()?)
    }
}

