//! Changes a removed device wrote after its cutoff (ARCHITECTURE.md, "Receiving"). They are
//! held, never applied on their own; but a phone that applied one before it heard of the
//! removal builds on it, and the panel must still converge. So such a change is released
//! everywhere once a current member's valid change depends on it, and a phone that learns of
//! a removal after applying such a change commits an empty change to say so: its next
//! envelope then carries the dependency. The verdict depends only on the envelopes, never on
//! the order they arrived in: the member's run waits for the held ones, or they wait for it.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::ChangeHash;
use rusqlite::params;

use super::envelope::{self, Opened, Verdict};
use super::roster::{Hash, Roster};
use crate::error::Result;
use crate::ids::DocumentId;
use crate::store::Store;

/// A held envelope of a removed device, opened past its cutoff.
struct Held {
    digest: Vec<u8>,
    bytes: Vec<u8>,
    opened: Option<Box<Opened>>,
}

impl Store {
    /// Releases the held envelopes of removed devices that `run`, a current member's opened
    /// envelope, builds on. Releases only when every missing dependency of the run is in
    /// such envelopes (or in what they build on that is here); otherwise nothing moves and
    /// the run waits. Returns whether the run's dependencies are all here now.
    pub(crate) fn release_held_for(&mut self, id: &Hash, roster: &Roster, run: &Opened) -> Result<bool> {
        if roster.state().current(&run.body.device).is_none() {
            return Ok(false);
        }
        let (doc, kind) = (run.body.document, run.body.kind);
        let mut held = self.held_after_removal(id, roster, doc)?;
        if held.is_empty() {
            return Ok(false);
        }
        let by_change: HashMap<ChangeHash, usize> = held
            .iter()
            .enumerate()
            .flat_map(|(i, h)| h.opened.as_ref().expect("opened").changes.iter().map(move |c| (c.hash(), i)))
            .collect();
        let wanted: Vec<ChangeHash> = run.changes.iter().flat_map(|c| c.deps().iter().copied()).collect();
        let in_run: HashSet<ChangeHash> = run.changes.iter().map(|c| c.hash()).collect();
        let held_ref = &held;
        // Which held envelopes the run needs, through what they in turn build on.
        let chosen = self.read_document(doc, kind, |d| {
            let mut wanted: Vec<ChangeHash> = wanted.into_iter().filter(|h| !in_run.contains(h)).collect();
            let mut seen = HashSet::new();
            let mut chosen = BTreeSet::new();
            while let Some(h) = wanted.pop() {
                if !seen.insert(h) || d.get_change_by_hash(&h).is_some() {
                    continue;
                }
                let &i = by_change.get(&h)?;
                if chosen.insert(i) {
                    let changes = &held_ref[i].opened.as_ref().expect("opened").changes;
                    wanted.extend(changes.iter().flat_map(|c| c.deps().iter().copied()));
                }
            }
            Some(chosen)
        })?;
        let Some(chosen) = chosen.filter(|c| !c.is_empty()) else { return Ok(false) };
        // Each removed device's runs in sequence order; passes until nothing more applies
        // (two removed devices' runs may build on each other).
        let mut order: Vec<usize> = chosen.into_iter().collect();
        order.sort_by_key(|&i| {
            let b = &held[i].opened.as_ref().expect("opened").body;
            (b.device, b.seq)
        });
        loop {
            let mut progress = false;
            for &i in &order {
                let Some(opened) = held[i].opened.as_ref() else { continue };
                if !self.has_dependencies(doc, kind, &opened.changes)? {
                    continue;
                }
                let opened = held[i].opened.take().expect("present");
                self.conn().execute("DELETE FROM envelopes_held WHERE genesis = ?1 AND digest = ?2", params![&id[..], &held[i].digest])?;
                let bytes = std::mem::take(&mut held[i].bytes);
                self.take_opened(id, &bytes, roster, opened)?;
                progress = true;
            }
            if !progress {
                break;
            }
        }
        self.has_dependencies(doc, kind, &run.changes)
    }

    /// The envelopes held for the panel because their device was removed, for `doc`, opened
    /// past the cutoff (those that fail any other check stay held, and never count).
    fn held_after_removal(&mut self, id: &Hash, roster: &Roster, doc: DocumentId) -> Result<Vec<Held>> {
        let mut q = self.conn().prepare(
            "SELECT digest, bytes FROM envelopes_held WHERE genesis = ?1 AND reason LIKE 'AfterRemoval%' ORDER BY received_at, digest",
        )?;
        let rows: Vec<(Vec<u8>, Vec<u8>)> = q.query_map([&id[..]], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        drop(q);
        let mut out = Vec::new();
        for (digest, bytes) in rows {
            if let Verdict::Open(o) = envelope::open_released(&bytes, roster, |e| self.epoch_secret(roster, e)) {
                if o.body.document == doc {
                    out.push(Held { digest, bytes, opened: Some(o) });
                }
            }
        }
        Ok(out)
    }

    /// After this phone learned that `removed` devices were removed: on each document where it
    /// already applied a change one of them wrote after its cutoff, commits an empty change of
    /// its own, so its next envelope depends on that change and every phone releases it.
    pub(crate) fn acknowledge_applied_after_removal(&mut self, id: &Hash, removed: &[[u8; 32]]) -> Result<usize> {
        let roster = self.roster(id)?;
        let state = roster.state().clone();
        if removed.is_empty() || state.current(&self.device().signing).is_none() {
            return Ok(0);
        }
        let mut said = 0;
        for (&doc, &kind) in &state.documents {
            let beyond = removed.iter().any(|device| {
                let cutoff = state.members.get(device).and_then(|m| m.removed.as_ref()).and_then(|c| c.get(&doc).copied()).unwrap_or(0);
                let last: Option<i64> = self
                    .conn()
                    .query_row(
                        "SELECT MAX(seq) FROM envelopes_seen WHERE genesis = ?1 AND device = ?2 AND doc_id = ?3",
                        params![&id[..], &device[..], &doc.as_bytes()[..]],
                        |r| r.get(0),
                    )
                    .unwrap_or(None);
                last.is_some_and(|s| s as u64 > cutoff)
            });
            if beyond {
                let options = self.commit_options();
                self.edit(doc, kind, |d| Ok(d.empty_change(options)), |_| Ok(()))?;
                said += 1;
            }
        }
        Ok(said)
    }
}
