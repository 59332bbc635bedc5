//! Keystrokes: a splice is checked against the stage's current text (UTF-16 positions),
//! logged durably, and applied to the open document; the log folds into one change per
//! pause. A keystroke never waits for a decode: while an interview's Automerge document is
//! not decoded, keystrokes are checked against the index text (which the writer keeps equal
//! to the document's saved text) plus the log, logged, and applied once the decode is done.

use std::collections::HashMap;

use automerge::transaction::Transactable;
use automerge::ReadDoc;
use rusqlite::params;

use super::pending::{self, PendingRun, PendingSplice};
use super::problems::{self, ProblemKind};
use super::typing_lane::check_size;
use super::{register_author, Store};
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::{interview, DocKind, NOTES_LIMIT};

/// The text of a stage typed in before its interview's document is decoded, as the index and
/// the pending log say, by interview and stage.
pub(crate) type Undecoded = HashMap<(DocumentId, String), String>;

impl Store {
    pub(crate) fn pending_splices(&self, id: DocumentId) -> Result<Vec<PendingSplice>> {
        pending::splices(self.conn(), id)
    }

    /// Applies the logged keystrokes to a document just decoded. A keystroke that no longer
    /// applies (its stage's notes were replaced by a value of the wrong type, say) is
    /// reported as a problem and skipped: the rest of the document stays editable.
    pub(crate) fn replay_pending(&mut self, id: DocumentId, fold_now: bool) -> Result<()> {
        let edits = self.pending_splices(id)?;
        if edits.is_empty() {
            return Ok(());
        }
        let mut skipped = 0;
        for splice in &edits {
            if self.apply_splice(id, splice, true).is_err() {
                skipped += 1;
            }
        }
        if skipped > 0 {
            let detail = format!("{skipped} logged keystrokes no longer applied to the notes");
            problems::record(self.conn(), id, ProblemKind::InvalidValue, "notes", &detail, self.now_ms())?;
        }
        let (actor, me) = (self.actor.clone(), self.me.id.clone());
        let now = self.options.clock.now();
        let od = self.docs.get_mut(&id).expect("loaded");
        if !od.actor_registered {
            register_author(&mut od.doc, &actor, &me)?;
            od.actor_registered = true;
        }
        od.pending = Some(PendingRun::new(now));
        if fold_now {
            self.fold(id)?;
        }
        Ok(())
    }

    /// Applies a splice to the in-memory document and its notes cache, after checking its
    /// UTF-16 range against the current text. `create` makes a missing stage Text (when
    /// replaying keystrokes typed against the index).
    fn apply_splice(&mut self, id: DocumentId, s: &PendingSplice, create: bool) -> Result<()> {
        let od = self.docs.get_mut(&id).expect("open");
        if !od.notes.contains_key(&s.stage) {
            let found = interview::read(&od.doc, id)?;
            if found.stage(&s.stage).is_none() {
                return Err(Error::NotFound { kind: "stage", id: s.stage.clone() });
            }
            let obj = match interview::notes_obj(&od.doc, id, &s.stage)? {
                Some(obj) => obj,
                None if create => interview::ensure_notes_obj(&mut od.doc, id, &s.stage)?,
                None => return Err(Error::NotFound { kind: "stage notes", id: s.stage.clone() }),
            };
            let text = od.doc.text(&obj)?;
            od.notes.insert(s.stage.clone(), (obj, text));
        }
        let (obj, text) = od.notes.get_mut(&s.stage).expect("cached above");
        let range = crate::text::splice_range(text, s.pos, s.delete)?;
        check_size(text, range.len(), s.text.len())?;
        od.doc.splice_text(&*obj, s.pos as usize, s.delete as isize, &s.text)?;
        text.replace_range(range, &s.text);
        if !od.dirty_notes.contains(&s.stage) {
            od.dirty_notes.insert(s.stage.clone());
        }
        Ok(())
    }

