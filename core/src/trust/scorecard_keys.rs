//! Who holds a sealed scorecard's key (ARCHITECTURE.md, "Sealed scorecards"): its author's
//! device, the admins through the panel's reveal key, and each viewer an admin's phone has
//! released it to. The lead's phone writes the reveal key once; an admin's phone releases a
//! card's key to a panelist once it has seen that panelist's own card, and to every device
//! once the last panelist's is in. Releases are ordinary signed edits of admin fields, so the
//! write rules keep members from writing them. The cost, stated plainly: the admins could
//! read every card early.

use std::collections::{BTreeSet, HashMap};

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value};

use super::roster::RosterState;
use super::seal::{agreement_public, unwrap, unwrap_with, wrap_to, Secret};
use super::sealed_card::{key_context, CardProblem, CardRandomness, SealedCard};
use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::scorecard::{from_plaintext, StoredCard};
use crate::model::sealing::{self, device_key, release_key};
use crate::model::{interview, DocKind, Scorecard};
use crate::store::Store;

/// What binds the reveal key's wrapped secret to one interview.
fn reveal_context(interview: DocumentId) -> Vec<u8> {
    let mut c = b"panelnotes reveal key v1\0".to_vec();
    c.extend_from_slice(interview.as_bytes());
    c
}

/// Every byte value of a root map, by key.
fn byte_entries(doc: &AutoCommit, map: &str) -> HashMap<String, Vec<u8>> {
    let Ok(Some((Value::Object(ObjType::Map), obj))) = doc.get(ObjId::Root, map) else { return HashMap::new() };
    doc.keys(&obj)
        .filter_map(|k| match doc.get(&obj, &k).ok().flatten()? {
            (Value::Scalar(s), _) => match s.as_ref() {
                ScalarValue::Bytes(b) => Some((k, b.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// What the interview document says about its sealed cards, read once.
pub(crate) struct SealedDoc {
    pub cards: Vec<StoredCard>,
    reveal_public: Option<[u8; 32]>,
    reveal_open: Option<[u8; 32]>,
    reveal_wrapped: HashMap<String, Vec<u8>>,
    releases: HashMap<String, Vec<u8>>,
}

/// A card as this device finds it.
pub(crate) enum Opening {
    Open(Scorecard),
    /// Sound so far, but this device holds no key for it.
    NoKey,
    Refused(CardProblem),
}

impl Store {
    pub(crate) fn sealed_doc(&mut self, id: DocumentId) -> Result<SealedDoc> {
        let od = self.open_doc(id, DocKind::Interview)?;
        Ok(SealedDoc {
            cards: interview::submitted_scorecards(&od.doc, id)?,
            reveal_public: sealing::reveal_public(&od.doc),
            reveal_open: sealing::reveal_open(&od.doc),
            reveal_wrapped: byte_entries(&od.doc, sealing::REVEAL_WRAPPED),
            releases: byte_entries(&od.doc, sealing::RELEASES),
        })
    }

    /// The reveal key's secret, if it was wrapped to this device (an admin's), or, where no
    /// roster covers the interview, if it is written in the clear.
    fn reveal_secret(&self, id: DocumentId, sd: &SealedDoc, rostered: bool) -> Option<Secret> {
        let secret = match (rostered, sd.reveal_open) {
            (false, Some(open)) => Secret::from_bytes(open),
            _ => {
                let wrapped = sd.reveal_wrapped.get(&device_key(&self.device().signing))?;
                unwrap(self.device_keys(), wrapped, &reveal_context(id))?
            }
        };
        (Some(agreement_public(&secret)) == sd.reveal_public).then_some(secret)
    }

    fn roster_state_of(&mut self, id: DocumentId) -> Result<Option<RosterState>> {
        match self.roster_of_interview(id)? {
            Some(h) => Ok(Some(self.roster(&h)?.state().clone())),
            None => Ok(None),
        }
    }

    /// The checks on a card, and its content if this device holds its key.
    fn open_card(&self, id: DocumentId, sd: &SealedDoc, stored: &StoredCard, roster: Option<&RosterState>, reveal: Option<&Secret>) -> Opening {
        let card = match SealedCard::decode(&stored.bytes) {
            Ok(c) => c,
            Err(_) => return Opening::Refused(CardProblem::Malformed),
        };
        if let Err(p) = card.verify(id, stored.seat.as_str()) {
            return Opening::Refused(p);
        }
        if let Some(state) = roster {
            let admitted = state.members.get(&card.device.signing).is_some_and(|m| m.seat == card.seat && m.device == card.device);
            if !admitted {
                return Opening::Refused(CardProblem::NotOnRoster);
            }
        }
        let ctx = key_context(id, &card.seat);
        let me = self.device();
        let key = if card.device == me {
            unwrap(self.device_keys(), &card.for_author, &ctx)
        } else if let Some(w) = sd.releases.get(&release_key(&card.seat, &me.signing)) {
            unwrap(self.device_keys(), w, &ctx)
        } else {
            reveal.and_then(|r| unwrap_with(r, &card.for_reveal, &ctx))
        };
        let Some(key) = key else { return Opening::NoKey };
        match card.open(id, &key) {
            Ok(plain) => match from_plaintext(stored.seat.clone(), stored.submitted_at, &plain) {
                Some(s) => Opening::Open(s),
                None => Opening::Refused(CardProblem::Unreadable),
            },
            Err(p) => Opening::Refused(p),
        }
    }

    /// Every submitted card as this device finds it, by seat.
    pub(crate) fn open_cards(&mut self, id: DocumentId) -> Result<Vec<(StoredCard, Opening)>> {
        let sd = self.sealed_doc(id)?;
        let roster = self.roster_state_of(id)?;
        let reveal = self.reveal_secret(id, &sd, roster.is_some());
        Ok(sd.cards.iter().map(|c| (c.clone(), self.open_card(id, &sd, c, roster.as_ref(), reveal.as_ref()))).collect())
    }

    /// Writes the interview's reveal key where it is missing or must change, if this device
    /// may: with no roster, anyone (the scheduler, at scheduling) writes one whose secret is in
    /// the clear; once a roster covers the interview, its lead's device replaces that with one
    /// whose secret is wrapped to every admin device only. Returns whether it wrote one.
    pub fn ensure_reveal_key(&mut self, id: DocumentId) -> Result<bool> {
        let sd = self.sealed_doc(id)?;
        let me = self.device();
        let roster = self.roster_state_of(id)?;
        let needed = match &roster {
            None => sd.reveal_public.is_none(),
            Some(state) => {
                let lead = state.lead_device == me.signing && state.current(&me.signing).is_some();
                lead && (sd.reveal_public.is_none() || sd.reveal_open.is_some())
            }
        };
        if !needed {
            return Ok(false);
        }
        let secret = Secret::from_bytes(self.random_bytes());
        let ctx = reveal_context(id);
        let mut devices = vec![me];
        if let Some(state) = &roster {
            devices.extend(state.current_devices().filter(|m| state.is_admin(&m.device.signing) && m.device != me).map(|m| m.device));
        }
        let wrapped: Vec<_> = devices
            .iter()
            .map(|d| (d.signing, wrap_to(&d.agreement, &secret, &ctx, self.random_bytes(), self.random_bytes())))
            .collect();
        let public = agreement_public(&secret);
        let open = roster.is_none().then_some(secret.0);
        self.edit(id, DocKind::Interview, |doc| sealing::write_reveal(doc, public, wrapped, open), |_| Ok(()))?;
        Ok(true)
    }

    /// Seals `plaintext` as this device's card for `seat`, to be written by the caller.
    pub(crate) fn seal_card(&mut self, id: DocumentId, seat: InterviewerId, at_ms: i64, plaintext: &[u8]) -> Result<Vec<u8>> {
        self.ensure_reveal_key(id)?;
        let public = self.sealed_doc(id)?.reveal_public.ok_or_else(|| {
            Error::NotPermitted("the panel's reveal key has not arrived from the lead's phone yet; sync with the panel first".into())
        })?;
        let rnd = CardRandomness {
            key: self.random_bytes(),
            nonce: self.random_bytes(),
            wrap_ephemeral: [self.random_bytes(), self.random_bytes()],
            wrap_nonce: [self.random_bytes(), self.random_bytes()],
        };
        Ok(SealedCard::seal(self.device_keys(), id, seat, at_ms, plaintext, &public, rnd).encode())
    }

    /// As an admin's device: releases each card's key to the devices of panelists whose own
    /// card is in, and to every device once all panelists' are in; wraps the reveal key to
    /// admin devices that lack it. One signed edit, or none when nothing is new. Returns how
    /// many keys it wrapped.
    pub fn release_scorecards(&mut self, id: DocumentId) -> Result<usize> {
        if !self.has_document(id)? {
            return Ok(0);
        }
        let Some(state) = self.roster_state_of(id)? else { return Ok(0) };
        let me = self.device();
        if !state.is_admin(&me.signing) {
            return Ok(0);
        }
        let panelists = self.interview(id)?.panelists;
        let sd = self.sealed_doc(id)?;
        let Some(reveal) = self.reveal_secret(id, &sd, true) else { return Ok(0) };
        let mut keys = Vec::new();
        for stored in &sd.cards {
            if let Opening::Open(_) = self.open_card(id, &sd, stored, Some(&state), Some(&reveal)) {
                let Ok(card) = SealedCard::decode(&stored.bytes) else { continue };
                if let Some(key) = unwrap_with(&reveal, &card.for_reveal, &key_context(id, &card.seat)) {
                    keys.push((card, key));
                }
            }
        }
        let submitted: BTreeSet<&InterviewerId> = keys.iter().map(|(c, _)| &c.seat).collect();
        let all_in = panelists.iter().all(|p| submitted.contains(p));
        let mut releases = Vec::new();
        for (card, key) in &keys {
            for m in state.current_devices() {
                let eligible = all_in || submitted.contains(&m.seat);
                if m.device == card.device || !eligible || sd.releases.contains_key(&release_key(&card.seat, &m.device.signing)) {
                    continue;
                }
                let w = wrap_to(&m.device.agreement, key, &key_context(id, &card.seat), self.random_bytes(), self.random_bytes());
                releases.push((card.seat.clone(), m.device.signing, w));
            }
        }
        let ctx = reveal_context(id);
        let mut reveals = Vec::new();
        for m in state.current_devices().filter(|m| state.is_admin(&m.device.signing)) {
            if !sd.reveal_wrapped.contains_key(&device_key(&m.device.signing)) {
                reveals.push((m.device.signing, wrap_to(&m.device.agreement, &reveal, &ctx, self.random_bytes(), self.random_bytes())));
            }
        }
        let n = releases.len() + reveals.len();
        if n == 0 {
            return Ok(0);
        }
        self.edit(
            id,
            DocKind::Interview,
            |doc| {
                for (seat, device, w) in releases {
                    sealing::write_release(doc, &seat, &device, w)?;
                }
                for (device, w) in reveals {
                    sealing::add_reveal_wrapped(doc, &device, w)?;
                }
                Ok(())
            },
            |_| Ok(()),
        )?;
        Ok(n)
    }
}
