//! Joining through the relay (ARCHITECTURE.md, "Invites"): for a phone that scanned a seat
//! invite and is not in the room with the lead. Two kinds of document carry the join, synced
//! with the plain automerge-repo protocol like mailboxes:
//!
//! - the **join box** (the invite's `join_box` id): the joiner posts its join request there,
//!   exactly the bytes the LAN path sends (sealed under the token's key, signed by the
//!   device), written as an actor derived from the token and the device, so the relay cannot
//!   link the joiner's changes to its device's actor on any panel;
//! - the **reply** (an id derived from the token and the joiner's device key): the lead's
//!   device posts the welcome there, sealed to the joiner's X25519 key, so neither the relay
//!   nor someone who photographed the code reads the roster it carries.
//!
//! Why not single-writer documents whose readers drop every other actor, as mailboxes do:
//! the token is in the QR code, so anyone with a photo derives the same actors, and the lead
//! cannot know a joiner's actor before reading its request. Instead every item is
//! self-authenticating and checked on its own: a request must open under the token's key and
//! carry its device's signature, then passes every check of `joining` (expiry, used token,
//! taken seat, known device); a welcome must open under this device's key and hold a roster
//! signed by the lead the code named that admits this device. Garbage fails those checks and
//! changes nothing; reading is bounded (`MAX_CHANGES`, `MAX_ITEMS`, `MAX_ITEM`), so a flood
//! costs at most a bounded pass per sync, and at most a pending request the lead sees.

use automerge::ActorId;
use rusqlite::{params, OptionalExtension};

use super::invite::SeatInvite;
use super::joining::JoinDecision;
use super::roster::Hash;
use super::seal::{unwrap, wrap_to, Secret, NONCE_LEN, WRAPPED_LEN};
use crate::error::Result;
use crate::ids::DocumentId;
use crate::keys::DeviceKeys;
use crate::model::DocKind;
use crate::store::Store;

/// Changes read from one join-box document per pass: what lies beyond is never looked at.
const MAX_CHANGES: usize = 64;
/// Items tried per document per pass.
const MAX_ITEMS: usize = 16;
/// Requests from one open invite (one without a seat) waiting for the lead at once: a photo
/// of the code can queue at most this many; the rest wait until the lead decides.
const MAX_PENDING: i64 = 8;
/// An item larger than this is skipped unread (a welcome holds a roster: well under this).
const MAX_ITEM: usize = 256 * 1024;
/// How long after a code's expiry the joiner still looks for its welcome (seconds).
const GIVE_UP_AFTER_EXPIRY: i64 = 7 * 24 * 3600;
/// The first byte of a reply item (a welcome sealed to one device).
const REPLY_ITEM: u8 = b'W';
const REPLY_HEADER: usize = 1 + WRAPPED_LEN + NONCE_LEN;

/// Where the lead's device posts the welcome for the device whose signing key is `joiner`.
pub fn reply_doc(invite: &SeatInvite, joiner: &[u8; 32]) -> DocumentId {
    DocumentId::from_bytes(invite.key().derive_id("join reply id", joiner))
}

/// The actor a joiner's device writes its request as: stable for the device and the token
/// (a second post continues its own chain), unlinkable to the device's own actor.
fn request_actor(invite: &SeatInvite, joiner: &[u8; 32]) -> ActorId {
    ActorId::from(&invite.key().derive_id::<16>("join request actor", joiner)[..])
}

/// The actor the lead's device writes a reply as. It names the lead's signing key, which the
/// code gives only as a fingerprint, so a photo of the code does not give it.
fn reply_actor(invite: &SeatInvite, joiner: &[u8; 32], lead: &[u8; 32]) -> ActorId {
    let mut context = joiner.to_vec();
    context.extend_from_slice(lead);
    ActorId::from(&invite.key().derive_id::<16>("join reply actor", &context)[..])
}

fn wrap_context(reply: &DocumentId) -> Vec<u8> {
    let mut c = b"panelnotes join reply v1\0".to_vec();
    c.extend_from_slice(reply.as_bytes());
    c
}

