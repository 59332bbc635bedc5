//! What the sync engine needs from the store: the install's storage id, per-(document, peer)
//! sync state kept across connections, and sync messages generated from and applied to the
//! durable documents, with the index tables updated in the same transaction.

use automerge::sync::{Message, State, SyncDoc};
use automerge::{AutoCommit, TextEncoding};
use rusqlite::{params, OptionalExtension};

use super::{documents, Store};
use crate::error::{Error, Result};
use crate::ids::DocumentId;

impl Store {
    /// Stable for this install: peers key the sync state they keep with us by it.
    pub fn storage_id(&self) -> Result<String> {
        let existing: Option<String> = self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'storage_id'", [], |r| r.get(0))
            .optional()?;
        if let Some(s) = existing {
            return Ok(s);
        }
        let id: [u8; 16] = self.random_bytes();
        let s = id.iter().map(|b| format!("{b:02x}")).collect::<String>();
        self.conn()
            .execute("INSERT INTO meta(key, value) VALUES ('storage_id', ?1)", [&s])?;
        Ok(s)
    }

    /// The sync state last agreed with `peer` (a storage id) for `doc`, rebuilt from its
    /// encoded form as automerge requires after a reconnect; fresh if none or unreadable.
    pub(crate) fn sync_state(&self, doc: DocumentId, peer: &str) -> Result<State> {
        let raw: Option<Vec<u8>> = self
            .conn()
            .prepare_cached("SELECT state FROM sync_states WHERE doc_id = ?1 AND peer = ?2")?
            .query_row(params![&doc.as_bytes()[..], peer], |r| r.get(0))
            .optional()?;
        Ok(raw.and_then(|b| State::decode(&b).ok()).unwrap_or_default())
    }

    pub(crate) fn save_sync_state(&self, doc: DocumentId, peer: &str, state: &State) -> Result<()> {
        // A session still open when its documents were erased keeps no trace of them.
        if self.is_erased(doc)? {
            return Ok(());
        }
        self.conn()
            .prepare_cached(
                "INSERT INTO sync_states(doc_id, peer, state) VALUES (?1, ?2, ?3)
                 ON CONFLICT(doc_id, peer) DO UPDATE SET state = excluded.state",
            )?
            .execute(params![&doc.as_bytes()[..], peer, state.encode()])?;
        Ok(())
    }

    /// Whether the document is here and usable.
    pub fn has_document(&self, id: DocumentId) -> Result<bool> {
        Ok(matches!(documents::kind_of(self.conn(), id)?, Some((_, None))))
    }

    /// The next sync message for a peer in `state`, or `None` when it has everything we know
    /// it needs. For a document we lack, the message asks for it.
    pub(crate) fn generate_sync_message(&mut self, id: DocumentId, state: &mut State) -> Result<Option<Vec<u8>>> {
        match documents::kind_of(self.conn(), id)? {
            Some((_, Some(_))) => Ok(self.healing_sync_message(id, state)),
            Some((kind, None)) => {
                let od = self.open_folded(id, kind)?;
                Ok(od.doc.sync().generate_sync_message(state).map(Message::encode))
            }
            None => Ok(AutoCommit::new().sync().generate_sync_message(state).map(Message::encode)),
        }
    }

    /// Applies a peer's sync message. Returns whether the document changed. New changes are
    /// durable and indexed before this returns; a document we did not have is created when
    /// the message brings its content.
    pub(crate) fn receive_sync_message(
        &mut self,
        id: DocumentId,
        state: &mut State,
        message: Message,
    ) -> Result<bool> {
        match documents::kind_of(self.conn(), id)? {
            Some((kind, Some(_))) => self.receive_healing(id, kind, state, message),
            Some((kind, None)) => {
                let od = self.open_folded(id, kind)?;
                let before = od.doc.get_heads();
                let received = od.doc.sync().receive_sync_message(state, message);
                if let Err(e) = received {
                    self.forget(id);
                    return Err(Error::invalid(format!("sync message rejected: {e}")));
                }
                // Changes whose dependencies have not arrived wait in Automerge's queue,
                // invisible; everything else in the message is applied, so it is saved and
                // indexed now. Waiting for the queue to drain kept later changes (and the
                // notes cache) behind an orphan that might never be resolved.
                let orphaned = !od.doc.get_missing_deps(&[]).is_empty();
                let now = self.options.clock.now();
                let od = self.docs.get_mut(&id).expect("opened");
                od.orphans = if orphaned { Some(od.orphans.map_or((now, 1), |(t, n)| (t, n + 1))) } else { None };
                if od.doc.get_heads() == before {
                    return Ok(false);
                }
                self.persist(id, true, |_| Ok(()))?;
                super::refresh_notes_cache(self.docs.get_mut(&id).expect("opened"))?;
                self.notify(id, super::Origin::Remote);
                Ok(true)
            }
            None => {
                let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit).with_actor(self.actor.clone());
                doc.sync()
                    .receive_sync_message(state, message)
                    .map_err(|e| Error::invalid(format!("sync message rejected: {e}")))?;
                if doc.get_heads().is_empty() || !doc.get_missing_deps(&[]).is_empty() {
                    return Ok(false);
                }
                let kind = if self.is_expected_mailbox(id)? { crate::model::DocKind::Mailbox } else { super::remote::kind_from_root(&doc)? };
                self.store_new(id, kind, doc, super::Origin::Remote)?;
                Ok(true)
            }
        }
    }
}
