//! Linking a second device to a seat (Ben's tablet next to his phone), and moving the lead.
//!
//! A link takes two devices: one already in the seat countersigns the new device's keys
//! (`countersign_link`, on Ben's phone), and an admin appends the entry with the welcome
//! (`link_device`, on the lead's phone). Without the countersignature an admin could give any
//! seat a second device that writes its scorecard; without the admin, a member could add
//! devices nobody vouched for. The countersignature binds the panel, the seat and both keys
//! of the new device, not the roster head: the entry can then be re-appended after losing a
//! fork, and it cannot be replayed, because a device key enters a roster once.

use super::codec::{DecodeError, Reader, Writer};
use super::membership::wrap_context;
use super::roster::{Action, Entry, Hash, RosterError, RosterState};
use super::roster_entry::{read_device, write_device, MAX_LABEL};
use super::seal::wrap_to;
use crate::error::{Error, Result};
use crate::ids::InterviewerId;
use crate::keys::DevicePublic;
use crate::store::Store;

/// What the seat's device signs to vouch for a new device in its seat.
pub fn countersigned_bytes(panel: &[u8; 16], seat: &InterviewerId, device: &DevicePublic) -> Vec<u8> {
    let mut w = Writer::new();
    w.fixed(b"panelnotes link v1\0").fixed(panel).str(seat.as_str());
    write_device(&mut w, device);
    w.finish()
}

fn fingerprint(signing: &[u8; 32]) -> String {
    DevicePublic { signing: *signing, agreement: [0; 32] }.fingerprint()
}

/// Folds a `Link` entry: the seat is scheduled and has a current device, the countersigner
/// is one of them and signed exactly this device for this seat of this panel, and the device
/// is new to the roster.
pub(crate) fn apply_link(state: &RosterState, next: &mut RosterState, action: &Action) -> std::result::Result<(), RosterError> {
    let Action::Link { seat, device, label, wrapped, earlier, countersigner, countersignature } = action else {
        return Err(RosterError::Genesis);
    };
    if !state.seats.contains_key(seat) {
        return Err(RosterError::NoSuchSeat(seat.as_str().to_owned()));
    }
    if earlier.iter().any(|(e, _)| *e >= state.epoch) {
        return Err(RosterError::Epoch);
    }
    if state.members.contains_key(&device.signing) {
        return Err(RosterError::AlreadyAdmitted(device.fingerprint()));
    }
    let vouches = state.current(countersigner).is_some_and(|m| &m.seat == seat)
        && DevicePublic { signing: *countersigner, agreement: [0; 32] }.verify(&countersigned_bytes(&state.panel, seat, device), countersignature);
    if !vouches {
        return Err(RosterError::Countersignature(device.fingerprint()));
    }
    next.members.insert(device.signing, super::roster::Member { seat: seat.clone(), device: *device, label: label.clone(), removed: None });
    next.wrapped.insert(device.signing, wrapped.clone());
    for (epoch, bytes) in earlier {
        next.earlier.insert((*epoch, device.signing), bytes.clone());
    }
    Ok(())
}

/// A seat's device vouching for a new device in its seat: what travels from Ben's phone to
/// the admin (as bytes, or as the text `to_code` gives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkApproval {
    pub panel: [u8; 16],
    pub seat: InterviewerId,
    pub device: DevicePublic,
    pub label: String,
    pub countersigner: [u8; 32],
    pub countersignature: [u8; 64],
}

const APPROVAL_TAG: &[u8; 28] = b"panelnotes link approval v1\0";
const CODE_PREFIX: &str = "pnlink1:";

impl LinkApproval {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.fixed(APPROVAL_TAG).fixed(&self.panel).str(self.seat.as_str());
        write_device(&mut w, &self.device);
        w.str(&self.label).fixed(&self.countersigner).fixed(&self.countersignature);
        w.finish()
    }

    /// Reads an approval. Checks only its form: whether it vouches is the roster's question.
    pub fn decode(bytes: &[u8]) -> std::result::Result<LinkApproval, DecodeError> {
        let mut r = Reader::new(bytes);
        if &r.fixed::<28>("approval tag")? != APPROVAL_TAG {
            return Err(DecodeError::Invalid("approval tag"));
        }
        let panel = r.fixed("panel id")?;
        let raw = r.str("seat", 128)?;
        let seat = InterviewerId::new(raw).ok().filter(|id| id.as_str() == raw).ok_or(DecodeError::Invalid("seat"))?;
        let device = read_device(&mut r)?;
        let label = r.str("device label", MAX_LABEL)?.to_owned();
        let approval = LinkApproval { panel, seat, device, label, countersigner: r.fixed("countersigner")?, countersignature: r.fixed("countersignature")? };
        r.end()?;
        Ok(approval)
    }

    /// The approval as one line of text, to copy from one device to the other.
    pub fn to_code(&self) -> String {
        format!("{CODE_PREFIX}{}", to_hex(&self.encode()))
    }

    pub fn from_code(code: &str) -> std::result::Result<LinkApproval, DecodeError> {
        LinkApproval::decode(&from_hex(code, CODE_PREFIX, 1024)?)
    }
}

