//! A panel's roster: the hash-chained, signed log that alone decides who may read and write
//! the panel's documents (ARCHITECTURE.md, "Trust"). Every phone folds the same entries into
//! the same state: validity depends only on an entry and the prefix it extends, and two
//! entries on one parent resolve the same way everywhere (the lead's first, then the lowest
//! hash), so phones that heard of them in different orders still agree.

use std::collections::{BTreeMap, HashMap};

pub use super::roster_entry::{Action, Entry, Hash, Seat, NO_PARENT};
use super::roster_entry::{MAX_DOCUMENTS, MAX_SEATS};
use crate::ids::{DocumentId, InterviewerId};
use crate::keys::DevicePublic;
use crate::model::DocKind;

/// The most entries a roster may hold: a panel admits a handful of devices.
pub const MAX_ENTRIES: usize = 1024;

/// Why an entry was not appended. Names devices by fingerprint, never people's data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("the entry's signature is not its author's")]
    BadSignature,
    #[error("the entry does not extend the roster's head")]
    NotOnHead,
    #[error("a roster starts with a genesis entry, and has only one")]
    Genesis,
    #[error("device {0} may not change this roster: it is not an admitted admin")]
    NotAdmin(String),
    #[error("seat {0} is not scheduled on this panel")]
    NoSuchSeat(String),
    #[error("seat {0} already has a device")]
    SeatTaken(String),
    #[error("device {0} is already on this roster")]
    AlreadyAdmitted(String),
    #[error("device {0} is not a current member")]
    NotMember(String),
    #[error("the epoch must be the next one, with a secret for every current device")]
    Epoch,
    #[error("the genesis entry is malformed: {0}")]
    MalformedGenesis(&'static str),
    #[error("the roster is full ({MAX_ENTRIES} entries)")]
    Full,
    #[error("the link of device {0} is not countersigned by a current device of its seat")]
    Countersignature(String),
    #[error("the lead moves only to a current device of another scheduled seat")]
    Lead,
    #[error("held changes are accepted only from a removed device, for a panel document, past its cutoff")]
    AcceptHeld,
}

/// A device as the roster knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub seat: InterviewerId,
    pub device: DevicePublic,
    pub label: String,
    /// Set when the device was removed: the last sequence number accepted per document.
    pub removed: Option<BTreeMap<DocumentId, u64>>,
}

/// Who is on the panel after some prefix of the roster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterState {
    pub panel: [u8; 16],
    pub documents: BTreeMap<DocumentId, DocKind>,
    /// Every scheduled seat, and whether it is an admin seat.
    pub seats: BTreeMap<InterviewerId, bool>,
    /// The lead's device: its entries win a fork, its invites name it. It moves with the lead
    /// (`TransferLead`) and, when removed, to another current device of the lead's seat.
    pub lead_device: [u8; 32],
    /// The lead's seat: the genesis names it, `TransferLead` moves it.
    pub lead_seat: InterviewerId,
    /// Every device ever admitted, keyed by signing key; removed ones stay, marked.
    pub members: BTreeMap<[u8; 32], Member>,
    pub epoch: u32,
    /// The current epoch's secret, wrapped to each current device.
    pub wrapped: BTreeMap<[u8; 32], Vec<u8>>,
    /// Earlier epochs' secrets wrapped to devices admitted after them, by (epoch, device).
    pub earlier: BTreeMap<(u32, [u8; 32]), Vec<u8>>,
}

impl RosterState {
    /// The device's membership, if it is admitted and not removed.
    pub fn current(&self, device: &[u8; 32]) -> Option<&Member> {
        self.members.get(device).filter(|m| m.removed.is_none())
    }

    /// Whether the device is a current device of the lead's seat (the lead's phone, or a
    /// device linked to it).
    pub fn is_lead(&self, device: &[u8; 32]) -> bool {
        self.current(device).is_some_and(|m| m.seat == self.lead_seat)
    }

    pub fn is_admin(&self, device: &[u8; 32]) -> bool {
        self.current(device).is_some_and(|m| self.seats.get(&m.seat) == Some(&true))
    }

    /// The current device in a seat, if the seat is taken.
    pub fn device_in(&self, seat: &InterviewerId) -> Option<&Member> {
        self.members.values().find(|m| m.removed.is_none() && &m.seat == seat)
    }

    pub fn current_devices(&self) -> impl Iterator<Item = &Member> {
        self.members.values().filter(|m| m.removed.is_none())
    }

