//! Change observation, delivered by a notifier thread. The writer only records which
//! documents changed (with their new state, which it has at hand) and returns: a slow
//! listener never delays a keystroke or a sync. The notifier calls each listener with no
//! store lock and no registry lock held, so a listener may call back into the store or stop
//! itself. Each listener gets the current state first, then changes with enough detail for
//! a UI diff. Keystrokes in the notes are the listener's own and are not echoed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};

use super::{Origin, Reader, Store};
use crate::error::Result;
use crate::ids::DocumentId;
use crate::model::{Candidate, DocKind, Template};
use crate::store::InterviewView;
use crate::timeline::CandidateSummary;

pub use super::list_diff::ListDiff;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentState {
    Candidate(Box<Candidate>),
    Interview(Box<InterviewView>),
    Template(Template),
}

/// One delivery to a document listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentUpdate {
    pub state: DocumentState,
    pub origin: Origin,
    /// The first delivery: the state when the listener registered.
    pub first: bool,
    /// Stage keys whose notes differ from the previous delivery (every stage on the first).
    pub changed_stages: Vec<String>,
}

/// One delivery to a candidate-list listener: the whole list first, then diffs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CandidateListUpdate {
    Reset(Vec<CandidateSummary>),
    Diff(Vec<ListDiff<CandidateSummary>>),
}

type DocCallback = Box<dyn FnMut(&DocumentUpdate) + Send>;
type ListCallback = Box<dyn FnMut(&CandidateListUpdate) + Send>;

enum Target {
    Document { id: DocumentId, callback: Mutex<DocCallback>, last: Mutex<Option<DocumentState>> },
    List { callback: Mutex<ListCallback>, last: Mutex<Option<Vec<CandidateSummary>>> },
}

struct Listener {
    id: u64,
    active: AtomicBool,
    target: Target,
}

#[derive(Default)]
struct Queue {
    listeners: Vec<Arc<Listener>>,
    next: u64,
    /// Latest state per changed document, and whether any of the changes came from a peer.
    documents: HashMap<DocumentId, (DocumentState, Origin)>,
    /// Documents changed without a state (nobody listened to them when they changed).
    list_dirty: bool,
    /// Listeners registered since the last round, owed their first delivery.
    new_lists: Vec<Arc<Listener>>,
    closed: bool,
    running: bool,
}

