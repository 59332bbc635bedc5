//! Who wrote a change. The trusted answer is the roster's: the seat of the device whose key
//! the actor id derives from, for every device any roster on this phone ever admitted. A
//! document's own `actors` map is written by each author about itself, so it is only a hint,
//! used for documents no roster covers (a lead's notes before the panel exists, panels from
//! before rosters).

use automerge::AutoCommit;
use std::collections::HashMap;

use rusqlite::Connection;

use crate::ids::InterviewerId;

/// The seat of every actor a roster on this phone names, by actor id (hex).
pub(crate) type RosterSeats = HashMap<String, InterviewerId>;

pub(crate) fn roster_seats(conn: &Connection) -> crate::Result<RosterSeats> {
    let mut q = conn.prepare_cached("SELECT actor, seat FROM roster_actors")?;
    let rows = q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (actor, seat) = row?;
        if let Ok(seat) = InterviewerId::new(seat) {
            out.insert(actor, seat);
        }
    }
    Ok(out)
}

pub(crate) fn author_of(seats: &RosterSeats, doc: &AutoCommit, actor_hex: &str) -> Option<InterviewerId> {
    match seats.get(actor_hex) {
        Some(seat) => Some(seat.clone()),
        None => super::author_in(doc, actor_hex),
    }
}

/// Records the seat of each device a roster admitted, by the actor id its changes carry.
pub(crate) fn remember_roster_actors(conn: &Connection, genesis: &[u8], members: impl IntoIterator<Item = (String, InterviewerId)>) -> crate::Result<()> {
    let mut q = conn.prepare_cached(
        "INSERT INTO roster_actors(actor, seat, genesis) VALUES (?1, ?2, ?3)
         ON CONFLICT(actor) DO UPDATE SET seat = excluded.seat, genesis = excluded.genesis",
    )?;
    for (actor, seat) in members {
        q.execute(rusqlite::params![actor, seat.as_str(), genesis])?;
    }
    Ok(())
}
