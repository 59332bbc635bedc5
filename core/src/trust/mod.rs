//! Who may read and write: the panels this install belongs to, their secrets and invites.
//! Device keys, the signed roster, envelopes and key wrapping come here (ARCHITECTURE.md,
//! "Trust"); the transports and the sync engine build on it, never the other way round.

pub mod panel;

pub use panel::{InviteError, Panel, PanelInvite};
