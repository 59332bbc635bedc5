//! Listeners: registering one delivers the current state, then every change, on the core's
//! notifier thread, which holds no lock: a listener may call back into the store or stop
//! itself. The returned handle stops it when dropped or closed.

use std::sync::{Arc, Mutex};

use panelnotes_core::{DocumentState, Subscription};


use crate::error::PanelNotesError;
use crate::records::*;
use crate::store::{id, PanelNotes};

#[uniffi::export(with_foreign)]
pub trait CandidateListListener: Send + Sync {
    fn on_candidates(&self, candidates: Vec<CandidateSummary>);
}

#[uniffi::export(with_foreign)]
pub trait DocumentListener: Send + Sync {
    /// `remote` is true when the change came from a peer.
    fn on_interview(&self, interview: Interview, remote: bool);
    fn on_candidate(&self, candidate_id: String, remote: bool);
}

#[derive(uniffi::Object)]
pub struct ObserverHandle {
    subscription: Mutex<Option<Subscription>>,
}

#[uniffi::export]
impl ObserverHandle {
    /// Stops the listener now (dropping or closing the handle does the same).
    pub fn stop(&self) {
        self.subscription.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

#[uniffi::export]
impl PanelNotes {
    pub fn observe_candidates(&self, listener: Arc<dyn CandidateListListener>) -> Result<Arc<ObserverHandle>, PanelNotesError> {
        let mut list = Vec::new();
        let sub = self.lock().subscribe_candidates(move |update| {
            match update {
                panelnotes_core::CandidateListUpdate::Reset(all) => list = all.clone(),
                panelnotes_core::CandidateListUpdate::Diff(ops) => panelnotes_core::apply_diff(&mut list, ops),
            }
            listener.on_candidates(list.iter().cloned().map(Into::into).collect());
        })?;
        Ok(Arc::new(ObserverHandle { subscription: Mutex::new(Some(sub)) }))
    }

    pub fn observe_document(&self, document_id: String, listener: Arc<dyn DocumentListener>) -> Result<Arc<ObserverHandle>, PanelNotesError> {
        let doc = id(&document_id)?;
        let sub = self.lock().subscribe_document(doc, move |update| {
            let remote = update.origin == panelnotes_core::Origin::Remote;
            match &update.state {
                DocumentState::Interview(v) => listener.on_interview(Interview::from((**v).clone()), remote),
                DocumentState::Candidate(c) => listener.on_candidate(c.id.to_string(), remote),
                DocumentState::Template(_) => {}
            }
        })?;
        Ok(Arc::new(ObserverHandle { subscription: Mutex::new(Some(sub)) }))
    }
}
