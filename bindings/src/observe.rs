//! Listeners, delivered by the core's notifier thread, which holds no store or registry lock
//! while it calls them: a listener may call back into the store, stop itself from inside its
//! own callback, or take its time without delaying a keystroke or a sync. Each gets the
//! current state first, then changes (list diffs, changed stages) with enough detail for a UI
//! update. The handle stops its listener on `stop()` or when dropped.

use std::sync::{Arc, Mutex};

use panelnotes_core::model::Candidate;
use panelnotes_core::timeline::CandidateSummary;
use panelnotes_core::{CandidateListUpdate, DocumentState, ListDiff, Origin, Subscription};

use crate::error::R;
use crate::records::Interview;
use crate::store::{id, PanelNotes};

/// One step of a list diff. Written here because the core's `ListDiff<T>` is generic, which
/// uniffi has no form for: applying the steps in order to the previous list gives the new one.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum CandidateListDiff {
    Insert { index: u32, value: CandidateSummary },
    Set { index: u32, value: CandidateSummary },
    Remove { index: u32 },
}

impl From<ListDiff<CandidateSummary>> for CandidateListDiff {
    fn from(d: ListDiff<CandidateSummary>) -> Self {
        match d {
            ListDiff::Insert { index, value } => CandidateListDiff::Insert { index, value },
            ListDiff::Set { index, value } => CandidateListDiff::Set { index, value },
            ListDiff::Remove { index } => CandidateListDiff::Remove { index },
        }
    }
}

#[uniffi::export(with_foreign)]
pub trait CandidateListListener: Send + Sync {
    /// The whole list: the first delivery.
    fn on_reset(&self, candidates: Vec<CandidateSummary>);
    /// Changes since the previous delivery.
    fn on_diff(&self, diffs: Vec<CandidateListDiff>);
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct InterviewUpdate {
    pub interview: Interview,
    /// The change came from a peer.
    pub remote: bool,
    /// The first delivery: the state when the listener registered.
    pub first: bool,
    /// Stage keys whose notes changed since the previous delivery (every stage on the first).
    pub changed_stages: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CandidateUpdate {
    pub candidate: Candidate,
    pub remote: bool,
    pub first: bool,
}

#[uniffi::export(with_foreign)]
pub trait InterviewListener: Send + Sync {
    fn on_interview(&self, update: InterviewUpdate);
}

#[uniffi::export(with_foreign)]
pub trait CandidateListener: Send + Sync {
    fn on_candidate(&self, update: CandidateUpdate);
}

#[derive(uniffi::Object)]
pub struct ObserverHandle {
    subscription: Mutex<Option<Subscription>>,
}

impl ObserverHandle {
    fn new(sub: Subscription) -> Arc<Self> {
        Arc::new(ObserverHandle { subscription: Mutex::new(Some(sub)) })
    }
}

#[uniffi::export]
impl ObserverHandle {
    /// Stops the listener now, also from inside its own callback (dropping the handle does
    /// the same). No delivery starts after this returns.
    pub fn stop(&self) {
        let sub = self.subscription.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(sub);
    }
}

#[uniffi::export]
impl PanelNotes {
    pub fn observe_candidates(&self, listener: Arc<dyn CandidateListListener>) -> R<Arc<ObserverHandle>> {
        let sub = self.lock().subscribe_candidates(move |update| match update {
            CandidateListUpdate::Reset(all) => listener.on_reset(all.clone()),
            CandidateListUpdate::Diff(ops) => listener.on_diff(ops.iter().cloned().map(Into::into).collect()),
        })?;
        Ok(ObserverHandle::new(sub))
    }

    /// Observes an interview: its view with every stage's notes, then each change.
    pub fn observe_interview(&self, interview_id: String, listener: Arc<dyn InterviewListener>) -> R<Arc<ObserverHandle>> {
        let sub = self.lock().subscribe_document(id(&interview_id)?, move |u| {
            if let DocumentState::Interview(v) = &u.state {
                listener.on_interview(InterviewUpdate {
                    interview: (**v).clone().into(),
                    remote: u.origin == Origin::Remote,
                    first: u.first,
                    changed_stages: u.changed_stages.clone(),
                });
            }
        })?;
        Ok(ObserverHandle::new(sub))
    }

    /// Observes a candidate's whole document: profile, events, logistics, decision.
    pub fn observe_candidate(&self, candidate_id: String, listener: Arc<dyn CandidateListener>) -> R<Arc<ObserverHandle>> {
        let sub = self.lock().subscribe_document(id(&candidate_id)?, move |u| {
            if let DocumentState::Candidate(c) = &u.state {
                listener.on_candidate(CandidateUpdate { candidate: (**c).clone(), remote: u.origin == Origin::Remote, first: u.first });
            }
        })?;
        Ok(ObserverHandle::new(sub))
    }
}
