//! Problems met in what peers wrote, and damaged documents, as the apps list them: a value
//! skipped by the readers, orphaned changes dropped, a document healed or quarantined. Paths,
//! ids and authors only; never the values. Written by hand: the core's `Problem`,
//! `ProblemKind` and `QuarantinedDocument` live in the store module, which is being
//! restructured separately; they can take the derive once it settles.

use std::time::SystemTime;

use panelnotes_core as core;

use panelnotes_core::ffi::to_system;

use crate::error::PanelNotesError;
use crate::store::{id, PanelNotes};

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ProblemKind {
    InvalidValue,
    OrphanChanges,
    Healed,
}

#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Problem {
    pub document_id: String,
    pub kind: ProblemKind,
    /// The field's path, such as `questions[3].askedAt`.
    pub path: String,
    /// What was expected there, or what happened.
    pub detail: String,
    /// The Automerge actor (hex) that wrote the value, when known.
    pub actor: Option<String>,
    /// The interviewer that actor belongs to, when known.
    pub author: Option<String>,
    pub written_at: Option<SystemTime>,
    pub seen_at: SystemTime,
}

impl From<core::Problem> for Problem {
    fn from(p: core::Problem) -> Self {
        Problem {
            document_id: p.document.to_string(),
            kind: match p.kind {
                core::ProblemKind::InvalidValue => ProblemKind::InvalidValue,
                core::ProblemKind::OrphanChanges => ProblemKind::OrphanChanges,
                core::ProblemKind::Healed => ProblemKind::Healed,
            },
            path: p.path,
            detail: p.detail,
            actor: p.actor,
            author: p.author.map(|a| a.to_string()),
            written_at: p.written_at.map(to_system),
            seen_at: to_system(p.seen_at),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct QuarantinedDocument {
    pub document_id: String,
    pub kind: String,
    pub reason: String,
    pub since: SystemTime,
}

#[uniffi::export]
impl PanelNotes {
    /// Problems met in what peers wrote, oldest first; `document_id` narrows to one.
    pub fn problems(&self, document_id: Option<String>) -> Result<Vec<Problem>, PanelNotesError> {
        let only = document_id.as_deref().map(id).transpose()?;
        Ok(self.read().problems(only)?.into_iter().map(Into::into).collect())
    }

    /// Drops a value `problems` lists (or the list item lacking it) for every panel member,
    /// as an ordinary edit.
    pub fn drop_invalid(&self, document_id: String, path: String) -> Result<(), PanelNotesError> {
        Ok(self.lock().drop_invalid(id(&document_id)?, &path)?)
    }

    /// Documents that failed to load; each heals at the next sync with a panel member.
    pub fn quarantined(&self) -> Result<Vec<QuarantinedDocument>, PanelNotesError> {
        Ok(self
            .read()
            .quarantined()?
            .into_iter()
            .map(|q| QuarantinedDocument { document_id: q.id.to_string(), kind: q.kind, reason: q.reason, since: to_system(q.at) })
            .collect())
    }
}
