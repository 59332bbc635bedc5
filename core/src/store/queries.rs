//! Reads for lists and timelines, answered from the index tables alone.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::index::from_ms;
use rusqlite::Connection;

use super::Store;

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::CandidateProblem;
use crate::timeline::{
    CandidateStatus, CandidateSummary, InterviewSummary, PanelistFeedback, PendingFeedback,
    EntryDetail, SpeedMetrics, Timeline, TimelineEntry, TimelineKind,
};

fn doc_id(bytes: Vec<u8>) -> rusqlite::Result<DocumentId> {
    <[u8; 16]>::try_from(bytes.as_slice())
        .map(DocumentId::from_bytes)
        .map_err(|_| rusqlite::Error::InvalidColumnType(0, "id".into(), rusqlite::types::Type::Blob))
}

fn interviewer(s: String) -> rusqlite::Result<InterviewerId> {
    InterviewerId::new(s)
        .map_err(|_| rusqlite::Error::InvalidColumnType(0, "interviewer".into(), rusqlite::types::Type::Text))
}

const SUMMARY_COLUMNS: &str = "c.id, pn_open('idx_candidates.name', c.id, c.name), pn_open('idx_candidates.role', c.id, c.role),
     pn_open('idx_candidates.source', c.id, c.source), c.applied_at, pn_open('idx_candidates.status', c.id, c.status),
     pn_open('idx_candidates.next_action', c.id, c.next_action),
     c.waiting_since, (SELECT COUNT(*) FROM idx_interviews i WHERE i.candidate_id = c.id),
     COALESCE('quarantined:' || d.quarantine_reason, c.problem)";

fn summary(r: &Row<'_>) -> rusqlite::Result<CandidateSummary> {
    let status: String = r.get(5)?;
    Ok(CandidateSummary {
        id: doc_id(r.get(0)?)?,
        name: r.get(1)?,
        role: r.get(2)?,
        source: r.get(3)?,
        applied_at: from_ms(r.get(4)?),
        status: CandidateStatus::parse(&status).unwrap_or(CandidateStatus::Applied),
        next_action: r.get(6)?,
        waiting_since: from_ms(r.get(7)?),
        interviews: r.get::<_, i64>(8)? as u32,
        problem: r.get::<_, Option<String>>(9)?.as_deref().map(CandidateProblem::parse),
    })
}

/// The shortest id prefix `resolve_id` looks up: shorter ones match too much by chance.
pub const MIN_ID_PREFIX: usize = 4;

/// The index reads, over whichever connection asks: the writer's own, or a read-only one
/// (`Reader`) that never waits behind a merge.
pub(crate) struct Queries<'c> {
    pub conn: &'c Connection,
    pub me: &'c InterviewerId,
}