    fn genesis(entry: &Entry) -> Result<RosterState, RosterError> {
        let Action::Genesis { panel, documents, seats, lead_seat, lead_device, lead_label, wrapped } = &entry.action else {
            return Err(RosterError::Genesis);
        };
        if entry.parent != NO_PARENT {
            return Err(RosterError::Genesis);
        }
        if lead_device.signing != entry.author {
            return Err(RosterError::MalformedGenesis("it is not signed by the lead's device"));
        }
        if seats.is_empty() || seats.len() > MAX_SEATS || documents.len() > MAX_DOCUMENTS {
            return Err(RosterError::MalformedGenesis("seat or document count"));
        }
        let seat_map: BTreeMap<InterviewerId, bool> = seats.iter().map(|s| (s.interviewer.clone(), s.admin)).collect();
        if seat_map.len() != seats.len() {
            return Err(RosterError::MalformedGenesis("a seat is listed twice"));
        }
        if seat_map.get(lead_seat) != Some(&true) {
            return Err(RosterError::MalformedGenesis("the lead's seat is not an admin seat"));
        }
        let mut members = BTreeMap::new();
        members.insert(
            lead_device.signing,
            Member { seat: lead_seat.clone(), device: *lead_device, label: lead_label.clone(), removed: None },
        );
        Ok(RosterState {
            panel: *panel,
            documents: documents.iter().copied().collect(),
            seats: seat_map,
            lead_device: lead_device.signing,
            lead_seat: lead_seat.clone(),
            members,
            epoch: 0,
            wrapped: [(lead_device.signing, wrapped.clone())].into(),
            earlier: BTreeMap::new(),
        })
    }

    /// The state after `entry`, if this state's admins may append it.
    fn apply(&self, entry: &Entry) -> Result<RosterState, RosterError> {
        let fp = |k: &[u8; 32]| DevicePublic { signing: *k, agreement: [0; 32] }.fingerprint();
        if !self.is_admin(&entry.author) {
            return Err(RosterError::NotAdmin(fp(&entry.author)));
        }
        let mut next = self.clone();
        match &entry.action {
            Action::Genesis { .. } => return Err(RosterError::Genesis),
            Action::Admit { seat, device, label, wrapped, earlier } => {
                if earlier.iter().any(|(e, _)| *e >= self.epoch) {
                    return Err(RosterError::Epoch);
                }
                if !self.seats.contains_key(seat) {
                    return Err(RosterError::NoSuchSeat(seat.as_str().to_owned()));
                }
                if self.device_in(seat).is_some() {
                    return Err(RosterError::SeatTaken(seat.as_str().to_owned()));
                }
                // A removed device never comes back under the same key: it re-joins as new.
                if self.members.contains_key(&device.signing) {
                    return Err(RosterError::AlreadyAdmitted(device.fingerprint()));
                }
                next.members.insert(
                    device.signing,
                    Member { seat: seat.clone(), device: *device, label: label.clone(), removed: None },
                );
                next.wrapped.insert(device.signing, wrapped.clone());
                for (epoch, bytes) in earlier {
                    next.earlier.insert((*epoch, device.signing), bytes.clone());
                }
            }
            Action::Remove { device, cutoffs } => {
                if self.current(device).is_none() {
                    return Err(RosterError::NotMember(fp(device)));
                }
                let m = next.members.get_mut(device).expect("current");
                m.removed = Some(cutoffs.iter().copied().collect());
                next.wrapped.remove(device);
                if next.lead_device == *device {
                    // The lead's seat keeps the lead: another of its devices stands in, the
                    // lowest key first so every phone picks the same.
                    let other = next.current_devices().find(|m| m.seat == next.lead_seat).map(|m| m.device.signing);
                    if let Some(other) = other {
                        next.lead_device = other;
                    }
                }
                if next.current_devices().all(|m| next.seats.get(&m.seat) != Some(&true)) {
                    // A panel without an admin could never change again.
                    return Err(RosterError::NotAdmin(fp(device)));
                }
            }
            Action::NewEpoch { epoch, wrapped } => {
                let current: Vec<[u8; 32]> = self.current_devices().map(|m| m.device.signing).collect();
                let given: BTreeMap<[u8; 32], Vec<u8>> = wrapped.iter().cloned().collect();
                if *epoch != self.epoch + 1 || given.len() != wrapped.len() || !current.iter().all(|d| given.contains_key(d)) || given.len() != current.len() {
                    return Err(RosterError::Epoch);
                }
                next.epoch = *epoch;
                next.wrapped = given;
            }
            Action::Link { .. } => super::linking::apply_link(self, &mut next, &entry.action)?,
            Action::AcceptHeld { device, document, up_to } => {
                let Some(cutoffs) = next.members.get_mut(device).and_then(|m| m.removed.as_mut()) else { return Err(RosterError::AcceptHeld) };
                let cutoff = cutoffs.entry(*document).or_insert(0);
                if !self.documents.contains_key(document) || *up_to <= *cutoff {
                    return Err(RosterError::AcceptHeld);
                }
                *cutoff = *up_to;
            }
            Action::TransferLead { seat, device, keep_admin } => {
                if *seat == self.lead_seat || self.current(device).is_none_or(|m| &m.seat != seat) {
                    return Err(RosterError::Lead);
                }
                if !keep_admin {
                    next.seats.insert(self.lead_seat.clone(), false);
                }
                next.seats.insert(seat.clone(), true);
                next.lead_seat = seat.clone();
                next.lead_device = *device;
            }
        }
        Ok(next)
    }
}

