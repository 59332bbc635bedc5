//! Change observation. A subscriber gets the current state at once, then the new state after
//! every durable change (local structured edits and changes merged from peers). Keystrokes in
//! the notes are the subscriber's own and are not echoed. Dropping the handle stops it.

use std::sync::{Arc, Mutex, Weak};

use super::{Origin, Store};
use crate::error::Result;
use crate::ids::DocumentId;
use crate::model::{Candidate, Template};
use crate::store::{DocKind, InterviewView};
use crate::timeline::CandidateSummary;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentState {
    Candidate(Box<Candidate>),
    Interview(Box<InterviewView>),
    Template(Template),
}

type DocCallback = Box<dyn FnMut(&DocumentState, Origin) + Send>;
type ListCallback = Box<dyn FnMut(&[CandidateSummary]) + Send>;

#[derive(Default)]
pub(crate) struct Registry {
    next: u64,
    documents: Vec<(u64, DocumentId, DocCallback)>,
    lists: Vec<(u64, ListCallback)>,
}

/// Stops its subscription when dropped.
#[must_use = "the subscription ends when this handle is dropped"]
pub struct Subscription {
    registry: Weak<Mutex<Registry>>,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(r) = self.registry.upgrade() {
            let mut r = r.lock().unwrap_or_else(|p| p.into_inner());
            r.documents.retain(|(id, _, _)| *id != self.id);
            r.lists.retain(|(id, _)| *id != self.id);
        }
    }
}

impl Store {
    fn document_state(&mut self, id: DocumentId) -> Result<DocumentState> {
        Ok(match self.kind_or_not_found(id)? {
            DocKind::Candidate => DocumentState::Candidate(Box::new(self.candidate(id)?)),
            DocKind::Interview => DocumentState::Interview(Box::new(self.interview_view(id)?)),
            DocKind::Template => DocumentState::Template(self.template(id)?),
        })
    }

    /// Observes one document: `f` runs now with its state, then after each change.
    pub fn subscribe_document(
        &mut self,
        id: DocumentId,
        mut f: impl FnMut(&DocumentState, Origin) + Send + 'static,
    ) -> Result<Subscription> {
        let state = self.document_state(id)?;
        f(&state, Origin::Local);
        let mut r = self.observers.lock().unwrap_or_else(|p| p.into_inner());
        r.next += 1;
        let sid = r.next;
        r.documents.push((sid, id, Box::new(f)));
        Ok(Subscription {
            registry: Arc::downgrade(&self.observers),
            id: sid,
        })
    }

    /// Observes the candidate list: `f` runs now, then after each change that can move it.
    pub fn subscribe_candidates(
        &mut self,
        mut f: impl FnMut(&[CandidateSummary]) + Send + 'static,
    ) -> Result<Subscription> {
        f(&self.candidates()?);
        let mut r = self.observers.lock().unwrap_or_else(|p| p.into_inner());
        r.next += 1;
        let sid = r.next;
        r.lists.push((sid, Box::new(f)));
        Ok(Subscription {
            registry: Arc::downgrade(&self.observers),
            id: sid,
        })
    }

    /// Tells the subscribers of `id` (and of the list) about a durable change. Failures to
    /// read the new state are not the writer's problem: that subscriber is skipped.
    pub(crate) fn notify(&mut self, id: DocumentId, origin: Origin) {
        let (wants_doc, wants_list) = {
            let r = self.observers.lock().unwrap_or_else(|p| p.into_inner());
            (r.documents.iter().any(|(_, d, _)| *d == id), !r.lists.is_empty())
        };
        if wants_doc {
            if let Ok(state) = self.document_state(id) {
                let mut r = self.observers.lock().unwrap_or_else(|p| p.into_inner());
                for (_, d, f) in r.documents.iter_mut() {
                    if *d == id {
                        f(&state, origin);
                    }
                }
            }
        }
        if wants_list {
            if let Ok(list) = self.candidates() {
                let mut r = self.observers.lock().unwrap_or_else(|p| p.into_inner());
                for (_, f) in r.lists.iter_mut() {
                    f(&list);
                }
            }
        }
    }
}
