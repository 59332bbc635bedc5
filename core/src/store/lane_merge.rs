//! The writer's side of the typing lane (`typing_lane.rs`): arming the interview being typed
//! in around a peer's frame, applying what the lane took at the heads it was typed against,
//! and replaying the lane's log after the app was killed mid-frame.

use std::collections::HashMap;
use std::sync::Arc;

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ObjId, ReadDoc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::at_rest::Scope;
use super::pending::PendingSplice;
use super::problems::{self, ProblemKind};
use super::typing_lane::{check_size, row_of, TypingLane, EDIT};
use super::{documents, refresh_notes_cache, register_author, Origin, Store};
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::DocKind;

/// The `meta` row saying which epoch of which lane was last applied, and through which
/// keystroke: written with the change that applied it, so a replay after a crash before the
/// lane forgot it does not apply it twice.
const WATERMARK: &str = "typing_lane";

/// How far the lane was applied: its epoch, its last keystroke, and the heads the
/// epoch's later keystrokes were typed against.
struct Watermark {
    epoch: i64,
    seq: i64,
    heads: Vec<ChangeHash>,
}

fn watermark(conn: &Connection, lane: &[u8; 16]) -> Result<Watermark> {
    let stored: Option<Vec<u8>> =
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [WATERMARK], |r| r.get(0)).optional()?;
    Ok(match stored {
        Some(v) if v.len() >= 32 && (v.len() - 32) % 32 == 0 && v[..16] == lane[..] => Watermark {
            epoch: i64::from_be_bytes(v[16..24].try_into().expect("8 bytes")),
            seq: i64::from_be_bytes(v[24..32].try_into().expect("8 bytes")),
            heads: v[32..].chunks(32).map(|h| ChangeHash(h.try_into().expect("32 bytes"))).collect(),
        },
        // Another lane's (its file was replaced): nothing of this one was applied.
        _ => Watermark { epoch: 0, seq: 0, heads: Vec::new() },
    })
}

fn save_watermark(tx: &Transaction<'_>, lane: &[u8; 16], (epoch, seq): (i64, i64), heads: &[ChangeHash]) -> Result<()> {
    let mut v = lane.to_vec();
    v.extend_from_slice(&epoch.to_be_bytes());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend(heads.iter().flat_map(|h| h.0));
    tx.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?
        .execute(params![WATERMARK, v])?;
    Ok(())
}

/// A stage's notes Text as it was at `heads`.
fn notes_obj_at(doc: &automerge::AutoCommit, heads: &[ChangeHash], stage: &str) -> Result<Option<ObjId>> {
    let Some((automerge::Value::Object(automerge::ObjType::Map), notes)) = doc.get_at(ObjId::Root, "notes", heads)? else {
        return Ok(None);
    };
    Ok(match doc.get_at(&notes, stage, heads)? {
        Some((automerge::Value::Object(automerge::ObjType::Text), obj)) => Some(obj),
        _ => None,
    })
}

/// The key an interview's notes are sealed with: its candidate's (erasure shreds it), as
/// the pending-edit log seals them.
fn scope_of(conn: &Connection, id: DocumentId) -> Result<Scope> {
    let candidate: Option<Option<Vec<u8>>> = conn
        .query_row("SELECT candidate_id FROM idx_interviews WHERE id = ?1", [&id.as_bytes()[..]], |r| r.get(0))
        .optional()?;
    Ok(match candidate.flatten().as_deref().and_then(|c| <[u8; 16]>::try_from(c).ok()) {
        Some(c) => Scope::Candidate(c),
        None => Scope::Store,
    })
}

impl Store {
    /// The lane keystrokes take while this store's writer is busy with a peer's frame. The
    /// apps keep it beside the lock they hold the store in: a keystroke that finds the lock
    /// taken tries the lane, and waits for the lock only when the lane cannot take it.
    pub fn typing_lane(&self) -> Arc<TypingLane> {
        self.lane.clone()
    }

    /// Arms the interview last typed in, before the writer handles a peer's frame. Whatever
    /// fails here only means keystrokes wait for the writer during this frame.
    pub(crate) fn arm_lane(&mut self) {
        let _ = self.try_arm_lane();
    }

    fn try_arm_lane(&mut self) -> Result<()> {
        match self.open_lane()? {
            Some(id) => self.fold(id),
            None => Ok(()),
        }
    }

    /// Arms the lane; the interview armed, whose fold is then due.
    pub(super) fn open_lane(&mut self) -> Result<Option<DocumentId>> {
        let Some(id) = self.typing else { return Ok(None) };
        let now = self.now();
        let Some(od) = self.docs.get_mut(&id) else { return Ok(None) };
        // Keystrokes not yet folded become a change here, in memory; saving it (the fold)
        // happens below, with the lane already open, so it does not hold keystrokes up. If
        // the app is killed before it is saved, they are still in the pending log, and the
        // replay folds them again before it applies the lane (`replay_lane`).
        let folding = od.pending.is_some();
        od.doc.commit_with(super::commit_options(now));
        let heads = od.doc.get_heads();
        if od.notes.is_empty() || (!folding && heads != od.saved_heads) {
            return Ok(None);
        }
        let texts = od.notes.iter().map(|(stage, (_, text))| (stage.clone(), text.clone())).collect();
        let scope = scope_of(&self.conn, id)?;
        self.at_rest.warm(&self.conn, scope)?;
        self.lane.arm(id, heads, texts, scope);
        Ok(Some(id))
    }