/// The roster of one panel: its accepted entries and the state after each.
#[derive(Clone, Debug)]
pub struct Roster {
    entries: Vec<Entry>,
    states: Vec<RosterState>,
    by_hash: HashMap<Hash, usize>,
}

impl Roster {
    /// A roster that starts with `genesis`.
    pub fn new(genesis: Entry) -> Result<Roster, RosterError> {
        if !genesis.signature_valid() {
            return Err(RosterError::BadSignature);
        }
        let state = RosterState::genesis(&genesis)?;
        let hash = genesis.hash();
        Ok(Roster { entries: vec![genesis], states: vec![state], by_hash: [(hash, 0)].into() })
    }

    /// The roster the given entries make, in any order and with duplicates, from the genesis
    /// whose hash is `genesis` (a phone knows it from its invite, or made it): each step takes
    /// the valid child of the head that wins (the lead device's first, then the lowest hash).
    /// Entries that lose or are invalid are returned, so their authors can re-append them
    /// on the new head.
    pub fn from_entries(genesis: &Hash, entries: impl IntoIterator<Item = Entry>) -> Result<(Roster, Vec<(Entry, RosterError)>), RosterError> {
        let mut children: HashMap<Hash, Vec<(Hash, Entry)>> = HashMap::new();
        for e in entries {
            let h = e.hash();
            let list = children.entry(e.parent).or_default();
            if !list.iter().any(|(x, _)| *x == h) {
                list.push((h, e));
            }
        }
        let mut left_out = Vec::new();
        let mut roster = None;
        for (h, g) in children.remove(&NO_PARENT).unwrap_or_default() {
            if h != *genesis {
                left_out.push((g, RosterError::Genesis));
            } else {
                roster = Some(Roster::new(g)?);
            }
        }
        let Some(mut roster) = roster else { return Err(RosterError::Genesis) };
        while let Some(mut next) = children.remove(&roster.head()) {
            // The lead as of the parent: a transfer in one branch does not reorder its own fork.
            let state = roster.state();
            next.sort_by_key(|(h, e)| (!state.is_lead(&e.author), *h));
            let mut advanced = false;
            for (_, e) in next {
                if advanced {
                    left_out.push((e, RosterError::NotOnHead));
                    continue;
                }
                match roster.append(e.clone()) {
                    Ok(_) => advanced = true,
                    Err(err) => left_out.push((e, err)),
                }
            }
            if !advanced {
                break;
            }
        }
        for (_, list) in children {
            left_out.extend(list.into_iter().map(|(_, e)| (e, RosterError::NotOnHead)));
        }
        Ok((roster, left_out))
    }

    /// Appends an entry on the head, if its author may.
    pub fn append(&mut self, entry: Entry) -> Result<Hash, RosterError> {
        if self.entries.len() >= MAX_ENTRIES {
            return Err(RosterError::Full);
        }
        if entry.parent != self.head() {
            return Err(RosterError::NotOnHead);
        }
        if !entry.signature_valid() {
            return Err(RosterError::BadSignature);
        }
        let state = self.state().apply(&entry)?;
        let hash = entry.hash();
        self.by_hash.insert(hash, self.entries.len());
        self.entries.push(entry);
        self.states.push(state);
        Ok(hash)
    }

    pub fn head(&self) -> Hash {
        self.entries.last().expect("a roster has its genesis").hash()
    }

    pub fn state(&self) -> &RosterState {
        self.states.last().expect("a roster has its genesis")
    }

    /// The state after the prefix that ends at `head`, if this roster has it.
    pub fn state_at(&self, head: &Hash) -> Option<&RosterState> {
        self.by_hash.get(head).map(|&i| &self.states[i])
    }

    /// The secret of `epoch` as wrapped to `device`, from the entry that gave it.
    pub fn wrapped_for(&self, device: &[u8; 32], epoch: u32) -> Option<&Vec<u8>> {
        self.states
            .iter()
            .rev()
            .find(|s| s.epoch == epoch && s.wrapped.contains_key(device))
            .and_then(|s| s.wrapped.get(device))
            .or_else(|| self.state().earlier.get(&(epoch, *device)))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

#[cfg(test)]
#[path = "roster_tests.rs"]
mod tests;
