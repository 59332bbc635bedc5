//! Where sealed scorecards live in the interview document, and what a viewer is told about
//! each. The cryptography is trust's (`trust::sealed_card`); this is the schema:
//! - `scorecards.{seat}`: the seat's sealed card, one byte string, written once;
//! - `revealKey`: the public half of the panel's reveal key, which each card's key is
//!   wrapped to; `revealWrapped.{device}`: its secret half wrapped to each admin's device;
//! - `releases.{seat}/{device}`: a card's key wrapped to one viewer's device by an admin.
//!
//! All but `scorecards` are admin fields (the write rules give members no other).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Utc};

use super::scorecard::Scorecard;
use crate::error::Result;
use crate::ids::InterviewerId;

pub const REVEAL_KEY: &str = "revealKey";
pub const REVEAL_WRAPPED: &str = "revealWrapped";
pub const RELEASES: &str = "releases";
/// The reveal key's secret in the clear, written only where there is no roster (a store used
/// alone, a panel of an older build): nobody holds it then, so sealing is the display rule
/// there, as it was. Ignored wherever a roster covers the interview.
pub const REVEAL_OPEN: &str = "revealOpen";

/// Why a submitted scorecard was refused. Names what failed, never what the card says.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum CardProblem {
    #[error("the sealed scorecard does not decode")]
    Malformed,
    #[error("the sealed scorecard is stored under another seat than the one it names")]
    WrongSeat,
    #[error("the sealed scorecard's signature is not its device's")]
    BadSignature,
    #[error("the sealed scorecard's device is not admitted to its seat")]
    NotOnRoster,
    #[error("the sealed scorecard does not open under its key")]
    Undecryptable,
    #[error("the sealed scorecard opens to something other than what was committed")]
    CommitmentMismatch,
    #[error("the opened scorecard is not a complete scorecard")]
    Unreadable,
}

/// Why this viewer cannot read a submitted scorecard yet.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealReason {
    /// The viewer is on the panel and has not submitted their own.
    WaitingForYourSubmission,
    /// The viewer's own is in; the card's key has not yet been released to this device by
    /// the admin's phone in `by_seat` (the lead's), which does so when it next syncs.
    WaitingForRelease { by_seat: InterviewerId },
    /// The card failed a check and will never open.
    Refused { problem: CardProblem },
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealState {
    Open,
    Sealed { reason: SealReason },
}

/// One seat's submitted scorecard as this viewer may see it: the content only when open.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScorecardSeal {
    pub interviewer: InterviewerId,
    pub submitted_at: DateTime<Utc>,
    pub state: SealState,
    pub scorecard: Option<Scorecard>,
}

/// The key a device is named by in these maps: its signing key in hex.
pub fn device_key(signing: &[u8; 32]) -> String {
    signing.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn release_key(seat: &InterviewerId, device: &[u8; 32]) -> String {
    format!("{}/{}", seat.as_str(), device_key(device))
}

fn bytes_at(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<Vec<u8>> {
    match doc.get(obj, key).ok().flatten()? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Bytes(b) => Some(b.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn map_at(doc: &AutoCommit, key: &str) -> Option<ObjId> {
    match doc.get(ObjId::Root, key).ok().flatten()? {
        (Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

/// The panel's reveal key (public half), if the lead's phone has written it.
pub fn reveal_public(doc: &AutoCommit) -> Option<[u8; 32]> {
    bytes_at(doc, &ObjId::Root, REVEAL_KEY)?.try_into().ok()
}

/// The reveal key's secret half as wrapped to `device`, if it was.
pub fn reveal_wrapped(doc: &AutoCommit, device: &[u8; 32]) -> Option<Vec<u8>> {
    bytes_at(doc, &map_at(doc, REVEAL_WRAPPED)?, &device_key(device))
}

/// The reveal key's secret as written in the clear (see `REVEAL_OPEN`).
pub fn reveal_open(doc: &AutoCommit) -> Option<[u8; 32]> {
    bytes_at(doc, &ObjId::Root, REVEAL_OPEN)?.try_into().ok()
}

/// Writes a fresh reveal key, with its two maps: by the scheduler (with `open`, the secret
/// in the clear, while no roster covers the interview), and again by the lead when the
/// panel's roster starts (without: the clear one is removed).
pub(crate) fn write_reveal(doc: &mut AutoCommit, public: [u8; 32], wrapped: Vec<([u8; 32], Vec<u8>)>, open: Option<[u8; 32]>) -> Result<()> {
    doc.put(ObjId::Root, REVEAL_KEY, ScalarValue::Bytes(public.to_vec()))?;
    match open {
        Some(secret) => doc.put(ObjId::Root, REVEAL_OPEN, ScalarValue::Bytes(secret.to_vec()))?,
        None if doc.get(ObjId::Root, REVEAL_OPEN)?.is_some() => doc.delete(ObjId::Root, REVEAL_OPEN)?,
        None => {}
    }
    let m = doc.put_object(ObjId::Root, REVEAL_WRAPPED, ObjType::Map)?;
    for (device, w) in wrapped {
        doc.put(&m, device_key(&device), ScalarValue::Bytes(w))?;
    }
    if map_at(doc, RELEASES).is_none() {
        doc.put_object(ObjId::Root, RELEASES, ObjType::Map)?;
    }
    Ok(())
}

/// Adds the reveal key wrapped to another admin's device.
pub(crate) fn add_reveal_wrapped(doc: &mut AutoCommit, device: &[u8; 32], wrapped: Vec<u8>) -> Result<()> {
    let m = match map_at(doc, REVEAL_WRAPPED) {
        Some(m) => m,
        None => doc.put_object(ObjId::Root, REVEAL_WRAPPED, ObjType::Map)?,
    };
    doc.put(&m, device_key(device), ScalarValue::Bytes(wrapped))?;
    Ok(())
}

/// A card's key as released to `device`, if it was.
pub fn release(doc: &AutoCommit, seat: &InterviewerId, device: &[u8; 32]) -> Option<Vec<u8>> {
    bytes_at(doc, &map_at(doc, RELEASES)?, &release_key(seat, device))
}

pub(crate) fn write_release(doc: &mut AutoCommit, seat: &InterviewerId, device: &[u8; 32], wrapped: Vec<u8>) -> Result<()> {
    let m = match map_at(doc, RELEASES) {
        Some(m) => m,
        None => doc.put_object(ObjId::Root, RELEASES, ObjType::Map)?,
    };
    doc.put(&m, release_key(seat, device), ScalarValue::Bytes(wrapped))?;
    Ok(())
}
