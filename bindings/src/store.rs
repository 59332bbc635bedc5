//! `PanelNotes`: the store, opened on a path for one interviewer. Thread-safe. Writes go
//! through the one writer; reads of lists, timelines and the interview view go through the
//! read side, so a UI read does not queue behind a sync merge or a decode.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime};

use panelnotes_core::ffi::{from_system, to_system};
use panelnotes_core::{DocumentId, InterviewerId, Store};

use crate::error::{PanelNotesError, R};
use crate::records::{Identity, Interview};

#[derive(uniffi::Object)]
pub struct PanelNotes {
    pub(crate) store: Arc<Mutex<Store>>,
}

/// A document id from the apps; one that does not parse names nothing we have.
pub(crate) fn id(s: &str) -> R<DocumentId> {
    s.parse().map_err(|_| PanelNotesError::NotFound { kind: "document".into(), id: s.to_owned() })
}

pub(crate) fn who(s: String) -> R<InterviewerId> {
    Ok(InterviewerId::new(s)?)
}

pub(crate) fn at(t: SystemTime) -> R<chrono::DateTime<chrono::Utc>> {
    from_system(t)
}

pub(crate) fn lock_store(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

impl PanelNotes {
    /// The writer.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        lock_store(&self.store)
    }

    /// The read side (lists, timelines, pending feedback, the interview view).
    pub(crate) fn read(&self) -> MutexGuard<'_, Store> {
        lock_store(&self.store)
    }
}

/// The store's timer: folds idle keystrokes, compacts, checkpoints. It holds the store weakly
/// and ends with it.
fn start_upkeep(store: &Arc<Mutex<Store>>) {
    let weak: Weak<Mutex<Store>> = Arc::downgrade(store);
    std::thread::Builder::new()
        .name("panelnotes-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let Some(store) = weak.upgrade() else { return };
            let _ = lock_store(&store).tick();
        })
        .ok();
}

#[uniffi::export]
impl PanelNotes {
    /// Opens (or creates) the store at `path` for this interviewer.
    #[uniffi::constructor]
    pub fn open(path: String, interviewer_id: String, display_name: String) -> R<Arc<Self>> {
        let identity = panelnotes_core::Identity { id: who(interviewer_id)?, display_name };
        let store = Arc::new(Mutex::new(Store::open(path, identity)?));
        start_upkeep(&store);
        Ok(Arc::new(PanelNotes { store }))
    }

    pub fn interviewer_id(&self) -> String {
        self.lock().identity().id.to_string()
    }

    pub fn identity(&self) -> Identity {
        let s = self.lock();
        Identity { interviewer_id: s.identity().id.to_string(), display_name: s.identity().display_name.clone() }
    }

    /// Changes who uses this install (a new display name, or a corrected id).
    pub fn set_identity(&self, interviewer_id: String, display_name: String) -> R<()> {
        Ok(self.lock().set_identity(panelnotes_core::Identity { id: who(interviewer_id)?, display_name })?)
    }

    /// Starts writing under a fresh Automerge actor (after restoring a backup on a second
    /// device, so two live copies never share one).
    pub fn rotate_actor(&self) -> R<()> {
        Ok(self.lock().rotate_actor()?)
    }

    /// The store's clock (the time every "now" defaults to).
    pub fn now(&self) -> SystemTime {
        to_system(self.lock().now())
    }

    /// The full id of a document from a unique prefix of at least `MIN_ID_PREFIX` characters.
    pub fn resolve_id(&self, text: String) -> R<String> {
        Ok(self.read().resolve_id(&text)?.to_string())
    }

    /// Folds pending keystrokes and checkpoints (for example when the app goes to background).
    pub fn flush(&self) -> R<()> {
        Ok(self.lock().flush()?)
    }

    /// Checks every stored document; returns how many were checked.
    pub fn verify(&self) -> R<u64> {
        Ok(self.lock().verify()? as u64)
    }

    pub fn export_markdown(&self, candidate_id: String) -> R<String> {
        Ok(self.lock().export_markdown(id(&candidate_id)?)?)
    }

    /// Decodes a document ahead of its first edit, so that edit does not wait for the load.
    pub fn preload(&self, document_id: String) -> R<()> {
        Ok(self.lock().preload(id(&document_id)?)?)
    }

    /// Drops a document's decoded form (after folding its keystrokes), for memory pressure.
    pub fn unload(&self, document_id: String) -> R<()> {
        Ok(self.lock().unload(id(&document_id)?)?)
    }

    /// Opens an interview for the screen: returns its view from the index at once and decodes
    /// the document on a core thread, so neither the screen nor the first keystroke waits.
    pub fn open_interview(&self, interview_id: String) -> R<Interview> {
        let doc = id(&interview_id)?;
        let view = self.read().interview_view(doc)?;
        let store = Arc::downgrade(&self.store);
        std::thread::Builder::new()
            .name("panelnotes-decode".into())
            .spawn(move || {
                if let Some(store) = store.upgrade() {
                    // A failure here shows again, typed, on the first edit that needs it.
                    let _ = lock_store(&store).preload(doc);
                }
            })
            .map_err(|e| PanelNotesError::Storage { reason: e.to_string() })?;
        Ok(view.into())
    }
}