const DEVICE_PREFIX: &str = "pndevice1:";
const ROSTER_PREFIX: &str = "pnroster1:";

/// A device's public keys as one line of text: what the new device shows, for the seat's
/// phone to countersign.
pub fn device_code(device: &DevicePublic) -> String {
    let mut w = Writer::new();
    write_device(&mut w, device);
    format!("{DEVICE_PREFIX}{}", to_hex(&w.finish()))
}

pub fn parse_device_code(code: &str) -> std::result::Result<DevicePublic, DecodeError> {
    let bytes = from_hex(code, DEVICE_PREFIX, 64)?;
    let mut r = Reader::new(&bytes);
    let device = read_device(&mut r)?;
    r.end()?;
    Ok(device)
}

/// A roster (its genesis hash and entries) as one line of text, for a linked device to take
/// in from the admin's (a joined device gets it with its welcome instead).
pub fn roster_code(genesis: &Hash, entries: &[u8]) -> String {
    format!("{ROSTER_PREFIX}{}{}", to_hex(genesis), to_hex(entries))
}

/// The genesis hash and the encoded entries (`membership::decode_entries` reads them).
pub fn parse_roster_code(code: &str) -> std::result::Result<(Hash, Vec<u8>), DecodeError> {
    let bytes = from_hex(code, ROSTER_PREFIX, 1 << 20)?;
    let mut r = Reader::new(&bytes);
    let genesis = r.fixed("genesis")?;
    Ok((genesis, bytes[32..].to_vec()))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex after `prefix`, of at most `max` bytes.
fn from_hex(code: &str, prefix: &str, max: usize) -> std::result::Result<Vec<u8>, DecodeError> {
    let hex = code.trim().strip_prefix(prefix).ok_or(DecodeError::Invalid("code prefix"))?;
    if hex.len() % 2 != 0 || hex.len() > 2 * max {
        return Err(DecodeError::Invalid("code length"));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or(DecodeError::Invalid("code digits"))
}

fn roster_error(e: RosterError) -> Error {
    match e {
        RosterError::NotAdmin(_) => Error::NotPermitted(e.to_string()),
        other => Error::invalid(other.to_string()),
    }
}

impl Store {
    /// On a device of the seat: vouches that `device` (labelled `label`) is another device of
    /// this device's seat on the panel. The admin appends the link with `link_device`.
    pub fn countersign_link(&self, id: &Hash, device: DevicePublic, label: &str) -> Result<LinkApproval> {
        let roster = self.roster(id)?;
        let state = roster.state();
        let me = self.device().signing;
        let seat = state.current(&me).map(|m| m.seat.clone()).ok_or_else(|| Error::NotPermitted("this device is not a current member of the panel".into()))?;
        if device.signing == me {
            return Err(Error::invalid("a device cannot vouch for itself"));
        }
        let label: String = label.chars().take(MAX_LABEL / 4).collect();
        let countersignature = self.device_keys().sign(&countersigned_bytes(&state.panel, &seat, &device));
        Ok(LinkApproval { panel: state.panel, seat, device, label, countersigner: me, countersignature })
    }

    /// As an admin: links the approved device to its seat, with the panel's secrets wrapped
    /// to it (its welcome, as for an admitted device).
    pub fn link_device(&mut self, id: &Hash, approval: &LinkApproval) -> Result<Hash> {
        let mut roster = self.roster(id)?;
        let state = roster.state().clone();
        if approval.panel != state.panel {
            return Err(Error::invalid("the link approval is for another panel"));
        }
        let device = approval.device;
        let secret = self.epoch_secret(&roster, state.epoch).ok_or_else(|| Error::NotPermitted("this device does not hold the panel's secret".into()))?;
        let wrapped = wrap_to(&device.agreement, &secret, &wrap_context(&state.panel, state.epoch), self.random_bytes(), self.random_bytes());
        let mut earlier = Vec::new();
        for epoch in 0..state.epoch {
            if let Some(old) = self.epoch_secret(&roster, epoch) {
                earlier.push((epoch, wrap_to(&device.agreement, &old, &wrap_context(&state.panel, epoch), self.random_bytes(), self.random_bytes())));
            }
        }
        let action = Action::Link {
            seat: approval.seat.clone(),
            device,
            label: approval.label.clone(),
            wrapped,
            earlier,
            countersigner: approval.countersigner,
            countersignature: approval.countersignature,
        };
        let head = roster.append(Entry::sign(self.device_keys(), roster.head(), action)).map_err(roster_error)?;
        self.save_roster(id, None, &roster)?;
        // The seat's cards already released to its phone are owed to the new device too.
        if let Some(iv) = roster.state().documents.iter().find(|(_, k)| **k == crate::model::DocKind::Interview).map(|(d, _)| *d) {
            self.release_scorecards(iv)?;
        }
        Ok(head)
    }

    /// As an admin: accepts what the removed `device` wrote to `document` up to sequence
    /// number `up_to`. Its held envelopes there apply here now, and on every phone that takes
    /// in the entry.
    pub fn accept_held(&mut self, id: &Hash, device: [u8; 32], document: crate::ids::DocumentId, up_to: u64) -> Result<Hash> {
        let mut roster = self.roster(id)?;
        let entry = Entry::sign(self.device_keys(), roster.head(), Action::AcceptHeld { device, document, up_to });
        let head = roster.append(entry).map_err(roster_error)?;
        self.save_roster(id, None, &roster)?;
        self.retry_held(id)?;
        Ok(head)
    }

    /// As an admin: moves the panel's lead to `seat`'s current `device`. The old lead's seat
    /// stays an admin seat only with `keep_admin`.
    pub fn transfer_lead(&mut self, id: &Hash, seat: InterviewerId, device: [u8; 32], keep_admin: bool) -> Result<Hash> {
        let mut roster = self.roster(id)?;
        if roster.state().current(&device).is_none_or(|m| m.seat != seat) {
            return Err(Error::invalid(format!("device {} is not a current device of seat {seat}", fingerprint(&device))));
        }
        let entry = Entry::sign(self.device_keys(), roster.head(), Action::TransferLead { seat, device, keep_admin });
        let head = roster.append(entry).map_err(roster_error)?;
        self.save_roster(id, None, &roster)?;
        // The new lead is an admin now, and may be owed the reveal key of sealed scorecards. A
        // lead who stepped down writes nothing more: what it seals now names the new head,
        // where it may not write the reveal keys (another admin's phone wraps it then).
        let still_admin = roster.state().is_admin(&self.device().signing);
        if let Some(iv) = roster.state().documents.iter().find(|(_, k)| **k == crate::model::DocKind::Interview).map(|(d, _)| *d).filter(|_| still_admin) {
            self.release_scorecards(iv)?;
        }
        Ok(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{DeviceKeys, STORED_LEN};

    #[test]
    fn an_approval_round_trips_as_bytes_and_code_and_refuses_damage() {
        let ben = DeviceKeys::from_secret(&[2; STORED_LEN]);
        let tablet = DeviceKeys::from_secret(&[6; STORED_LEN]);
        let seat = InterviewerId::new("ben@acme").unwrap();
        let countersignature = ben.sign(&countersigned_bytes(&[1; 16], &seat, &tablet.public()));
        let a = LinkApproval { panel: [1; 16], seat, device: tablet.public(), label: "iPad".into(), countersigner: ben.public().signing, countersignature };
        let bytes = a.encode();
        assert_eq!(LinkApproval::decode(&bytes).unwrap(), a);
        assert_eq!(LinkApproval::from_code(&a.to_code()).unwrap(), a);
        assert!(LinkApproval::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(LinkApproval::decode(&longer), Err(DecodeError::Trailing(1)));
        assert!(LinkApproval::from_code("pnlink1:zz").is_err());
        assert!(LinkApproval::from_code(&a.to_code()[1..]).is_err());
        assert!(LinkApproval::from_code(&format!("pnlink1:{}", "00".repeat(5000))).is_err());
        assert!(LinkApproval::from_code("pnlink1:\u{e9}\u{e9}").is_err());
        assert_eq!(parse_device_code(&device_code(&tablet.public())).unwrap(), tablet.public());
        assert!(parse_device_code(&device_code(&tablet.public())[..20]).is_err());
        let (g, entries) = parse_roster_code(&roster_code(&[3; 32], &[1, 2, 3])).unwrap();
        assert_eq!((g, entries), ([3; 32], vec![1, 2, 3]));
        assert!(parse_roster_code("pnroster1:00").is_err());
    }
}
