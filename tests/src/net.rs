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

    /// Delivers the given frames (a to b, b to a) without generating anything new.
    pub fn deliver(&mut self, stores: &mut [Store], out_a: Vec<Vec<u8>>, out_b: Vec<Vec<u8>>) -> Result<u64, SyncError> {
        let mut moved = 0;
        for f in out_a {
            moved += f.len() as u64;
            let ev = self.cb.receive(&mut stores[self.b], &f)?;
            self.events.extend(ev.into_iter().map(|e| (self.b, e)));
        }
        for f in out_b {
            moved += f.len() as u64;
            let ev = self.ca.receive(&mut stores[self.a], &f)?;
            self.events.extend(ev.into_iter().map(|e| (self.a, e)));
        }
        Ok(moved)
    }

    pub fn close(&mut self, stores: &mut [Store]) {
        let _ = self.ca.close(&mut stores[self.a]);
        let _ = self.cb.close(&mut stores[self.b]);
    }
}

/// Every side generates what it owes, then all of it is delivered, round after round until
/// nothing moves. Returns (rounds, bytes on the wire).
pub fn settle(stores: &mut [Store], links: &mut [Link]) -> (usize, u64) {
    let mut rounds = 0;
    let mut bytes = 0;
    loop {
        type Frames = Vec<Vec<u8>>;
        let outs: Vec<(Frames, Frames)> = links
            .iter_mut()
            .map(|l| (l.ca.poll(&mut stores[l.a]).unwrap(), l.cb.poll(&mut stores[l.b]).unwrap()))
            .collect();
        let mut moved = 0;
        for (l, (a, b)) in links.iter_mut().zip(outs) {
            moved += l.deliver(stores, a, b).unwrap();
        }
        if moved == 0 {
            return (rounds, bytes);
        }
        bytes += moved;
        rounds += 1;
        assert!(rounds < 200, "no convergence after 200 rounds");
    }
}