impl Queries<'_> {
    /// Candidates whose name is `name` (ignoring case), or failing that, whose name contains
    /// it: what a person types instead of an id.
    pub fn find_candidates(&self, name: &str) -> Result<Vec<CandidateSummary>> {
        let wanted = name.trim().to_lowercase();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let all = self.candidates()?;
        let exact: Vec<_> = all.iter().filter(|c| c.name.to_lowercase() == wanted).cloned().collect();
        if !exact.is_empty() {
            return Ok(exact);
        }
        Ok(all.into_iter().filter(|c| c.name.to_lowercase().contains(&wanted)).collect())
    }

    /// Every candidate with status and next action: open ones first, longest waiting first.
    pub fn candidates(&self) -> Result<Vec<CandidateSummary>> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM idx_candidates c LEFT JOIN documents d ON d.id = c.id
             ORDER BY c.closed, c.waiting_since, c.id"
        ))?;
        let rows = q.query_map([], summary)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn candidate_summary(&self, id: DocumentId) -> Result<CandidateSummary> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM idx_candidates c LEFT JOIN documents d ON d.id = c.id
             WHERE c.id = ?1"
        ))?;
        q.query_row([&id.as_bytes()[..]], summary)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                kind: "candidate",
                id: id.to_string(),
            })
    }

    /// Resolves a full id or a unique prefix of one (what a person types in the CLI).
    pub fn resolve_id(&self, text: &str) -> Result<DocumentId> {
        if let Ok(id) = text.parse::<DocumentId>() {
            return Ok(id);
        }
        let text = text.trim();
        if !text.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::NotFound {
                kind: "document",
                id: text.to_owned(),
            });
        }
        if text.len() < MIN_ID_PREFIX {
            return Err(Error::invalid(format!(
                "{text:?} is too short to find a document: give at least {MIN_ID_PREFIX} characters of its id"
            )));
        }
        let mut q = self.conn.prepare_cached("SELECT id FROM documents")?;
        let ids = q.query_map([], |r| doc_id(r.get(0)?))?;
        let mut found = None;
        for id in ids {
            let id = id?;
            if id.to_string().starts_with(text) {
                if found.is_some() {
                    return Err(Error::invalid(format!("{text:?} matches several documents")));
                }
                found = Some(id);
            }
        }
        found.ok_or_else(|| Error::NotFound {
            kind: "document",
            id: text.to_owned(),
        })
    }

    fn interview_summaries(&self, candidate: DocumentId) -> Result<Vec<InterviewSummary>> {
        let mut q = self.conn.prepare_cached(
            "SELECT id, pn_open('idx_interviews.title', id, title), scheduled_start, minutes, lead, started_at, ended_at
             FROM idx_interviews WHERE candidate_id = ?1 ORDER BY scheduled_start, id",
        )?;
        let rows = q.query_map([&candidate.as_bytes()[..]], |r| {
            Ok(InterviewSummary {
                id: doc_id(r.get(0)?)?,
                candidate_id: candidate,
                title: r.get(1)?,
                scheduled_start: from_ms(r.get(2)?),
                minutes: r.get::<_, i64>(3)? as u32,
                lead: interviewer(r.get(4)?)?,
                started_at: r.get::<_, Option<i64>>(5)?.map(from_ms),
                ended_at: r.get::<_, Option<i64>>(6)?.map(from_ms),
                panel: Vec::new(),
            })
        })?;
        let mut out: Vec<InterviewSummary> = rows.collect::<rusqlite::Result<_>>()?;
        let mut p = self.conn.prepare_cached(
            "SELECT interviewer, submitted_at FROM idx_panelists WHERE interview_id = ?1 ORDER BY interviewer",
        )?;
        for i in &mut out {
            let rows = p.query_map([&i.id.as_bytes()[..]], |r| {
                Ok(PanelistFeedback {
                    interviewer: interviewer(r.get(0)?)?,
                    submitted_at: r.get::<_, Option<i64>>(1)?.map(from_ms),
                })
            })?;
            i.panel = rows.collect::<rusqlite::Result<_>>()?;
        }
        Ok(out)
    }

    /// A candidate's whole process: events from the candidate and its interviews, oldest
    /// first, with the interviews, who submitted feedback, and the speed metrics.
    pub fn timeline(&self, candidate: DocumentId) -> Result<Timeline> {
        let summary = self.candidate_summary(candidate)?;
        let mut q = self.conn.prepare_cached(
            "SELECT at, pn_open('idx_events.kind', source_doc, kind), interview_id, actor,
                    pn_open('idx_events.detail', source_doc, detail) FROM idx_events
             WHERE candidate_id = ?1 ORDER BY at, (source_doc = candidate_id) DESC, ord",
        )?;
        let rows = q.query_map([&candidate.as_bytes()[..]], |r| {
            let kind: String = r.get(1)?;
            Ok((
                r.get::<_, i64>(0)?,
                kind,
                r.get::<_, Option<Vec<u8>>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut entries = Vec::new();
        for row in rows {
            let (at, kind, interview, actor, detail) = row?;
            // Kinds this build doesn't know (written by a newer one) are skipped.
            let Some(kind) = TimelineKind::parse(&kind) else { continue };
            entries.push(TimelineEntry {
                at: from_ms(at),
                kind,
                interview_id: interview.map(doc_id).transpose()?,
                actor: actor.map(interviewer).transpose()?,
                // A detail this build cannot read (written by a newer one) is left out.
                detail: detail.as_deref().and_then(EntryDetail::parse),
                problem: None,
            });
        }
        crate::timeline::flag_out_of_order(&mut entries);
        let interviews = self.interview_summaries(candidate)?;
        let speed = SpeedMetrics::compute(summary.applied_at, &entries, &interviews);
        Ok(Timeline {
            candidate: summary,
            entries,
            interviews,
            speed,
        })
    }

    pub fn speed_metrics(&self, candidate: DocumentId) -> Result<SpeedMetrics> {
        Ok(self.timeline(candidate)?.speed)
    }

    /// Interviews this interviewer sat on that have ended without their scorecard, oldest
    /// first.
    pub fn pending_feedback(&self, now: DateTime<Utc>) -> Result<Vec<PendingFeedback>> {
        let mut q = self.conn.prepare_cached(
            "SELECT i.id, i.candidate_id, COALESCE(pn_open('idx_candidates.name', c.id, c.name), ''), i.ended_at
             FROM idx_panelists p
             JOIN idx_interviews i ON i.id = p.interview_id
             LEFT JOIN idx_candidates c ON c.id = i.candidate_id
             WHERE p.interviewer = ?1 AND p.submitted_at IS NULL AND i.ended_at IS NOT NULL
             ORDER BY i.ended_at",
        )?;
        let rows = q.query_map(params![self.me.as_str()], |r| {
            let ended = from_ms(r.get(3)?);
            Ok(PendingFeedback {
                interview_id: doc_id(r.get(0)?)?,
                candidate_id: doc_id(r.get(1)?)?,
                candidate_name: r.get(2)?,
                ended_at: ended,
                waiting: (now - ended).max(chrono::Duration::zero()),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// An interview as it reopens: its read model and every stage's notes, from the index tables
/// and the pending-edit log, without decoding the Automerge document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterviewView {
    pub interview: crate::model::Interview,
    /// (stage key, notes), in stage order.
    pub notes: Vec<(String, String)>,
}

impl Store {
    /// The interview as it stands, fast: decoding a long interview's Automerge document takes
    /// tens of milliseconds (FACTS.md), so reopening shows this view at once while
    /// `preload` decodes the document for editing (the bindings run it off the UI thread).
    /// A quarantined interview still shows its last good state here, read-only.
    pub fn interview_view(&mut self, id: DocumentId) -> Result<InterviewView> {
        if self.is_open(id) {
            let interview = self.interview(id)?;
            // The stages are known here: read each Text (or its cached copy) directly rather
            // than through `notes`, which parses the whole interview to check the stage.
            let od = &self.docs[&id];
            let notes = interview
                .stages
                .iter()
                .map(|s| {
                    let text = match od.notes.get(&s.key) {
                        Some((_, text)) => text.clone(),
                        None => crate::model::interview::notes_text(&od.doc, id, &s.key)?,
                    };
                    Ok((s.key.clone(), text))
                })
                .collect::<Result<Vec<_>>>()?;
            return Ok(InterviewView { interview, notes });
        }
        match indexed_interview_view(self.conn(), id)? {
            Some(view) => Ok(view),
            None => {
                // Not indexed (or indexed before views existed): decode the document.
                self.preload(id)?;
                self.interview_view(id)
            }
        }
    }
}

/// The interview from the index tables and the pending-edit log alone; `None` when it was
/// never indexed (a store written before views existed).
pub(crate) fn indexed_interview_view(conn: &Connection, id: DocumentId) -> Result<Option<InterviewView>> {
    let key = &id.as_bytes()[..];
    let view: Option<Option<String>> = conn
        .query_row("SELECT pn_open('idx_interviews.view', id, view) FROM idx_interviews WHERE id = ?1", [key], |r| r.get(0))
        .optional()?;
    let Some(Some(view)) = view else { return Ok(None) };
    let interview: crate::model::Interview = serde_json::from_str(&view).map_err(|e| Error::Corrupt {
        id,
        reason: format!("unreadable interview view: {e}"),
    })?;
    let mut stored: std::collections::HashMap<String, String> = {
        let mut q = conn.prepare_cached("SELECT stage, pn_open('idx_notes.text', interview_id, text) FROM idx_notes WHERE interview_id = ?1")?;
        let rows = q.query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    // Keystrokes not yet folded into a change are in the pending-edit log.
    for splice in super::pending::splices(conn, id)? {
        splice.apply_to(stored.entry(splice.stage.clone()).or_default())?;
    }
    let notes = interview
        .stages
        .iter()
        .map(|s| (s.key.clone(), stored.remove(&s.key).unwrap_or_default()))
        .collect();
    Ok(Some(InterviewView { interview, notes }))
}
