//! Listeners (interim: rewired onto the core's notifier thread when it lands).

use std::sync::{Arc, Mutex};

use panelnotes_core::model::Candidate;
use panelnotes_core::timeline::CandidateSummary;
use panelnotes_core::{DocumentState, Subscription};

use crate::error::R;
use crate::records::Interview;
use crate::store::{id, PanelNotes};

#[uniffi::export(with_foreign)]
pub trait CandidateListListener: Send + Sync {
    fn on_reset(&self, candidates: Vec<CandidateSummary>);
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct InterviewUpdate {
    pub interview: Interview,
    pub remote: bool,
    pub first: bool,
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
    pub fn stop(&self) {
        self.subscription.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

#[uniffi::export]
impl PanelNotes {
    pub fn observe_candidates(&self, listener: Arc<dyn CandidateListListener>) -> R<Arc<ObserverHandle>> {
        let sub = self.lock().subscribe_candidates(move |list| listener.on_reset(list.to_vec()))?;
        Ok(ObserverHandle::new(sub))
    }

    pub fn observe_interview(&self, interview_id: String, listener: Arc<dyn InterviewListener>) -> R<Arc<ObserverHandle>> {
        let mut first = true;
        let sub = self.lock().subscribe_document(id(&interview_id)?, move |state, origin| {
            if let DocumentState::Interview(v) = state {
                let interview: Interview = (**v).clone().into();
                let changed_stages = interview.notes.iter().map(|n| n.stage.clone()).collect();
                listener.on_interview(InterviewUpdate { interview, remote: origin == panelnotes_core::Origin::Remote, first, changed_stages });
                first = false;
            }
        })?;
        Ok(ObserverHandle::new(sub))
    }

    pub fn observe_candidate(&self, candidate_id: String, listener: Arc<dyn CandidateListener>) -> R<Arc<ObserverHandle>> {
        let mut first = true;
        let sub = self.lock().subscribe_document(id(&candidate_id)?, move |state, origin| {
            if let DocumentState::Candidate(c) = state {
                listener.on_candidate(CandidateUpdate { candidate: (**c).clone(), remote: origin == panelnotes_core::Origin::Remote, first });
                first = false;
            }
        })?;
        Ok(ObserverHandle::new(sub))
    }
}