/// What the lead posts in `reply`: `welcome` sealed under a fresh key wrapped to the
/// joiner's X25519 key `recipient`. `key`, `ephemeral` and the nonces come from the caller.
pub fn seal_reply(recipient: &[u8; 32], reply: &DocumentId, welcome: &[u8], key: [u8; 32], ephemeral: [u8; 32], nonces: [[u8; NONCE_LEN]; 2]) -> Vec<u8> {
    let key = Secret::from_bytes(key);
    let context = wrap_context(reply);
    let mut out = vec![REPLY_ITEM];
    out.extend(wrap_to(recipient, &key, &context, ephemeral, nonces[0]));
    out.extend_from_slice(&nonces[1]);
    let mut aad = out.clone();
    aad.extend_from_slice(&context);
    out.extend(key.seal(&nonces[1], &aad, welcome));
    out
}

/// The welcome in a reply item, if `keys` is the device it was sealed to; `None` for any
/// other item, damaged or foreign. Never panics on any input.
pub fn open_reply(keys: &DeviceKeys, reply: &DocumentId, item: &[u8]) -> Option<Vec<u8>> {
    if item.len() < REPLY_HEADER || item.len() > MAX_ITEM || item[0] != REPLY_ITEM {
        return None;
    }
    let context = wrap_context(reply);
    let key = unwrap(keys, &item[1..1 + WRAPPED_LEN], &context)?;
    let nonce: [u8; NONCE_LEN] = item[1 + WRAPPED_LEN..REPLY_HEADER].try_into().ok()?;
    let mut aad = item[..REPLY_HEADER].to_vec();
    aad.extend_from_slice(&context);
    key.open(&nonce, &aad, &item[REPLY_HEADER..]).map(|p| p.to_vec())
}

/// The documents of one join through the relay, on the joiner's phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JoinBox {
    pub join_box: DocumentId,
    pub reply: DocumentId,
}

