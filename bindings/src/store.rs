//! `PanelNotes`: the store, opened on a path for one interviewer. Thread-safe. Writes go
//! through the one writer; reads of lists, timelines and the interview view go through the
//! read side, so a UI read does not queue behind a sync merge or a decode.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime};

use panelnotes_core::ffi::{from_system, to_system};
use panelnotes_core::{DocumentId, InterviewerId, Reader, Store};

use crate::error::{PanelNotesError, R};
use crate::oneshot;
use crate::records::{Identity, Interview};

#[derive(uniffi::Object)]
pub struct PanelNotes {
    /// The writer: documents, the write connection, the pending log.
    pub(crate) store: Arc<Mutex<Store>>,
    /// Where keystrokes go while the writer merges a peer's changes.
    pub(crate) lane: Arc<panelnotes_core::store::TypingLane>,
    /// A read-only connection of its own, so reads never wait behind the writer.
    reader: Mutex<Reader>,
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
    pub(crate) fn read(&self) -> MutexGuard<'_, Reader> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The interview view from the index; the writer builds it only for an interview the
    /// index has never seen (a store written before views existed).
    pub(crate) fn interview_view(&self, id: DocumentId) -> R<Interview> {
        let found = self.read().interview_view(id)?;
        Ok(match found {
            Some(v) => v.into(),
            None => self.lock().interview_view(id)?.into(),
        })
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

/// Who the store at `path` was last opened for, without opening it: the app's first screen
/// asks this to know whether to show sign-in. `None` when there is no store there yet.
#[uniffi::export]
pub fn stored_identity(path: String) -> R<Option<Identity>> {
    Ok(Store::stored_identity(path)?.map(|i| Identity { interviewer_id: i.id.to_string(), display_name: i.display_name }))
}

#[uniffi::export]
impl PanelNotes {
    /// Opens (or creates) the store at `path` for this interviewer.
    #[uniffi::constructor]
    /// Opens the store at `path` with the app's 32-byte at-rest key (from the Keychain or
    /// Keystore). A wrong key is `WrongKey`; a store of the other form is
    /// `EncryptionMismatch`: never an empty store.
    pub fn open(path: String, interviewer_id: String, display_name: String, key: Vec<u8>) -> R<Arc<Self>> {
        let identity = panelnotes_core::Identity { id: who(interviewer_id)?, display_name };
        let key = zeroize::Zeroizing::new(key);
        let key = panelnotes_core::store::at_rest::AtRestKey::from_slice(&key)?;
        let options = panelnotes_core::StoreOptions { key: Some(key), ..Default::default() };
        let store = Store::open_with(path, identity, options)?;
        let reader = Mutex::new(store.reader()?);
        let lane = store.typing_lane();
        let store = Arc::new(Mutex::new(store));
        start_upkeep(&store);
        Ok(Arc::new(PanelNotes { store, lane, reader }))
    }

    /// Re-wraps the store's keys under the app's new at-rest key, in one transaction: from
    /// then on the store opens with `new_key` only.
    pub fn rotate_key(&self, new_key: Vec<u8>) -> R<()> {
        let new_key = zeroize::Zeroizing::new(new_key);
        let key = panelnotes_core::store::at_rest::AtRestKey::from_slice(&new_key)?;
        Ok(self.lock().rotate_key(&key)?)
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

    /// Whether the document is here and usable (a joined panel's documents arrive with the
    /// first sync).
    pub fn has_document(&self, document_id: String) -> R<bool> {
        Ok(self.lock().has_document(id(&document_id)?)?)
    }

    /// Decodes a document ahead of its first edit, so that edit does not wait for the load.
    pub fn preload(&self, document_id: String) -> R<()> {
        Ok(self.lock().preload(id(&document_id)?)?)
    }

    /// Drops a document's decoded form (after folding its keystrokes), for memory pressure.
    pub fn unload(&self, document_id: String) -> R<()> {
        Ok(self.lock().unload(id(&document_id)?)?)
    }

    /// Whether the document is decoded in memory, so an edit to it does not wait for a load
    /// (true once the background decode `open_interview` started has finished).
    pub fn is_decoded(&self, document_id: String) -> R<bool> {
        Ok(self.lock().is_decoded(id(&document_id)?))
    }

    /// Opens an interview for the screen. Resolves with its view from the index as soon as it
    /// is read, on a core thread, without waiting for the writer; that thread then decodes the
    /// document, holding the writer only to read the bytes and to hand the decoded document
    /// back. Keystrokes typed meanwhile are logged and applied then.
    pub async fn open_interview(self: Arc<Self>, interview_id: String) -> R<Interview> {
        let doc = id(&interview_id)?;
        let (tx, rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("panelnotes-open".into())
            .spawn(move || {
                let view = self.interview_view(doc);
                let opened = view.is_ok();
                // The decode must not keep a closed store alive.
                let store = Arc::downgrade(&self.store);
                drop(self);
                tx.send(view);
                if opened {
                    decode_in_background(&store, doc);
                }
            })
            .map_err(|e| PanelNotesError::Storage { reason: e.to_string() })?;
        rx.await.unwrap_or_else(|| Err(PanelNotesError::Storage { reason: "the opening thread ended without a view".into() }))
    }
}

/// Decodes a document off the writer and hands it back. A document that fails to decode
/// fails again, typed, on the first use that needs it; nothing to report from here.
fn decode_in_background(store: &Weak<Mutex<Store>>, doc: DocumentId) {
    let Some(s) = store.upgrade() else { return };
    let Ok(Some(decoding)) = lock_store(&s).start_decode(doc) else { return };
    drop(s);
    let Ok(decoded) = decoding.decode() else { return };
    if let Some(s) = store.upgrade() {
        let _ = lock_store(&s).finish_decode(decoded);
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::time::{Duration, Instant, SystemTime};

    use super::PanelNotes;

    /// Runs a future to completion on this thread, parking between polls: what the foreign
    /// executors do for the generated async functions, minus the foreign side.
    fn block_on<F: Future>(f: F) -> F::Output {
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut f = std::pin::pin!(f);
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    }

    #[test]
    fn open_interview_shows_the_view_while_the_writer_is_held_then_decodes_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ana.sqlite3").display().to_string();
        let s = PanelNotes::open(path, "ana@acme".into(), "Ana".into(), vec![7; 32]).unwrap();
        let c = s.create_candidate("Dana".into(), "Data engineer".into(), None, None, SystemTime::now()).unwrap();
        let i = s.schedule_interview(c, None, None, SystemTime::now(), None, vec!["ana@acme".into()], "ana@acme".into()).unwrap();
        s.splice_notes(i.clone(), "learn".into(), 0, 0, "Spark on 200 nodes".into()).unwrap();
        s.unload(i.clone()).unwrap();
        assert!(!s.is_decoded(i.clone()).unwrap(), "the test needs an interview that is not decoded");

        // A sync merge (here: the test) holds the writer. Opening does not wait for it.
        let writer = s.lock();
        let view = block_on(s.clone().open_interview(i.clone())).unwrap();
        assert_eq!(view, s.interview(i.clone()).unwrap());
        assert_eq!(view.notes.iter().find(|n| n.stage == "learn").unwrap().text, "Spark on 200 nodes");
        drop(writer);

        // Typed before the decode is handed back (or after): kept either way.
        s.splice_notes(i.clone(), "learn".into(), 0, 0, "Ran ".into()).unwrap();
        let guard = Instant::now() + Duration::from_secs(60);
        while !s.is_decoded(i.clone()).unwrap() {
            assert!(Instant::now() < guard, "the background decode never finished");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(s.notes(i, "learn".into()).unwrap(), "Ran Spark on 200 nodes");
    }

    #[test]
    fn open_interview_of_an_unknown_id_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ana.sqlite3").display().to_string();
        let s = PanelNotes::open(path, "ana@acme".into(), "Ana".into(), vec![7; 32]).unwrap();
        let r = block_on(s.clone().open_interview(panelnotes_core::DocumentId::random().to_string()));
        assert!(matches!(r, Err(crate::PanelNotesError::NotFound { .. })), "{r:?}");
    }
}
