//! Erasing a candidate (ARCHITECTURE.md, "Trust" → "Erasure"): an admin of the candidate's
//! panels signs a record of the ids, posts it in its outboxes, destroys the keys and purges;
//! every member that receives the record checks the signer against the roster it holds,
//! does the same and acknowledges. Tombstoned ids are refused from any peer forever. A legal
//! hold blocks all of it.

use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::keys::DevicePublic;
use crate::store::purge::Purge;
use crate::store::Store;
use crate::trust::erasure::{self, ErasureAck, ErasureRecord};
use crate::trust::roster::{Hash, Roster};

/// Where one erasure stands on this device: how many of the panels' devices this device
/// knows to have purged (itself included).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ErasureStatus {
    pub candidate_id: String,
    pub erased_at_ms: i64,
    pub acknowledged: u32,
    pub expected: u32,
}

impl Store {
    /// Sets or clears the legal hold on a candidate: while it is set, erasure (by hand or by
    /// the retention rule) is refused.
    pub fn set_legal_hold(&mut self, candidate: DocumentId, hold: bool) -> Result<()> {
        self.refuse_erased(candidate)?;
        if hold {
            self.conn().execute(
                "INSERT OR IGNORE INTO legal_holds(candidate, set_at) VALUES (?1, ?2)",
                params![&candidate.as_bytes()[..], self.now_ms()],
            )?;
        } else {
            self.conn().execute("DELETE FROM legal_holds WHERE candidate = ?1", [&candidate.as_bytes()[..]])?;
        }
        Ok(())
    }

    pub fn legal_hold(&self, candidate: DocumentId) -> Result<bool> {
        Ok(self.conn().prepare_cached("SELECT 1 FROM legal_holds WHERE candidate = ?1")?.exists([&candidate.as_bytes()[..]])?)
    }

    fn refuse_erased(&self, id: DocumentId) -> Result<()> {
        if self.is_erased(id)? {
            return Err(Error::Erased { id: id.to_string() });
        }
        Ok(())
    }

