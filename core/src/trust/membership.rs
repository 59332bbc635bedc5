//! This install's rosters: starting a panel's roster as its lead, admitting and removing
//! devices as an admin, and taking in entries from peers. A roster is named by the hash of
//! its genesis entry; it is stored as its accepted entries and rebuilt by folding them, so
//! whatever is on disk passes the same checks as what arrives from a peer.

use rusqlite::{params, OptionalExtension};

use super::codec::{Reader, Writer};
use super::roster::{Action, Entry, Hash, Roster, RosterError, Seat, NO_PARENT};
use super::seal::{unwrap, wrap_to, Secret};
use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::keys::DevicePublic;
use crate::model::DocKind;
use crate::store::Store;

const MAX_STORED_ENTRIES: usize = super::roster::MAX_ENTRIES;

/// What binds a wrapped epoch secret to its panel and epoch.
pub fn wrap_context(panel: &[u8; 16], epoch: u32) -> Vec<u8> {
    let mut c = b"panelnotes epoch secret v1\0".to_vec();
    c.extend_from_slice(panel);
    c.extend_from_slice(&epoch.to_le_bytes());
    c
}

/// Entries in their stored and exchanged form: a count, then each entry length-prefixed.
pub fn encode_entries(entries: &[Entry]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u32(entries.len() as u32);
    for e in entries {
        w.bytes(&e.encode());
    }
    w.finish()
}

pub fn decode_entries(bytes: &[u8]) -> std::result::Result<Vec<Entry>, super::DecodeError> {
    let mut r = Reader::new(bytes);
    let n = r.count("roster entries", MAX_STORED_ENTRIES, 100)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Entry::decode(r.bytes("roster entry", super::roster_entry::MAX_ENTRY)?)?);
    }
    r.end()?;
    Ok(out)
}

fn roster_error(e: RosterError) -> Error {
    match e {
        RosterError::NotAdmin(_) => Error::NotPermitted(e.to_string()),
        other => Error::invalid(other.to_string()),
    }
}

impl Store {
    /// Starts the roster of an interview's panel, as its lead: the interview and its
    /// candidate are the panel's documents, the lead's and panelists' seats are scheduled
    /// (the lead and `deputy` as admins), and this device takes the lead's seat.
    pub fn start_roster(&mut self, interview: DocumentId, deputy: Option<InterviewerId>) -> Result<Hash> {
        let iv = self.interview(interview)?;
        if &iv.lead != self.me() {
            return Err(Error::NotPermitted("only the interview's lead starts its panel".into()));
        }
        let mut seats = vec![Seat { interviewer: iv.lead.clone(), admin: true }];
        for p in iv.panelists.iter().chain(deputy.iter()) {
            if !seats.iter().any(|s| &s.interviewer == p) {
                seats.push(Seat { interviewer: p.clone(), admin: Some(p) == deputy.as_ref() });
            }
        }
        let panel: [u8; 16] = self.random_bytes();
        let secret = Secret::from_bytes(self.random_bytes());
        let me = self.device();
        let wrapped = wrap_to(&me.agreement, &secret, &wrap_context(&panel, 0), self.random_bytes(), self.random_bytes());
        let genesis = Entry::sign(
            self.device_keys(),
            NO_PARENT,
            Action::Genesis {
                panel,
                documents: vec![(interview, DocKind::Interview), (iv.candidate_id, DocKind::Candidate)],
                seats,
                lead_seat: iv.lead.clone(),
                lead_device: me,
                lead_label: "lead".into(),
                wrapped,
            },
        );
        let roster = Roster::new(genesis).map_err(roster_error)?;
        let id = roster.entries()[0].hash();
        self.save_roster(&id, Some(interview), &roster)?;
        // The key sealed scorecards are wrapped to, before any panelist can submit one.
        self.ensure_reveal_key(interview)?;
        Ok(id)
    }