    fn log_splice(&mut self, id: DocumentId, splice: &PendingSplice) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO pending_edits(doc_id, edit)
                 VALUES (?1, pn_seal((SELECT candidate_id FROM idx_interviews WHERE id = ?1), 'pending_edits.edit', ?1, ?2))",
            )?
            .execute(params![&id.as_bytes()[..], serde_json::to_string(splice).expect("plain struct serializes")])?;
        // Each logged keystroke is a commit that grows the WAL like a fold does; counting it
        // lets `tick` checkpoint (a 45-minute panel grew the lead's WAL to about 200 MB).
        self.unchecked_commits += 1;
        Ok(())
    }

    /// Splices a stage's notes at a UTF-16 position. Durable when it returns.
    pub fn splice_notes(&mut self, interview: DocumentId, stage: &str, position: u64, delete: u64, insert: &str) -> Result<()> {
        if insert.len() > NOTES_LIMIT {
            return Err(Error::TooLarge { what: "a single insertion", size: insert.len() as u64, limit: NOTES_LIMIT as u64 });
        }
        if delete == 0 && insert.is_empty() {
            return Ok(());
        }
        let splice = PendingSplice { stage: stage.to_owned(), pos: position, delete, text: insert.to_owned() };
        self.typing = Some(interview);
        if !self.is_open(interview) && self.splice_undecoded(interview, &splice)? {
            return Ok(());
        }
        let od = self.open_doc(interview, DocKind::Interview)?;
        // Creating the stage's Text (for a document from a peer that lacks it) or recording
        // who this actor is are structured edits: do them as their own change first.
        let needs_setup = !od.actor_registered
            || (!od.notes.contains_key(stage) && interview::notes_obj(&od.doc, interview, stage)?.is_none());
        if needs_setup {
            if interview::read(&od.doc, interview)?.stage(stage).is_none() {
                return Err(Error::NotFound { kind: "stage", id: stage.to_owned() });
            }
            self.edit(
                interview,
                DocKind::Interview,
                |doc| interview::ensure_notes_obj(doc, interview, stage).map(|_| ()),
                |_| Ok(()),
            )?;
        }
        self.apply_splice(interview, &splice, false)?;
        if let Err(e) = self.log_splice(interview, &splice) {
            // Not durable, so not acknowledged: drop the in-memory copy (it holds the splice)
            // and let the next access rebuild it from disk.
            self.forget(interview);
            return Err(e);
        }
        let now = self.options.clock.now();
        let policy = self.policy_for(interview);
        let od = self.docs.get_mut(&interview).expect("open");
        let run = od.pending.get_or_insert(PendingRun::new(now));
        run.record(now, insert);
        if run.overdue(&policy, now) || policy.cap.is_zero() {
            self.fold(interview)?;
        }
        Ok(())
    }

    /// The keystroke of an interview that is not decoded: checked against the index text,
    /// logged. `false` when the index cannot answer (never indexed, not an interview,
    /// quarantined): the caller decodes as before and reports what is wrong.
    fn splice_undecoded(&mut self, id: DocumentId, splice: &PendingSplice) -> Result<bool> {
        let key = (id, splice.stage.clone());
        if !self.undecoded.contains_key(&key) {
            if !matches!(super::documents::kind_of(self.conn(), id)?, Some((DocKind::Interview, None))) {
                return Ok(false);
            }
            // The index holds a row for every stage of an indexed interview.
            let Some(mut text) = super::index::stage_notes(self.conn(), id, &splice.stage)? else {
                if super::index::has_notes(self.conn(), id)? {
                    return Err(Error::NotFound { kind: "stage", id: splice.stage.clone() });
                }
                return Ok(false);
            };
            for logged in pending::splices(self.conn(), id)?.into_iter().filter(|p| p.stage == splice.stage) {
                logged.apply_to(&mut text)?;
            }
            self.undecoded.insert(key.clone(), text);
        }
        let text = self.undecoded.get(&key).expect("inserted above");
        let range = crate::text::splice_range(text, splice.pos, splice.delete)?;
        check_size(text, range.len(), splice.text.len())?;
        if let Err(e) = self.log_splice(id, splice) {
            self.undecoded.remove(&key);
            return Err(e);
        }
        self.undecoded.get_mut(&key).expect("present").replace_range(range, &splice.text);
        Ok(true)
    }

    /// Interviews typed in without being decoded, so `flush` can fold their keystrokes.
    pub(crate) fn undecoded_ids(&self) -> Vec<DocumentId> {
        let mut ids: Vec<DocumentId> = self.undecoded.keys().map(|(id, _)| *id).collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Forgets what keystrokes to `id` were checked against: its decoded form replaces it.
    pub(crate) fn drop_undecoded(&mut self, id: DocumentId) {
        self.undecoded.retain(|(doc, _), _| *doc != id);
    }

    /// Decodes a document into memory ahead of its first edit, so that edit is not the one
    /// that waits for the load. The apps decode off the writer instead (`start_decode`).
    pub fn preload(&mut self, id: DocumentId) -> Result<()> {
        let kind = self.kind_or_not_found(id)?;
        self.open_doc(id, kind).map(|_| ())
    }

    /// Drops a document's decoded form (after folding its keystrokes), for memory pressure.
    pub fn unload(&mut self, id: DocumentId) -> Result<()> {
        self.fold(id)?;
        self.forget(id);
        Ok(())
    }
}