impl Store {
    /// The items in a join-box document, whoever wrote them, within the bounds above.
    fn join_box_items(&mut self, id: DocumentId) -> Vec<Vec<u8>> {
        use automerge::legacy::{Key, ObjectId, OpType};
        let read = self.read_document(id, DocKind::Mailbox, |doc| {
            let mut out = Vec::new();
            for change in doc.get_changes(&[]).into_iter().take(MAX_CHANGES) {
                // Legacy expansion asserts what loading already checked; a change that still
                // trips it gives nothing.
                let Ok(expanded) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change.decode())) else { continue };
                for op in expanded.operations {
                    if let (ObjectId::Root, Key::Map(_), OpType::Put(automerge::ScalarValue::Bytes(b))) = (op.obj, op.key, op.action) {
                        if out.len() < MAX_ITEMS && b.len() <= MAX_ITEM {
                            out.push(b);
                        }
                    }
                }
            }
            out
        });
        // A quarantined document, or one of another kind, holds nothing for a join.
        read.unwrap_or_default()
    }

    fn register_join_doc(&mut self, doc: DocumentId, join_box: DocumentId, role: &str, device: Option<&[u8; 32]>) -> Result<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO join_box_docs(doc_id, join_box, role, device) VALUES (?1, ?2, ?3, ?4)",
            params![&doc.as_bytes()[..], &join_box.as_bytes()[..], role, device.map(|d| &d[..])],
        )?;
        Ok(())
    }

    /// The joiner's phone posts its join request for `invite` into the join box (once; a
    /// second call posts nothing new) and waits for a reply in its reply document.
    pub fn post_join_request(&mut self, invite: &SeatInvite, label: &str) -> Result<JoinBox> {
        let me = self.device().signing;
        let boxes = JoinBox { join_box: invite.join_box(), reply: reply_doc(invite, &me) };
        let actor = request_actor(invite, &me);
        if self.mailbox_items(boxes.join_box, &actor, 0)?.is_empty() {
            let request = self.join_request(invite, label)?;
            self.append_to_mailbox(boxes.join_box, &actor, 0, &[request])?;
        }
        self.register_join_doc(boxes.join_box, boxes.join_box, "request", None)?;
        self.register_join_doc(boxes.reply, boxes.join_box, "reply", None)?;
        Ok(boxes)
    }

    /// The joins this phone posted through the relay and has no welcome for yet. A code
    /// that expired a week ago is given up: the lead's device stopped reading its box at the
    /// expiry, and a welcome posted before then has had a week to be picked up.
    pub fn waiting_relay_joins(&self) -> Result<Vec<JoinBox>> {
        let mut q = self.conn().prepare(
            "SELECT d.join_box, d.doc_id FROM join_box_docs d JOIN joins j ON j.join_box = d.join_box
             WHERE d.role = 'reply' AND j.genesis IS NULL AND j.expires >= ?1 ORDER BY d.rowid",
        )?;
        let rows = q.query_map([self.now().timestamp() - GIVE_UP_AFTER_EXPIRY], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (b, r) = row?;
            let (Ok(b), Ok(r)) = (<[u8; 16]>::try_from(b.as_slice()), <[u8; 16]>::try_from(r.as_slice())) else { continue };
            out.push(JoinBox { join_box: DocumentId::from_bytes(b), reply: DocumentId::from_bytes(r) });
        }
        Ok(out)
    }

    /// The joiner's phone looks in its reply document for a welcome it can open and that
    /// `accept_welcome` takes (the roster's lead is the device the code named, and it admits
    /// this device). Returns the panel's roster id once welcomed.
    pub fn take_relay_welcome(&mut self, boxes: &JoinBox) -> Result<Option<Hash>> {
        let done: Option<Option<Vec<u8>>> = self
            .conn()
            .query_row("SELECT genesis FROM joins WHERE join_box = ?1", [&boxes.join_box.as_bytes()[..]], |r| r.get(0))
            .optional()?;
        if let Some(Some(genesis)) = done {
            return Ok(<Hash>::try_from(genesis.as_slice()).ok());
        }
        for item in self.join_box_items(boxes.reply) {
            let Some(welcome) = open_reply(self.device_keys(), &boxes.reply, &item) else { continue };
            if let Ok(genesis) = self.accept_welcome(&welcome) {
                return Ok(Some(genesis));
            }
        }
        Ok(None)
    }

    /// On the lead's device: the join boxes of its seat tokens still to answer (unexpired,
    /// and unused, or used by a device the lead admitted from its queue whose welcome is not
    /// posted yet; a code used on the LAN is done), each with the replies already posted for
    /// it (synced again, in case the relay lost them).
    pub fn open_join_boxes(&mut self) -> Result<Vec<(DocumentId, Vec<DocumentId>)>> {
        let boxes: Vec<Vec<u8>> = {
            let mut q = self.conn().prepare(
                "SELECT t.join_box FROM seat_tokens t WHERE t.expires >= ?1 AND (t.used_by IS NULL OR (
                   EXISTS (SELECT 1 FROM join_requests r WHERE r.join_box = t.join_box AND r.device = t.used_by AND r.decided = 'admitted')
                   AND NOT EXISTS (SELECT 1 FROM join_box_docs d WHERE d.join_box = t.join_box AND d.role = 'answer' AND d.device = t.used_by)))
                 ORDER BY t.rowid",
            )?;
            let rows = q.query_map([self.now().timestamp()], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for b in boxes {
            let Ok(b) = <[u8; 16]>::try_from(b.as_slice()) else { continue };
            let join_box = DocumentId::from_bytes(b);
            self.register_join_doc(join_box, join_box, "box", None)?;
            out.push((join_box, self.answers_posted(join_box)?));
        }
        Ok(out)
    }

    /// The reply documents this lead's device posted for a join box.
    pub fn answers_posted(&self, join_box: DocumentId) -> Result<Vec<DocumentId>> {
        let mut q = self.conn().prepare("SELECT doc_id FROM join_box_docs WHERE join_box = ?1 AND role = 'answer'")?;
        let rows = q.query_map([&join_box.as_bytes()[..]], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            if let Ok(id) = <[u8; 16]>::try_from(row?.as_slice()) {
                out.push(DocumentId::from_bytes(id));
            }
        }
        Ok(out)
    }

    /// The lead's device takes the requests in a join box as the LAN path does
    /// (`receive_join_request`: every check, auto-admission or the lead's queue) and posts
    /// the welcome of each admitted device into its reply document, once. Items that fail
    /// any check change nothing. Returns the decisions, one per item read.
    pub fn answer_join_box(&mut self, join_box: DocumentId) -> Result<Vec<JoinDecision>> {
        let row: Option<(Vec<u8>, Vec<u8>, i64)> = self
            .conn()
            .query_row("SELECT genesis, token, expires FROM seat_tokens WHERE join_box = ?1", [&join_box.as_bytes()[..]], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((genesis, token, expires)) = row else { return Ok(Vec::new()) };
        let (Ok(genesis), Ok(token)) = (<Hash>::try_from(genesis.as_slice()), <[u8; 16]>::try_from(token.as_slice())) else {
            return Ok(Vec::new());
        };
        let invite = SeatInvite { token, lead: String::new(), expires };
        let mut decisions = Vec::new();
        for item in self.join_box_items(join_box) {
            if self.pending_in_box(join_box)? >= MAX_PENDING {
                break;
            }
            // A request the store cannot take (a roster it cannot read, say) is skipped, like
            // garbage: the next pass reads it again.
            let Ok(decision) = self.receive_join_request(&item) else { continue };
            if let JoinDecision::Admitted { device, welcome, .. } = &decision {
                self.post_answer(&invite, join_box, &genesis, device, welcome)?;
            }
            decisions.push(decision);
        }
        Ok(decisions)
    }

    fn pending_in_box(&self, join_box: DocumentId) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM join_requests WHERE join_box = ?1 AND decided IS NULL",
            [&join_box.as_bytes()[..]],
            |r| r.get(0),
        )?)
    }

    /// Posts `welcome` for the admitted device whose fingerprint is `device`, unless this
    /// device already did.
    fn post_answer(&mut self, invite: &SeatInvite, join_box: DocumentId, genesis: &Hash, device: &str, welcome: &[u8]) -> Result<()> {
        let roster = self.roster(genesis)?;
        let Some(joiner) = roster.state().current_devices().map(|m| m.device).find(|d| d.fingerprint() == device) else {
            return Ok(());
        };
        let reply = reply_doc(invite, &joiner.signing);
        if !self.answers_posted(join_box)?.contains(&reply) {
            let nonces = [self.random_bytes(), self.random_bytes()];
            let item = seal_reply(&joiner.agreement, &reply, welcome, self.random_bytes(), self.random_bytes(), nonces);
            let actor = reply_actor(invite, &joiner.signing, &self.device().signing);
            self.append_to_mailbox(reply, &actor, 0, &[item])?;
            self.register_join_doc(reply, join_box, "answer", Some(&joiner.signing))?;
        }
        Ok(())
    }

    /// The storage id this install presents to the relay for one join box: stable, and
    /// unlinkable to the install and to its panels' sessions.
    pub fn join_box_storage_id(&self, join_box: &DocumentId) -> Result<String> {
        use sha2::{Digest, Sha256};
        let d = Sha256::new()
            .chain_update(b"panelnotes relay join storage v1\0")
            .chain_update(self.storage_id()?)
            .chain_update(join_box.as_bytes())
            .finalize();
        Ok(d[..16].iter().map(|b| format!("{b:02x}")).collect())
    }
}

#[cfg(test)]
#[path = "join_box_tests.rs"]
mod flood_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_opens_only_for_its_device_and_its_document() {
        let (ben, eve) = (DeviceKeys::from_secret(&[2; 64]), DeviceKeys::from_secret(&[3; 64]));
        let (reply, other) = (DocumentId::from_bytes([5; 16]), DocumentId::from_bytes([6; 16]));
        let item = seal_reply(&ben.public().agreement, &reply, b"welcome bytes", [7; 32], [8; 32], [[9; 24], [10; 24]]);
        assert_eq!(open_reply(&ben, &reply, &item).as_deref(), Some(&b"welcome bytes"[..]));
        assert_eq!(open_reply(&eve, &reply, &item), None, "sealed to Ben's key only");
        assert_eq!(open_reply(&ben, &other, &item), None, "bound to its reply document");
        for cut in [0, 1, REPLY_HEADER - 1, REPLY_HEADER, item.len() - 1] {
            assert_eq!(open_reply(&ben, &reply, &item[..cut]), None, "cut at {cut}");
        }
        let mut flipped = item.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(open_reply(&ben, &reply, &flipped), None);
    }
}