    /// The roster named by its genesis hash.
    pub fn roster(&self, id: &Hash) -> Result<Roster> {
        let bytes: Vec<u8> = self
            .conn()
            .query_row("SELECT entries FROM rosters WHERE genesis = ?1", [&id[..]], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound { kind: "roster", id: hex(id) })?;
        let entries = decode_entries(&bytes).map_err(|e| Error::Corrupt { id: DocumentId::from_bytes([0; 16]), reason: format!("stored roster: {e}") })?;
        let (roster, _) = Roster::from_entries(id, entries).map_err(roster_error)?;
        Ok(roster)
    }

    /// The roster of an interview's panel, if this install holds one.
    pub fn roster_of_interview(&self, interview: DocumentId) -> Result<Option<Hash>> {
        let raw: Option<Vec<u8>> = self
            .conn()
            .query_row("SELECT genesis FROM rosters WHERE interview_id = ?1 ORDER BY updated_at DESC LIMIT 1", [&interview.as_bytes()[..]], |r| r.get(0))
            .optional()?;
        Ok(raw.and_then(|b| b.try_into().ok()))
    }

    /// The rosters this install holds, by genesis hash.
    pub fn rosters(&self) -> Result<Vec<Hash>> {
        let mut q = self.conn().prepare("SELECT genesis FROM rosters ORDER BY updated_at")?;
        let rows = q.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            if let Ok(h) = <Hash>::try_from(row?.as_slice()) {
                out.push(h);
            }
        }
        Ok(out)
    }

    pub(crate) fn save_roster(&mut self, id: &Hash, interview: Option<DocumentId>, roster: &Roster) -> Result<()> {
        // An erased panel, or a new one about an erased candidate, never comes back.
        if self.is_erased_id(&id[..])? {
            return Err(Error::Erased { id: hex(id) });
        }
        for d in roster.state().documents.keys() {
            if self.is_erased(*d)? {
                return Err(Error::Erased { id: d.to_string() });
            }
        }
        self.conn().execute(
            "INSERT INTO rosters(genesis, interview_id, entries, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(genesis) DO UPDATE SET entries = excluded.entries, updated_at = excluded.updated_at,
                 interview_id = COALESCE(excluded.interview_id, rosters.interview_id)",
            params![&id[..], interview.map(|i| i.as_bytes().to_vec()), encode_entries(roster.entries()), self.now_ms()],
        )?;
        let members = roster.state().members.values().map(|m| (m.device.actor().to_hex_string(), m.seat.clone()));
        crate::store::authors::remember_roster_actors(self.conn(), &id[..], members)?;
        self.keyring_changed();
        self.register_mailboxes(id, roster)
    }

    /// Admits a device to a seat, as an admin: the entry carries the current epoch's secret
    /// wrapped to the device, which is its welcome.
    pub fn admit_device(&mut self, id: &Hash, seat: InterviewerId, device: DevicePublic, label: &str) -> Result<Hash> {
        let mut roster = self.roster(id)?;
        let state = roster.state();
        let secret = self.epoch_secret(&roster, state.epoch).ok_or_else(|| Error::NotPermitted("this device does not hold the panel's secret".into()))?;
        let wrapped = wrap_to(&device.agreement, &secret, &wrap_context(&state.panel, state.epoch), self.random_bytes(), self.random_bytes());
        let mut earlier = Vec::new();
        for epoch in 0..state.epoch {
            if let Some(old) = self.epoch_secret(&roster, epoch) {
                earlier.push((epoch, wrap_to(&device.agreement, &old, &wrap_context(&state.panel, epoch), self.random_bytes(), self.random_bytes())));
            }
        }
        let label: String = label.chars().take(super::roster_entry::MAX_LABEL / 4).collect();
        let entry = Entry::sign(self.device_keys(), roster.head(), Action::Admit { seat, device, label, wrapped, earlier });
        let head = roster.append(entry).map_err(roster_error)?;
        self.save_roster(id, None, &roster)?;
        // A late device gets the scorecard keys it is owed (and a deputy the reveal key).
        if let Some(iv) = roster.state().documents.iter().find(|(_, k)| **k == DocKind::Interview).map(|(d, _)| *d) {
            self.release_scorecards(iv)?;
        }
        Ok(head)
    }

    /// Removes a device, as an admin, and starts a new epoch: a fresh secret for the devices
    /// that remain, so what is written from now on is sealed from the removed one. What it
    /// sent before is kept: its last sequence number per document is the cutoff.
    pub fn remove_device(&mut self, id: &Hash, device: [u8; 32]) -> Result<Hash> {
        let mut roster = self.roster(id)?;
        let mut q = self.conn().prepare(
            "SELECT doc_id, MAX(seq) FROM envelopes_seen WHERE genesis = ?1 AND device = ?2 GROUP BY doc_id",
        )?;
        let cutoffs: Vec<(DocumentId, u64)> = q
            .query_map(params![&id[..], &device[..]], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?
            .filter_map(|r| r.ok())
            .filter_map(|(d, s)| Some((DocumentId::from_bytes(d.try_into().ok()?), s as u64)))
            .collect();
        drop(q);
        let entry = Entry::sign(self.device_keys(), roster.head(), Action::Remove { device, cutoffs });
        roster.append(entry).map_err(roster_error)?;
        let state = roster.state().clone();
        let epoch = state.epoch + 1;
        let secret = Secret::from_bytes(self.random_bytes());
        let context = wrap_context(&state.panel, epoch);
        let wrapped = state
            .current_devices()
            .map(|m| (m.device.signing, wrap_to(&m.device.agreement, &secret, &context, self.random_bytes(), self.random_bytes())))
            .collect();
        let head = roster
            .append(Entry::sign(self.device_keys(), roster.head(), Action::NewEpoch { epoch, wrapped }))
            .map_err(roster_error)?;
        self.save_roster(id, None, &roster)?;
        Ok(head)
    }

    /// Takes in roster entries from a peer (its whole roster, or new entries). Returns
    /// whether the roster changed. The first entries for an unknown roster are accepted only
    /// for `expected`, the genesis this phone was told about.
    pub fn import_roster(&mut self, id: &Hash, bytes: &[u8]) -> Result<bool> {
        if self.is_erased_id(&id[..])? {
            return Err(Error::Erased { id: hex(id) });
        }
        let incoming = decode_entries(bytes).map_err(|e| Error::invalid(format!("roster entries: {e}")))?;
        let existing = match self.roster(id) {
            Ok(r) => Some(r),
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        let before = existing.as_ref().map(|r| r.head());
        let removed_before: Vec<[u8; 32]> =
            existing.as_ref().map(|r| r.state().members.iter().filter(|(_, m)| m.removed.is_some()).map(|(k, _)| *k).collect()).unwrap_or_default();
        let all = existing.map(|r| r.entries().to_vec()).unwrap_or_default().into_iter().chain(incoming);
        let (roster, _) = Roster::from_entries(id, all).map_err(roster_error)?;
        if Some(roster.head()) == before {
            return Ok(false);
        }
        let interview = roster.state().documents.iter().find(|(_, k)| **k == DocKind::Interview).map(|(d, _)| *d);
        self.save_roster(id, interview, &roster)?;
        let newly_removed: Vec<[u8; 32]> =
            roster.state().members.iter().filter(|(k, m)| m.removed.is_some() && !removed_before.contains(k)).map(|(k, _)| *k).collect();
        self.acknowledge_applied_after_removal(id, &newly_removed)?;
        self.retry_held(id)?;
        Ok(true)
    }

    /// The roster's entries, to send to a peer.
    pub fn roster_bytes(&self, id: &Hash) -> Result<Vec<u8>> {
        Ok(encode_entries(self.roster(id)?.entries()))
    }

    /// The panel's secret for `epoch`, if it was wrapped to this device.
    pub(crate) fn epoch_secret(&self, roster: &Roster, epoch: u32) -> Option<Secret> {
        let me = self.device().signing;
        let wrapped = roster.wrapped_for(&me, epoch)?;
        unwrap(self.device_keys(), wrapped, &wrap_context(&roster.state().panel, epoch))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}
