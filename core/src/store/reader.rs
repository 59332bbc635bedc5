//! Read-only index connections. Lists, timelines, pending feedback and the interview view are
//! answered from the index tables, which the writer rewrites in the same transaction as the
//! chunk that changes them; in WAL mode a reader sees the last committed state and never
//! waits behind a sync merge or a document decode holding the writer.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

use super::queries::{indexed_interview_view, Queries};
use super::{documents, problems, InterviewView, Problem, QuarantinedDocument, Store};
use crate::error::Result;
use crate::ids::{DocumentId, InterviewerId};
use crate::timeline::{CandidateSummary, PendingFeedback, SpeedMetrics, Timeline};

/// One read-only connection to a store's file. Cheap to open; keep one per reading thread
/// (it is `Send`, not `Sync`).
pub struct Reader {
    conn: Connection,
    me: InterviewerId,
}

impl Reader {
    pub(crate) fn open(path: &Path, me: InterviewerId, vault: std::sync::Arc<super::at_rest::Vault>) -> Result<Reader> {
        // NO_MUTEX: the connection is used from one thread at a time (it is not Sync), so
        // SQLite's own per-connection mutex would only cost.
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.pragma_update(None, "query_only", "ON")?;
        super::at_rest::register(&conn, &vault)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Reader { conn, me })
    }

    fn q(&self) -> Queries<'_> {
        Queries { conn: &self.conn, me: &self.me }
    }

    /// Every candidate with status and next action: open ones first, longest waiting first.
    pub fn candidates(&self) -> Result<Vec<CandidateSummary>> {
        self.q().candidates()
    }

    pub fn find_candidates(&self, name: &str) -> Result<Vec<CandidateSummary>> {
        self.q().find_candidates(name)
    }

    pub fn candidate_summary(&self, id: DocumentId) -> Result<CandidateSummary> {
        self.q().candidate_summary(id)
    }

    pub fn resolve_id(&self, text: &str) -> Result<DocumentId> {
        self.q().resolve_id(text)
    }

    pub fn timeline(&self, candidate: DocumentId) -> Result<Timeline> {
        self.q().timeline(candidate)
    }

    pub fn speed_metrics(&self, candidate: DocumentId) -> Result<SpeedMetrics> {
        self.q().speed_metrics(candidate)
    }

    pub fn pending_feedback(&self, now: DateTime<Utc>) -> Result<Vec<PendingFeedback>> {
        self.q().pending_feedback(now)
    }

    /// The interview from the index and the pending-edit log, without its Automerge
    /// document. `None` when the interview was never indexed (a store written before views
    /// existed): ask the store, which decodes it.
    pub fn interview_view(&self, id: DocumentId) -> Result<Option<InterviewView>> {
        indexed_interview_view(&self.conn, id)
    }

    pub fn problems(&self, document: Option<DocumentId>) -> Result<Vec<Problem>> {
        problems::list(&self.conn, document)
    }

    pub fn quarantined(&self) -> Result<Vec<QuarantinedDocument>> {
        documents::quarantined(&self.conn)
    }
}

impl Store {
    /// A read-only connection for a UI thread (see `Reader`).
    pub fn reader(&self) -> Result<Reader> {
        Reader::open(self.path(), self.identity().id.clone(), self.at_rest.clone())
    }

    pub(crate) fn queries(&self) -> Queries<'_> {
        Queries { conn: self.conn(), me: self.me() }
    }

    /// Every candidate with status and next action: open ones first, longest waiting first.
    pub fn candidates(&self) -> Result<Vec<CandidateSummary>> {
        self.queries().candidates()
    }

    /// Candidates whose name is `name` (ignoring case), or failing that, whose name contains
    /// it: what a person types instead of an id.
    pub fn find_candidates(&self, name: &str) -> Result<Vec<CandidateSummary>> {
        self.queries().find_candidates(name)
    }

    pub fn candidate_summary(&self, id: DocumentId) -> Result<CandidateSummary> {
        self.queries().candidate_summary(id)
    }

    /// Resolves a full id or a unique prefix of one (what a person types in the CLI).
    pub fn resolve_id(&self, text: &str) -> Result<DocumentId> {
        self.queries().resolve_id(text)
    }

    /// A candidate's whole process: events from the candidate and its interviews, oldest
    /// first, with the interviews, who submitted feedback, and the speed metrics.
    pub fn timeline(&self, candidate: DocumentId) -> Result<Timeline> {
        self.queries().timeline(candidate)
    }

    pub fn speed_metrics(&self, candidate: DocumentId) -> Result<SpeedMetrics> {
        self.queries().speed_metrics(candidate)
    }

    /// Interviews this interviewer sat on that have ended without their scorecard, oldest
    /// first.
    pub fn pending_feedback(&self, now: DateTime<Utc>) -> Result<Vec<PendingFeedback>> {
        self.queries().pending_feedback(now)
    }
}