    /// Ends the frame: applies what the lane took before the writer lets go of the store, so
    /// a keystroke that waits for the writer lands after them. The lane stays open while a
    /// batch is applied, and closes when a round finds nothing new (or after `ROUNDS`, when
    /// the writer must let the sync go on). If applying fails the document is dropped from
    /// memory; its next decode replays the lane's log.
    pub(crate) fn disarm_lane(&mut self) {
        const ROUNDS: usize = 16;
        let mut base: Option<Vec<ChangeHash>> = None;
        let mut done: Option<(DocumentId, i64)> = None;
        for round in 1.. {
            let Some(batch) = self.lane.take_batch(round >= ROUNDS) else { break };
            let heads = base.take().unwrap_or(batch.heads);
            match self.apply_at_heads(batch.doc, &heads, &batch.splices, (batch.epoch, batch.last_seq), false) {
                Ok(next) => base = Some(next),
                Err(_) => {
                    self.lane.disarm();
                    self.forget(batch.doc);
                    return;
                }
            }
            done = Some((batch.doc, batch.epoch));
            if batch.closed {
                break;
            }
        }
        if let Some((id, epoch)) = done {
            let _ = self.lane.clear_epoch(epoch);
            // The frame's own update went out before these keystrokes were in: this one
            // carries both, and the screen must take it as it takes a peer's.
            self.notify(id, Origin::Remote);
        }
    }

    /// Applies keystrokes typed against `heads` (each against the text the one before left)
    /// as one change, saved with the lane's watermark; returns the heads the next keystrokes
    /// were typed against. One that no longer applies (its stage lost its notes to a peer's
    /// edit) is skipped and reported; the rest still land.
    pub(super) fn apply_at_heads(
        &mut self,
        id: DocumentId,
        heads: &[ChangeHash],
        splices: &[PendingSplice],
        mark: (i64, i64),
        reindex: bool,
    ) -> Result<Vec<ChangeHash>> {
        let lane = self.lane.id();
        let (actor, me, now) = (self.actor.clone(), self.me.id.clone(), self.now());
        let od = self.docs.get_mut(&id).ok_or(Error::NotFound { kind: "document", id: id.to_string() })?;
        if heads.iter().any(|h| od.doc.get_change_by_hash(h).is_none()) {
            return Err(Error::Corrupt { id, reason: "keystrokes logged against changes the document lacks".into() });
        }
        od.doc.commit_with(super::commit_options(now));
        // Checked against the texts at `heads`, as the lane checked them.
        let mut texts: HashMap<String, (ObjId, String)> = HashMap::new();
        let mut ok: Vec<(ObjId, &PendingSplice)> = Vec::new();
        for s in splices {
            let checked = (|| -> Result<ObjId> {
                if !texts.contains_key(&s.stage) {
                    let obj = notes_obj_at(&od.doc, heads, &s.stage)?
                        .ok_or_else(|| Error::NotFound { kind: "stage notes", id: s.stage.clone() })?;
                    let text = od.doc.text_at(&obj, heads)?;
                    texts.insert(s.stage.clone(), (obj, text));
                }
                let (obj, text) = texts.get_mut(&s.stage).expect("inserted above");
                let range = crate::text::splice_range(text, s.pos, s.delete)?;
                check_size(text, range.len(), s.text.len())?;
                text.replace_range(range, &s.text);
                Ok(obj.clone())
            })();
            if let Ok(obj) = checked {
                ok.push((obj, s));
            }
        }
        let skipped = splices.len() - ok.len();
        let register = !od.actor_registered;
        let next = if ok.is_empty() {
            heads.to_vec()
        } else if od.doc.get_heads() == heads {
            for (obj, s) in &ok {
                od.doc.splice_text(obj, s.pos as usize, s.delete as isize, &s.text)?;
            }
            if register {
                register_author(&mut od.doc, &actor, &me)?;
            }
            od.doc.commit_with(super::commit_options(now));
            od.doc.get_heads()
        } else {
            // A peer's changes came in after `heads`. The change is made on a copy at
            // `heads`, then merged as a peer's would be: Automerge's `isolate` does the same
            // but walks the whole document twice (~1 ms each for a 45-minute panel).
            let mut scratch = od.doc.document().clone();
            let mut tx = scratch
                .transaction_at(automerge::PatchLog::inactive(), heads)
                .map_err(|_| Error::Corrupt { id, reason: "a patch log of another document".into() })?;
            for (obj, s) in &ok {
                tx.splice_text(obj, s.pos as usize, s.delete as isize, &s.text)?;
            }
            if register {
                register_author(&mut tx, &actor, &me)?;
            }
            let (hash, _) = tx.commit_with(super::commit_options(now));
            let hash = hash.expect("a transaction with operations makes a change");
            let change = scratch.get_change_by_hash(&hash).expect("just committed").clone();
            od.doc.apply_changes([change])?;
            vec![hash]
        };
        if register && !ok.is_empty() {
            od.actor_registered = true;
        }
        refresh_notes_cache(od)?;
        for (_, s) in &ok {
            if od.notes.contains_key(&s.stage) && !od.dirty_notes.contains(&s.stage) {
                od.dirty_notes.insert(s.stage.clone());
            }
        }
        let reindex = reindex || ok.iter().any(|(_, s)| !od.notes.contains_key(&s.stage));
        self.persist(id, reindex, |tx| save_watermark(tx, &lane, mark, &next))?;
        if skipped > 0 {
            let detail = format!("{skipped} keystrokes typed during a merge no longer applied to the notes");
            problems::record(&self.conn, id, ProblemKind::InvalidValue, "notes", &detail, self.now_ms())?;
        }
        Ok(next)
    }