    /// The candidate's documents this device knows of: the candidate first, then its
    /// interviews (from the document, and from the index for ones it no longer lists).
    fn candidate_documents(&mut self, candidate: DocumentId) -> Result<Vec<DocumentId>> {
        let mut out = vec![candidate];
        if let Ok(c) = self.candidate(candidate) {
            out.extend(c.interviews);
        }
        let mut q = self.conn().prepare("SELECT id FROM idx_interviews WHERE candidate_id = ?1")?;
        let rows: Vec<Vec<u8>> = q.query_map([&candidate.as_bytes()[..]], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        drop(q);
        out.extend(rows.into_iter().filter_map(|b| Some(DocumentId::from_bytes(b.try_into().ok()?))));
        let mut seen = std::collections::HashSet::new();
        out.retain(|d| seen.insert(*d));
        out.truncate(erasure::MAX_DOCUMENTS);
        Ok(out)
    }

    /// The rosters this device holds for panels about the candidate.
    fn candidate_rosters(&self, documents: &[DocumentId]) -> Result<Vec<(Hash, Roster)>> {
        let mut out = Vec::new();
        for id in self.rosters()? {
            let roster = self.roster(&id)?;
            if roster.state().documents.keys().any(|d| documents.contains(d)) {
                out.push((id, roster));
            }
        }
        Ok(out)
    }

    /// Erases a candidate on this device, as an admin of every panel about them this device
    /// holds (the candidate's lead when there is no roster). The signed record goes into
    /// this device's outboxes first; then the keys are destroyed and everything purged.
    pub fn erase_candidate(&mut self, candidate: DocumentId) -> Result<ErasureStatus> {
        self.refuse_erased(candidate)?;
        if self.legal_hold(candidate)? {
            return Err(Error::LegalHold { candidate });
        }
        let known = self.candidate(candidate)?;
        let me = self.device().signing;
        let documents = self.candidate_documents(candidate)?;
        let rosters = self.candidate_rosters(&documents)?;
        if rosters.is_empty() {
            if known.lead.as_ref() != Some(self.me()) {
                return Err(Error::NotPermitted("only the candidate's lead erases a candidate".into()));
            }
        } else if rosters.iter().any(|(_, r)| !r.state().is_admin(&me)) {
            return Err(Error::NotPermitted("only an admin of the candidate's panels erases a candidate".into()));
        }
        let panels: Vec<Hash> = rosters.iter().map(|(id, _)| *id).take(erasure::MAX_PANELS).collect();
        let record = ErasureRecord::sign(self.device_keys(), candidate, documents.clone(), panels, self.now_ms()).encode();
        let mut keep_outboxes = Vec::new();
        for (id, roster) in &rosters {
            keep_outboxes.extend(self.post_erasure(id, roster, &record)?);
        }
        let purge = self.purge_plan(candidate, documents, &rosters, record, keep_outboxes);
        self.purge(&purge)?;
        self.erasure_status(candidate)
    }

    fn purge_plan(&self, candidate: DocumentId, documents: Vec<DocumentId>, rosters: &[(Hash, Roster)], record: Vec<u8>, keep_outboxes: Vec<DocumentId>) -> Purge {
        let mut sessions = Vec::new();
        let mut devices: Vec<DevicePublic> = Vec::new();
        for (_, roster) in rosters {
            let state = roster.state();
            for epoch in 0..=state.epoch {
                if let Some(secret) = self.epoch_secret(roster, epoch) {
                    sessions.push((secret.derive_id("noise tag", &state.panel), secret.derive("noise psk", &state.panel).0));
                }
            }
            for m in state.current_devices() {
                if !devices.contains(&m.device) {
                    devices.push(m.device);
                }
            }
        }
        if devices.is_empty() {
            devices.push(self.device());
        }
        let ack = ErasureAck::sign(self.device_keys(), candidate, self.now_ms()).encode();
        Purge { candidate, documents, panels: rosters.iter().map(|(id, _)| *id).collect(), record, sessions, devices, ack, keep_outboxes }
    }

    /// Takes in an erasure record from a peer. The signer must be an admin, in the roster
    /// this device holds, of a panel about the candidate, and of every such panel it holds;
    /// then this device purges the same way. A record for a candidate already erased here
    /// changes nothing. Returns the candidate.
    pub fn receive_erasure(&mut self, bytes: &[u8]) -> Result<DocumentId> {
        let record = ErasureRecord::decode(bytes).map_err(|e| Error::invalid(format!("erasure record: {e}")))?;
        if !record.verify() {
            return Err(Error::NotPermitted("the erasure record's signature is not its signer's".into()));
        }
        let candidate = record.candidate;
        if self.is_erased(candidate)? {
            return Ok(candidate);
        }
        if self.legal_hold(candidate)? {
            // A hold here is a local fact the admin may not know of: keep the data, refuse.
            return Err(Error::LegalHold { candidate });
        }
        let mut documents = self.candidate_documents(candidate)?;
        for d in &record.documents {
            if !documents.contains(d) && documents.len() < erasure::MAX_DOCUMENTS {
                documents.push(*d);
            }
        }
        let rosters = self.candidate_rosters(&documents)?;
        let vouched = rosters.iter().any(|(id, r)| record.panels.contains(id) && r.state().documents.contains_key(&candidate));
        if !vouched || rosters.iter().any(|(_, r)| !r.state().is_admin(&record.signer)) {
            return Err(Error::NotPermitted("the erasure record is not signed by an admin of the candidate's panel".into()));
        }
        let purge = self.purge_plan(candidate, documents, &rosters, bytes.to_vec(), Vec::new());
        self.purge(&purge)?;
        Ok(candidate)
    }

    /// Acknowledgements from peers: each must be signed by a device of the erased panels.
    /// Returns how many were new.
    pub fn take_erasure_acks(&mut self, acks: &[ErasureAck]) -> Result<usize> {
        let mut added = 0;
        for a in acks {
            let c = &a.candidate.as_bytes()[..];
            let expected = self
                .conn()
                .prepare_cached("SELECT 1 FROM erasure_devices WHERE candidate = ?1 AND signing = ?2")?
                .exists(params![c, &a.device[..]])?;
            if expected && a.verify() {
                added += self.conn().execute(
                    "INSERT OR IGNORE INTO erasure_acks(candidate, device, ack) VALUES (?1, ?2, ?3)",
                    params![c, &a.device[..], a.encode()],
                )?;
            }
        }
        Ok(added)
    }

    /// The acknowledgements this device holds for an erasure, encoded.
    pub(crate) fn erasure_acks(&self, candidate: DocumentId) -> Result<Vec<Vec<u8>>> {
        let mut q = self.conn().prepare("SELECT ack FROM erasure_acks WHERE candidate = ?1 ORDER BY device")?;
        let rows = q.query_map([&candidate.as_bytes()[..]], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The record of an erasure done here, encoded.
    pub(crate) fn erasure_record(&self, candidate: DocumentId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn()
            .query_row("SELECT record FROM erasures WHERE candidate = ?1", [&candidate.as_bytes()[..]], |r| r.get(0))
            .optional()?)
    }

    /// What a session for an erased panel answers: the record and the acknowledgements.
    pub(crate) fn erasure_notice(&self, candidate: DocumentId) -> Result<Vec<u8>> {
        let record = self.erasure_record(candidate)?.ok_or_else(|| Error::NotFound { kind: "erasure", id: candidate.to_string() })?;
        Ok(erasure::encode_notice(&record, &self.erasure_acks(candidate)?))
    }

    /// Takes in a notice from a peer (the record, then acknowledgements); returns the
    /// candidate and the acknowledgements this device now holds, its own among them.
    pub(crate) fn receive_erasure_notice(&mut self, bytes: &[u8]) -> Result<(DocumentId, Vec<Vec<u8>>)> {
        let (record, acks) = erasure::decode_notice(bytes).map_err(|e| Error::invalid(format!("erasure notice: {e}")))?;
        let candidate = self.receive_erasure(&record.encode())?;
        self.take_erasure_acks(&acks)?;
        Ok((candidate, self.erasure_acks(candidate)?))
    }

    /// The erased candidate a session tag belongs to, with the session's pre-shared key.
    pub(crate) fn erased_session(&self, tag: &[u8; 8]) -> Result<Option<(DocumentId, [u8; 32])>> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .conn()
            .query_row("SELECT candidate, psk FROM erased_sessions WHERE tag = ?1", [&tag[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(c, k)| Some((DocumentId::from_bytes(c.try_into().ok()?), k.try_into().ok()?))))
    }

    /// Every erased panel's session keys (tag, pre-shared key), for a listener's keyring.
    pub(crate) fn erased_session_keys(&self) -> Result<Vec<([u8; 8], [u8; 32])>> {
        let mut q = self.conn().prepare("SELECT tag, psk FROM erased_sessions")?;
        let rows: Vec<(Vec<u8>, Vec<u8>)> = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(rows.into_iter().filter_map(|(t, k)| Some((t.try_into().ok()?, k.try_into().ok()?))).collect())
    }

    /// One session key of an erasure, to dial a peer with (spreading acknowledgements).
    pub(crate) fn erasure_session_key(&self, candidate: DocumentId) -> Result<([u8; 8], [u8; 32])> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .conn()
            .query_row("SELECT tag, psk FROM erased_sessions WHERE candidate = ?1 ORDER BY tag LIMIT 1", [&candidate.as_bytes()[..]], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        row.and_then(|(t, k)| Some((t.try_into().ok()?, k.try_into().ok()?)))
            .ok_or_else(|| Error::NotFound { kind: "erased panel", id: candidate.to_string() })
    }

    /// Whether `agreement` (a Noise static key a peer proved) is one of an erasure's devices.
    pub(crate) fn is_erasure_device(&self, candidate: DocumentId, agreement: &[u8; 32]) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM erasure_devices WHERE candidate = ?1 AND agreement = ?2")?
            .exists(params![&candidate.as_bytes()[..], &agreement[..]])?)
    }

