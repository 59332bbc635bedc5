//! Who may read and write (ARCHITECTURE.md, "Trust"): the panels this install belongs to,
//! the signed roster that decides each panel's members, the envelopes every change travels
//! in (signed by its device, sealed under the epoch's secret), the write rules checked on
//! what a change really does, and secrets wrapped to device keys. The transports and the
//! sync engine build on this, never the other way round.

pub mod codec;
pub mod compaction;
pub mod delivery;
pub mod envelope;
pub mod epoch_snapshot;
pub mod erasure;
pub mod invite;
pub mod join_box;
pub mod joining;
pub mod linking;
pub mod mailbox;
pub mod membership;
pub mod panel;
pub mod rejection_code;
mod release;
pub mod roster;
mod roster_entry;
pub mod rules;
pub mod seal;
pub mod sealed_card;
pub mod scorecard_keys;
pub mod session_keys;

pub use codec::DecodeError;
pub use delivery::{EnvelopeProblem, Receipt};
pub use rejection_code::EnvelopeRejection;
pub use invite::SeatInvite;
pub use join_box::JoinBox;
pub use linking::LinkApproval;
pub use joining::{JoinDecision, JoinRefusal, JoinRequest};
pub use panel::{InviteError, Panel, PanelInvite};
pub use roster::{Roster, RosterError, RosterState};
