//! A wake-up for whoever sends this store's changes somewhere (a relay session kept in
//! sync): every durable change, local or from a peer, calls the registered wakers. Unlike
//! the listeners (`observe`), nothing is read or queued: a waker only learns that something
//! changed, on the writer's thread, and must return at once without touching the store.

use std::sync::{Arc, Mutex, Weak};

type Waker = dyn Fn() + Send + Sync;

#[derive(Default)]
pub struct ChangeSignal {
    wakers: Mutex<Vec<Weak<Waker>>>,
}

/// Keeps its waker registered while it lives.
#[must_use = "the waker is dropped with this handle"]
pub struct ChangeWaker {
    _waker: Arc<Waker>,
}

impl ChangeSignal {
    /// Registers `wake`, called on the writer's thread (with the store held) after each
    /// durable change, until the returned handle is dropped.
    pub fn on_change(&self, wake: impl Fn() + Send + Sync + 'static) -> ChangeWaker {
        let waker: Arc<Waker> = Arc::new(wake);
        let mut wakers = self.wakers.lock().unwrap_or_else(|p| p.into_inner());
        wakers.retain(|w| w.strong_count() > 0);
        wakers.push(Arc::downgrade(&waker));
        ChangeWaker { _waker: waker }
    }

    pub(crate) fn changed(&self) {
        let live: Vec<Arc<Waker>> = {
            let wakers = self.wakers.lock().unwrap_or_else(|p| p.into_inner());
            if wakers.is_empty() {
                return;
            }
            wakers.iter().filter_map(Weak::upgrade).collect()
        };
        for wake in live {
            wake();
        }
    }
}

impl super::Store {
    /// The signal a relay session kept in sync waits on (see `ChangeSignal`).
    pub fn change_signal(&self) -> Arc<ChangeSignal> {
        self.change_signal.clone()
    }
}
