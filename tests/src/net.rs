//! An in-memory network of stores joined by sync connections, for tests and benchmarks.

use panelnotes_core::sync::{Connection, Event, Grant, Role, SyncError};
use panelnotes_core::Store;

pub struct Link {
    pub a: usize,
    pub b: usize,
    pub ca: Connection,
    pub cb: Connection,
    /// Every event either side reported, in order.
    pub events: Vec<(usize, Event)>,
}

impl Link {
    /// `a` dials `b`; each side shares what its grant says.
    pub fn connect(stores: &mut [Store], a: usize, b: usize, grant_a: Grant, grant_b: Grant) -> Link {
        Link {
            a,
            b,
            ca: Connection::new(&stores[a], Role::Initiator, grant_a).unwrap(),
            cb: Connection::new(&stores[b], Role::Responder, grant_b).unwrap(),
            events: Vec::new(),
        }
    }

    /// Delivers queued frames both ways once. Returns the bytes moved.
    pub fn step(&mut self, stores: &mut [Store]) -> Result<u64, SyncError> {
        let mut moved = 0;
        for f in self.ca.take_outgoing() {
            moved += f.len() as u64;
            let ev = self.cb.receive(&mut stores[self.b], &f)?;
            self.events.extend(ev.into_iter().map(|e| (self.b, e)));
        }
        for f in self.cb.take_outgoing() {
            moved += f.len() as u64;
            let ev = self.ca.receive(&mut stores[self.a], &f)?;
            self.events.extend(ev.into_iter().map(|e| (self.a, e)));
        }
        Ok(moved)
    }

    /// Offers local changes both ways.
    pub fn offer(&mut self, stores: &mut [Store]) -> Result<(), SyncError> {
        let ev = self.ca.sync(&mut stores[self.a])?;
        self.events.extend(ev.into_iter().map(|e| (self.a, e)));
        let ev = self.cb.sync(&mut stores[self.b])?;
        self.events.extend(ev.into_iter().map(|e| (self.b, e)));
        Ok(())
    }

    pub fn close(&mut self, stores: &mut [Store]) {
        let _ = self.ca.close(&mut stores[self.a]);
        let _ = self.cb.close(&mut stores[self.b]);
    }
}

/// Offers every store's changes on every link and delivers until nothing moves. Returns
/// (rounds, bytes on the wire).
pub fn settle(stores: &mut [Store], links: &mut [Link]) -> (usize, u64) {
    let mut rounds = 0;
    let mut bytes = 0;
    loop {
        for l in links.iter_mut() {
            l.offer(stores).unwrap();
        }
        let mut moved = 0;
        for l in links.iter_mut() {
            moved += l.step(stores).unwrap();
        }
        if moved == 0 {
            return (rounds, bytes);
        }
        bytes += moved;
        rounds += 1;
        assert!(rounds < 200, "no convergence after 200 rounds");
    }
}