pub(crate) struct Notifier {
    queue: Mutex<Queue>,
    wake: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Stops its listener when dropped, also from inside the listener's own callback.
#[must_use = "the subscription ends when this handle is dropped"]
pub struct Subscription {
    notifier: Weak<Notifier>,
    listener: Weak<Listener>,
}

impl Subscription {
    /// Stops now; the same as dropping.
    pub fn stop(&self) {
        if let Some(l) = self.listener.upgrade() {
            l.active.store(false, Ordering::SeqCst);
            if let Some(n) = self.notifier.upgrade() {
                lock(&n.queue).listeners.retain(|x| x.id != l.id);
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Notifier {
    pub(crate) fn new() -> Arc<Notifier> {
        Arc::new(Notifier { queue: Mutex::new(Queue::default()), wake: Condvar::new() })
    }

    fn has_listeners(&self) -> (bool, bool) {
        let q = lock(&self.queue);
        let doc = q.listeners.iter().any(|l| matches!(l.target, Target::Document { .. }));
        let list = q.listeners.iter().any(|l| matches!(l.target, Target::List { .. }));
        (doc, list)
    }

    fn wants(&self, id: DocumentId) -> bool {
        lock(&self.queue)
            .listeners
            .iter()
            .any(|l| matches!(&l.target, Target::Document { id: d, .. } if *d == id))
    }

    fn register(self: &Arc<Self>, target: Target, reader: impl FnOnce() -> Result<Reader> + Send + 'static) -> Subscription {
        let mut q = lock(&self.queue);
        q.next += 1;
        let listener = Arc::new(Listener { id: q.next, active: AtomicBool::new(true), target });
        q.listeners.push(listener.clone());
        if matches!(listener.target, Target::List { .. }) {
            q.new_lists.push(listener.clone());
        }
        if !q.running {
            q.running = true;
            let me = Arc::downgrade(self);
            let spawned = std::thread::Builder::new()
                .name("panelnotes-notify".into())
                .spawn(move || run(me, reader));
            if spawned.is_err() {
                q.running = false;
            }
        }
        drop(q);
        self.wake.notify_one();
        Subscription { notifier: Arc::downgrade(self), listener: Arc::downgrade(&listener) }
    }

    fn push(&self, id: DocumentId, state: Option<DocumentState>, origin: Origin) {
        let mut q = lock(&self.queue);
        if let Some(state) = state {
            let origin = match q.documents.get(&id) {
                Some((_, Origin::Remote)) => Origin::Remote,
                _ => origin,
            };
            q.documents.insert(id, (state, origin));
        }
        q.list_dirty = true;
        drop(q);
        self.wake.notify_one();
    }

    pub(crate) fn close(&self) {
        lock(&self.queue).closed = true;
        self.wake.notify_all();
    }
}

/// The notifier thread: waits for changes, then delivers them with nothing locked. It holds
/// the notifier weakly and ends with the store.
fn run(notifier: Weak<Notifier>, open_reader: impl FnOnce() -> Result<Reader>) {
    let mut reader = open_reader().ok();
    loop {
        let Some(n) = notifier.upgrade() else { return };
        let (docs, list_dirty, new_lists, listeners) = {
            let mut q = lock(&n.queue);
            let idle = |q: &Queue| q.documents.is_empty() && !q.list_dirty && q.new_lists.is_empty();
            while !q.closed && idle(&q) {
                // Wake now and then to notice a store dropped without `close`.
                q = n.wake.wait_timeout(q, std::time::Duration::from_secs(1)).unwrap_or_else(|p| p.into_inner()).0;
                if Arc::strong_count(&n) == 1 {
                    return;
                }
            }
            // Closing delivers what was queued before it, then ends.
            if q.closed && idle(&q) {
                return;
            }
            let docs = std::mem::take(&mut q.documents);
            let list_dirty = std::mem::replace(&mut q.list_dirty, false);
            (docs, list_dirty, std::mem::take(&mut q.new_lists), q.listeners.clone())
        };
        drop(n);
        for l in &listeners {
            if let Target::Document { id, callback, last } = &l.target {
                if let Some((state, origin)) = docs.get(id) {
                    deliver_document(l, callback, last, state, *origin);
                }
            }
        }
        let list_listeners: Vec<&Arc<Listener>> =
            listeners.iter().filter(|l| matches!(l.target, Target::List { .. })).collect();
        if (list_dirty || !new_lists.is_empty()) && !list_listeners.is_empty() {
            if reader.is_none() {
                continue;
            }
            let Ok(list) = reader.as_ref().expect("checked").candidates() else {
                // A failed read is retried at the next change; the reader may be stale.
                reader = None;
                continue;
            };
            for l in list_listeners {
                if let Target::List { callback, last } = &l.target {
                    deliver_list(l, callback, last, &list);
                }
            }
        }
    }
}

fn deliver_document(l: &Listener, callback: &Mutex<DocCallback>, last: &Mutex<Option<DocumentState>>, state: &DocumentState, origin: Origin) {
    let previous = lock(last).replace(state.clone());
    let first = previous.is_none();
    if !first && previous.as_ref() == Some(state) {
        return;
    }
    let changed_stages = match (state, &previous) {
        (DocumentState::Interview(now), Some(DocumentState::Interview(before))) => now
            .notes
            .iter()
            .filter(|(k, text)| before.notes.iter().find(|(b, _)| b == k).map(|(_, t)| t) != Some(text))
            .map(|(k, _)| k.clone())
            .collect(),
        (DocumentState::Interview(now), _) => now.notes.iter().map(|(k, _)| k.clone()).collect(),
        _ => Vec::new(),
    };
    let update = DocumentUpdate { state: state.clone(), origin, first, changed_stages };
    // Checked under the callback's own lock, so no delivery starts once `stop` has returned.
    let mut f = lock(callback);
    if l.active.load(Ordering::SeqCst) {
        f(&update);
    }
}

fn deliver_list(l: &Listener, callback: &Mutex<ListCallback>, last: &Mutex<Option<Vec<CandidateSummary>>>, list: &[CandidateSummary]) {
    let previous = lock(last).replace(list.to_vec());
    let update = match previous {
        None => CandidateListUpdate::Reset(list.to_vec()),
        Some(before) => {
            let diffs = super::list_diff::diff(&before, list, |c| c.id);
            if diffs.is_empty() {
                return;
            }
            CandidateListUpdate::Diff(diffs)
        }
    };
    let mut f = lock(callback);
    if l.active.load(Ordering::SeqCst) {
        f(&update);
    }
}

impl Store {
    fn document_state(&mut self, id: DocumentId) -> Result<DocumentState> {
        Ok(match self.kind_or_not_found(id)? {
            DocKind::Candidate => DocumentState::Candidate(Box::new(self.candidate(id)?)),
            DocKind::Interview => DocumentState::Interview(Box::new(self.interview_view(id)?)),
            DocKind::Template => DocumentState::Template(self.template(id)?),
            DocKind::Mailbox => return Err(crate::Error::invalid("a mailbox is not observable")),
        })
    }

    fn reader_opener(&self) -> impl FnOnce() -> Result<Reader> + Send + 'static {
        let (path, me, vault) = (self.path().to_path_buf(), self.identity().id.clone(), self.at_rest.clone());
        move || Reader::open(&path, me, vault)
    }

    /// Observes one document: `f` gets its current state, then each change, on the notifier
    /// thread.
    pub fn subscribe_document(&mut self, id: DocumentId, f: impl FnMut(&DocumentUpdate) + Send + 'static) -> Result<Subscription> {
        let state = self.document_state(id)?;
        let target = Target::Document { id, callback: Mutex::new(Box::new(f)), last: Mutex::new(None) };
        let sub = self.notifier.register(target, self.reader_opener());
        // The current state goes through the queue like any change, so it comes first.
        self.notifier.push(id, Some(state), Origin::Local);
        Ok(sub)
    }

    /// Observes the candidate list: `f` gets the whole list, then diffs, on the notifier
    /// thread.
    pub fn subscribe_candidates(&mut self, f: impl FnMut(&CandidateListUpdate) + Send + 'static) -> Result<Subscription> {
        let target = Target::List { callback: Mutex::new(Box::new(f)), last: Mutex::new(None) };
        Ok(self.notifier.register(target, self.reader_opener()))
    }

    /// Records a durable change for the listeners and returns at once. The new state is read
    /// here only when someone listens to this document.
    pub(crate) fn notify(&mut self, id: DocumentId, origin: Origin) {
        self.change_signal.changed();
        let (docs, lists) = self.notifier.has_listeners();
        if !docs && !lists {
            return;
        }
        let state = if docs && self.notifier.wants(id) { self.document_state(id).ok() } else { None };
        self.notifier.push(id, state, origin);
    }
}