    /// Where the erasure of `candidate` stands on this device.
    pub fn erasure_status(&self, candidate: DocumentId) -> Result<ErasureStatus> {
        let c = &candidate.as_bytes()[..];
        let erased_at: i64 = self
            .conn()
            .query_row("SELECT erased_at FROM erasures WHERE candidate = ?1", [c], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound { kind: "erasure", id: candidate.to_string() })?;
        let expected: i64 = self.conn().query_row("SELECT COUNT(*) FROM erasure_devices WHERE candidate = ?1", [c], |r| r.get(0))?;
        let acknowledged: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM erasure_acks a JOIN erasure_devices d ON a.candidate = d.candidate AND a.device = d.signing WHERE a.candidate = ?1",
            [c],
            |r| r.get(0),
        )?;
        Ok(ErasureStatus { candidate_id: candidate.to_string(), erased_at_ms: erased_at, acknowledged: acknowledged as u32, expected: expected as u32 })
    }

    /// Every erasure this device did or took in, oldest first.
    pub fn erasures(&self) -> Result<Vec<ErasureStatus>> {
        let mut q = self.conn().prepare("SELECT candidate FROM erasures ORDER BY erased_at, candidate")?;
        let ids: Vec<Vec<u8>> = q.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        drop(q);
        ids.into_iter()
            .filter_map(|b| Some(DocumentId::from_bytes(b.try_into().ok()?)))
            .map(|c| self.erasure_status(c))
            .collect()
    }

    /// This device's outboxes kept to carry erasure records, to sync with the relay.
    pub fn erasure_outboxes(&self) -> Result<crate::sync::Grant> {
        let mut q = self.conn().prepare("SELECT doc_id FROM erasure_outboxes")?;
        let ids: Vec<Vec<u8>> = q.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(crate::sync::Grant::documents(ids.into_iter().filter_map(|b| Some(DocumentId::from_bytes(b.try_into().ok()?)))))
    }
}
