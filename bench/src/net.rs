//! An in-memory network of phones in one process, each store behind its own lock as the
//! bindings hold it, so a typing thread can share a phone with the sync.

use std::sync::{Arc, Mutex, MutexGuard};

use panelnotes_core::sync::{Connection, Grant, Role};
use panelnotes_core::Store;

pub type Phone = Arc<Mutex<Store>>;

/// The frames each side of a link owes the other, in one round.
type Frames = (Vec<Vec<u8>>, Vec<Vec<u8>>);

pub fn lock(p: &Phone) -> MutexGuard<'_, Store> {
    p.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct Link {
    pub a: usize,
    pub b: usize,
    pub ca: Connection,
    pub cb: Connection,
}

impl Link {
    /// `a` dials `b` (the hub); both share what `grant` names.
    pub fn connect(phones: &[Phone], a: usize, b: usize, grant: &Grant) -> Link {
        Self::connect_with(phones, a, b, grant.clone(), grant.clone())
    }

    /// `connect`, each side sharing its own grant (a rostered panel's outboxes differ by phone).
    pub fn connect_with(phones: &[Phone], a: usize, b: usize, grant_a: Grant, grant_b: Grant) -> Link {
        Link {
            a,
            b,
            ca: Connection::new(&lock(&phones[a]), Role::Initiator, grant_a).unwrap(),
            cb: Connection::new(&lock(&phones[b]), Role::Responder, grant_b).unwrap(),
        }
    }

    pub fn close(&mut self, phones: &[Phone]) {
        self.ca.close(&mut lock(&phones[self.a])).unwrap();
        self.cb.close(&mut lock(&phones[self.b])).unwrap();
    }
}

/// Every side generates what it owes, then all of it is delivered, round after round until
/// nothing moves. A phone's lock is taken per frame, as a transport thread would, so other
/// threads (the typist) get in between. Returns (rounds, bytes on the wire).
pub fn settle(phones: &[Phone], links: &mut [Link]) -> (usize, u64) {
    settle_for(phones, links, 500)
}

/// `settle`, stopping after `max_rounds` rounds even if frames still move (a phone typing
/// during the sync makes a change at every round).
pub fn settle_for(phones: &[Phone], links: &mut [Link], max_rounds: usize) -> (usize, u64) {
    let mut rounds = 0;
    let mut bytes = 0;
    loop {
        let outs: Vec<Frames> = links
            .iter_mut()
            .map(|l| {
                let a = l.ca.poll(&mut lock(&phones[l.a])).unwrap();
                let b = l.cb.poll(&mut lock(&phones[l.b])).unwrap();
                (a, b)
            })
            .collect();
        let mut moved = 0;
        for (l, (out_a, out_b)) in links.iter_mut().zip(outs) {
            for f in out_a {
                moved += f.len() as u64;
                l.cb.receive(&mut lock(&phones[l.b]), &f).unwrap();
            }
            for f in out_b {
                moved += f.len() as u64;
                l.ca.receive(&mut lock(&phones[l.a]), &f).unwrap();
            }
        }
        if moved == 0 {
            return (rounds, bytes);
        }
        bytes += moved;
        rounds += 1;
        if rounds == max_rounds {
            return (rounds, bytes);
        }
        assert!(rounds < 500, "no convergence after 500 rounds");
    }
}