    /// Replays what the lane logged for `id`, just decoded, that the store had not saved:
    /// before the pending-edit log, which was typed after it.
    pub(crate) fn replay_lane(&mut self, id: DocumentId) -> Result<()> {
        let lane = self.lane.id();
        let mark = watermark(&self.conn, &lane)?;
        // A lane file SQLite cannot read loses what it held, never the document.
        let logged = self.lane.logged().unwrap_or_default();
        for epoch in logged.into_iter().filter(|e| e.doc == id) {
            // Part of an epoch may be saved already (the app was killed between rounds): the
            // rest was typed against the heads saved with that part.
            let (heads, edits): (Vec<ChangeHash>, Vec<(i64, Vec<u8>)>) = if epoch.epoch == mark.epoch {
                (mark.heads.clone(), epoch.edits.into_iter().filter(|(seq, _)| *seq > mark.seq).collect())
            } else {
                (epoch.heads, epoch.edits)
            };
            if edits.is_empty() {
                let _ = self.lane.clear_epoch(epoch.epoch);
                continue;
            }
            let Some(od) = self.docs.get(&id) else { return Ok(()) };
            let mut missing = heads.iter().any(|h| od.doc.get_change_by_hash(h).is_none());
            let mut heads = heads;
            if missing && !self.pending_splices(id)?.is_empty() {
                // Killed while arming folded the pending log: the fold is redone (as a change
                // of another hash, with the same text) and the lane goes on top of it.
                self.replay_pending(id, true)?;
                heads = self.docs.get_mut(&id).expect("loaded").doc.get_heads();
                missing = false;
            }
            if missing {
                // Cannot happen unless the store was altered: the heads were saved, or their
                // keystrokes pending, when the lane was armed. Reported, never retried, so the
                // document stays usable.
                let detail = format!("{} keystrokes typed during a merge were logged against changes this copy lacks", edits.len());
                problems::record(&self.conn, id, ProblemKind::InvalidValue, "notes", &detail, self.now_ms())?;
                let _ = self.lane.clear_epoch(epoch.epoch);
                continue;
            }
            let row = row_of(&lane, epoch.epoch);
            let mut splices = Vec::new();
            let mut unreadable = 0usize;
            for (_, sealed) in edits {
                let plain = self.at_rest.open_bytes(&self.conn, EDIT, &row, sealed).ok();
                match plain.and_then(|p| serde_json::from_slice::<PendingSplice>(&p).ok()) {
                    Some(s) => splices.push(s),
                    None => unreadable += 1,
                }
            }
            self.apply_at_heads(id, &heads, &splices, (epoch.epoch, epoch.last_seq), true)?;
            if unreadable > 0 {
                let detail = format!("{unreadable} keystrokes typed during a merge could not be read back");
                problems::record(&self.conn, id, ProblemKind::InvalidValue, "notes", &detail, self.now_ms())?;
            }
            let _ = self.lane.clear_epoch(epoch.epoch);
        }
        Ok(())
    }

    /// At open: decodes every interview the lane holds unsaved keystrokes for, so they are
    /// in before anything reads the index. Keystrokes for a document that is gone (erased)
    /// go with it; a quarantined one keeps them until it heals.
    pub(crate) fn replay_lane_on_open(&mut self) {
        let Ok(logged) = self.lane.logged() else { return };
        let mut ids: Vec<DocumentId> = logged.iter().map(|e| e.doc).collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            match documents::kind_of(&self.conn, id) {
                Ok(Some((DocKind::Interview, None))) => {
                    if !self.docs.contains_key(&id) {
                        let _ = self.open_doc(id, DocKind::Interview);
                    }
                }
                Ok(None) => {
                    for e in logged.iter().filter(|e| e.doc == id) {
                        let _ = self.lane.clear_epoch(e.epoch);
                    }
                }
                _ => {}
            }
        }
    }
}
