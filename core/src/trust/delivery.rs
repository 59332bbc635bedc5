//! Envelopes in and out of this store: sealing this device's new changes to a panel's
//! documents, one run per document per flush, and taking in a peer's envelopes through
//! every check before a byte reaches Automerge. A refused envelope is recorded with the
//! device that signed it and the sync goes on; one that may become valid is held, bounded,
//! and tried again whenever the roster or a document moves on.

use automerge::ChangeHash;
use rusqlite::{params, OptionalExtension};

use super::envelope::{self, Hold, Rejection, Verdict};
use super::rejection_code::EnvelopeRejection;
use super::roster::Hash;
use super::rules;
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::store::changes::Applied;
use crate::store::Store;

/// The most envelopes held per panel, and the most changes sealed into one envelope.
pub const MAX_HELD: usize = 1024;
const RUN_LEN: usize = 512;

/// What became of one envelope from a peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Receipt {
    Applied { document: DocumentId, changed: bool },
    /// The same envelope came before.
    Duplicate,
    Held(Hold),
    Rejected(Rejection),
}

/// A refused envelope, as the store recorded it: the signing device's fingerprint when it
/// is known, and why. Never what the envelope held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvelopeProblem {
    pub device: Option<String>,
    pub code: EnvelopeRejection,
    /// The rejection in English (device fingerprints only), for the CLI.
    pub reason: String,
    pub at_ms: i64,
}

fn rejection_device(r: &Rejection) -> Option<String> {
    match r {
        Rejection::BadSignature(d) | Rejection::NotMember(d) => Some(d.clone()),
        Rejection::NotInPanel { device }
        | Rejection::ForeignChange { device }
        | Rejection::RunMismatch { device }
        | Rejection::Rule { device, .. }
        | Rejection::Equivocation { device, .. } => Some(device.clone()),
        Rejection::Malformed(_) | Rejection::Undecryptable | Rejection::WrongPanel | Rejection::Erased => None,
    }
}

/// How far a document's runs were sealed: its last sequence number and heads.
pub(crate) type Sealed = (DocumentId, u64, Vec<ChangeHash>);

fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

fn decode_heads(bytes: &[u8]) -> Vec<ChangeHash> {
    bytes.chunks_exact(32).map(|c| ChangeHash(c.try_into().expect("32 bytes"))).collect()
}

impl Store {
    /// Seals this device's changes to the panel's documents that no envelope carried yet.
    /// Returns the envelopes to deliver (to every member, by any path), oldest first.
    pub fn seal_outgoing(&mut self, id: &Hash) -> Result<Vec<Vec<u8>>> {
        let (envelopes, sealed) = self.seal_runs(id)?;
        self.mark_sealed(id, &sealed)?;
        self.remember_own_runs(id, &envelopes)?;
        Ok(envelopes)
    }

    /// Records how far each document's runs were sealed. Called once the envelopes are safely
    /// posted: if posting fails, the same changes are sealed again next time, never skipped.
    pub(crate) fn mark_sealed(&mut self, id: &Hash, sealed: &[Sealed]) -> Result<()> {
        for (doc, seq, heads) in sealed {
            self.conn().execute(
                "INSERT INTO outbox_runs(genesis, doc_id, seq, heads) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(genesis, doc_id) DO UPDATE SET seq = excluded.seq, heads = excluded.heads",
                params![&id[..], &doc.as_bytes()[..], *seq as i64, encode_heads(heads)],
            )?;
        }
        Ok(())
    }

    /// The envelopes of what no envelope carried yet, and how far that goes per document.
    pub(crate) fn seal_runs(&mut self, id: &Hash) -> Result<(Vec<Vec<u8>>, Vec<Sealed>)> {
        self.flush()?;
        let roster = self.roster(id)?;
        let state = roster.state().clone();
        let me = self.device().signing;
        if state.current(&me).is_none() {
            return Err(Error::NotPermitted("this device is not a member of the panel".into()));
        }
        let secret = self
            .epoch_secret(&roster, state.epoch)
            .ok_or_else(|| Error::NotPermitted("this device does not hold the panel's current secret".into()))?;
        // An admin also vouches for changes by devices this panel does not have (other panels
        // of the same candidate, history from before the roster): without them, its own
        // changes that build on them would wait forever on this panel's phones.
        let admin = state.is_admin(&me);
        let members: std::collections::HashSet<automerge::ActorId> = state.members.values().map(|m| m.device.actor()).collect();
        let keep = |actor: &automerge::ActorId, mine: &automerge::ActorId| actor == mine || (admin && !members.contains(actor));
        let mut out = Vec::new();
        let mut sealed = Vec::new();
        for (&doc, &kind) in &state.documents {
            let (mut seq, since): (u64, Vec<ChangeHash>) = self
                .conn()
                .query_row("SELECT seq, heads FROM outbox_runs WHERE genesis = ?1 AND doc_id = ?2", params![&id[..], &doc.as_bytes()[..]], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, decode_heads(&r.get::<_, Vec<u8>>(1)?)))
                })
                .optional()?
                .unwrap_or((0, Vec::new()));
            let Some((changes, heads)) = self.changes_for_envelopes(doc, &since, &keep)? else { continue };
            if changes.is_empty() {
                continue;
            }
            let mut changes = changes;
            for run in changes.chunks_mut(RUN_LEN) {
                seq += 1;
                out.push(envelope::seal(self.device_keys(), &secret, state.epoch, state.panel, doc, kind, roster.head(), seq, run, self.random_bytes()));
            }
            sealed.push((doc, seq, heads));
        }
        Ok((out, sealed))
    }

    /// Takes in one envelope from a peer for the panel whose roster is `id`.
    pub fn receive_envelope(&mut self, id: &Hash, bytes: &[u8]) -> Result<Receipt> {
        if self.is_erased_id(&id[..])? {
            return Ok(Receipt::Rejected(Rejection::Erased));
        }
        let receipt = self.receive_one(id, bytes)?;
        // A removed device's held change may be what a waiting member's run builds on.
        if matches!(receipt, Receipt::Applied { changed: true, .. } | Receipt::Held(Hold::AfterRemoval { .. })) {
            self.retry_held(id)?;
        }
        Ok(receipt)
    }

    fn receive_one(&mut self, id: &Hash, bytes: &[u8]) -> Result<Receipt> {
        let roster = self.roster(id)?;
        let opened = match envelope::open(bytes, &roster, |e| self.epoch_secret(&roster, e)) {
            Verdict::Reject(r) => return self.refuse(id, r),
            Verdict::Hold(h) => return self.hold(id, bytes, h),
            Verdict::Open(o) => o,
        };
        self.take_opened(id, bytes, &roster, opened)
    }

    /// The checks that need the document, then the changes themselves, for an envelope that
    /// opened against `roster`.
    pub(crate) fn take_opened(&mut self, id: &Hash, bytes: &[u8], roster: &super::roster::Roster, opened: Box<envelope::Opened>) -> Result<Receipt> {
        let b = &opened.body;
        if self.is_erased(b.document)? {
            return Ok(Receipt::Rejected(Rejection::Erased));
        }
        let digest = b.digest();
        let seen: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT digest FROM envelopes_seen WHERE genesis = ?1 AND device = ?2 AND doc_id = ?3 AND seq = ?4",
                params![&id[..], &b.device[..], &b.document.as_bytes()[..], b.seq as i64],
                |r| r.get(0),
            )
            .optional()?;
        let device = opened.author.fingerprint();
        // A second run under one sequence number is flagged, but judged like any other run:
        // refusing whichever arrived second would make the verdict depend on arrival order,
        // and phones that saw the two runs in different orders would never converge.
        let equivocal = match seen {
            Some(d) if d == digest => return Ok(Receipt::Duplicate),
            Some(_) => Some(Rejection::Equivocation { device: device.clone(), seq: b.seq }),
            None => None,
        };
        let (doc, kind) = (b.document, b.kind);
        if !self.has_dependencies(doc, kind, &opened.changes)? && !self.release_held_for(id, roster, &opened)? {
            return self.hold(id, bytes, Hold::MissingDependencies);
        }
        if let Err(violation) = self.read_document(doc, kind, |d| rules::check_run(d, kind, &opened.role, &opened.changes))? {
            return self.refuse(id, Rejection::Rule { device, violation });
        }
        let changed = match self.apply_run(doc, kind, opened.changes.clone()) {
            Ok(Applied::Changed) => true,
            Ok(Applied::Unchanged) => false,
            Ok(Applied::MissingDependencies) => return self.hold(id, bytes, Hold::MissingDependencies),
            // The changes decoded but Automerge refused them: the author's fault, not ours.
            Err(Error::InvalidArgument(_)) => return self.refuse(id, equivocal.unwrap_or(Rejection::ForeignChange { device })),
            Err(e) => return Err(e),
        };
        if let Some(r) = equivocal {
            let refused = self.refuse(id, r)?;
            return Ok(if changed { Receipt::Applied { document: doc, changed } } else { refused });
        }
        self.conn().execute(
            "INSERT OR IGNORE INTO envelopes_seen(genesis, device, doc_id, seq, digest) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&id[..], &b.device[..], &doc.as_bytes()[..], b.seq as i64, &digest[..]],
        )?;
        let hashes: Vec<ChangeHash> = opened.changes.iter().map(|c| c.hash()).collect();
        self.remember_run(id, b, &hashes)?;
        Ok(Receipt::Applied { document: doc, changed })
    }

    fn refuse(&mut self, id: &Hash, r: Rejection) -> Result<Receipt> {
        self.conn().execute(
            "INSERT INTO envelope_rejections(genesis, device, code, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&id[..], rejection_device(&r), EnvelopeRejection::of(&r).as_str(), r.to_string(), self.now_ms()],
        )?;
        Ok(Receipt::Rejected(r))
    }

    fn hold(&mut self, id: &Hash, bytes: &[u8], h: Hold) -> Result<Receipt> {
        let held: i64 = self.conn().query_row("SELECT COUNT(*) FROM envelopes_held WHERE genesis = ?1", [&id[..]], |r| r.get(0))?;
        if held as usize >= MAX_HELD {
            return Ok(Receipt::Held(Hold::QueueFull));
        }
        let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(bytes).into();
        self.conn().execute(
            "INSERT OR IGNORE INTO envelopes_held(genesis, digest, bytes, reason, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&id[..], &digest[..], bytes, format!("{h:?}"), self.now_ms()],
        )?;
        Ok(Receipt::Held(h))
    }

    /// Tries the held envelopes again until none moves: each applied one may be what the
    /// next was waiting for.
    pub(crate) fn retry_held(&mut self, id: &Hash) -> Result<()> {
        loop {
            let mut q = self.conn().prepare("SELECT digest, bytes FROM envelopes_held WHERE genesis = ?1 ORDER BY received_at")?;
            let held: Vec<(Vec<u8>, Vec<u8>)> = q.query_map([&id[..]], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
            drop(q);
            let mut progress = false;
            for (digest, bytes) in held {
                self.conn().execute("DELETE FROM envelopes_held WHERE genesis = ?1 AND digest = ?2", params![&id[..], digest])?;
                match self.receive_one(id, &bytes)? {
                    Receipt::Held(_) => {}
                    _ => progress = true,
                }
            }
            if !progress {
                return Ok(());
            }
        }
    }

    /// Envelopes held for the panel, waiting for the phone to learn more.
    pub fn held_envelopes(&self, id: &Hash) -> Result<usize> {
        let n: i64 = self.conn().query_row("SELECT COUNT(*) FROM envelopes_held WHERE genesis = ?1", [&id[..]], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Envelopes refused for the panel, newest first.
    pub fn envelope_problems(&self, id: &Hash) -> Result<Vec<EnvelopeProblem>> {
        self.problems_in("envelope_rejections", id)
    }

    /// A panel's refusals recorded in `table` (envelopes, or epoch snapshots), newest first.
    /// `table` is a fixed name from the trust code, never input.
    pub(crate) fn problems_in(&self, table: &'static str, id: &Hash) -> Result<Vec<EnvelopeProblem>> {
        let mut q = self.conn().prepare(&format!("SELECT device, code, reason, at FROM {table} WHERE genesis = ?1 ORDER BY at DESC, rowid DESC"))?;
        let rows = q.query_map([&id[..]], |r| {
            let code: String = r.get(1)?;
            Ok(EnvelopeProblem { device: r.get(0)?, code: EnvelopeRejection::parse(&code), reason: r.get(2)?, at_ms: r.get(3)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
