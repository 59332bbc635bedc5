//! A second device of one's own in a panel seat, and moving the panel's lead, for the apps.
//! Linking takes two devices: the new one shows its code (`this_device_code`), the seat's
//! device vouches for it (`countersign_link`, a link code), an admin's device links it
//! (`link_device`), and the new device takes in the roster (`take_panel_roster`, from a code
//! `panel_roster_code` gives on any member's device). Codes carry public keys, signatures and
//! the roster, never a secret in the clear.

use panelnotes_core::trust::linking::{device_code, parse_device_code, parse_roster_code, roster_code, LinkApproval};

use crate::error::{PanelNotesError, R};
use crate::store::{who, PanelNotes};
use crate::trust::{roster_view, PanelRoster};

fn code_error(what: &str, e: impl std::fmt::Display) -> PanelNotesError {
    PanelNotesError::InvalidArgument { reason: format!("{what}: {e}") }
}

#[uniffi::export]
impl PanelNotes {
    /// This device's public keys as a code, for a device of the same person on a panel to
    /// vouch for (`countersign_link`).
    pub fn this_device_code(&self) -> String {
        device_code(&self.lock().device())
    }

    /// On a device of the seat: vouches for the device whose code is `device_code` as
    /// another device of this seat on the interview's panel. Returns the link code for an admin.
    pub fn countersign_link(&self, interview_id: String, device_code: String, label: String) -> R<String> {
        let hash = self.roster_id(&interview_id)?;
        let device = parse_device_code(&device_code).map_err(|e| code_error("device code", e))?;
        Ok(self.lock().countersign_link(&hash, device, &label)?.to_code())
    }

    /// As an admin: links the device a link code vouches for to its seat, with its welcome.
    pub fn link_device(&self, interview_id: String, link_code: String) -> R<PanelRoster> {
        let hash = self.roster_id(&interview_id)?;
        let approval = LinkApproval::from_code(&link_code).map_err(|e| code_error("link code", e))?;
        let mut s = self.lock();
        s.link_device(&hash, &approval)?;
        let roster = s.roster(&hash)?;
        Ok(roster_view(&s, &roster))
    }

    /// The panel's roster as a code, for a device linked to a seat to take in.
    pub fn panel_roster_code(&self, interview_id: String) -> R<String> {
        let hash = self.roster_id(&interview_id)?;
        Ok(roster_code(&hash, &self.lock().roster_bytes(&hash)?))
    }

    /// On a linked device: takes in the panel's roster from its code; the panel's documents
    /// arrive with the first sync.
    pub fn take_panel_roster(&self, code: String) -> R<PanelRoster> {
        let (hash, entries) = parse_roster_code(&code).map_err(|e| code_error("roster code", e))?;
        let mut s = self.lock();
        s.import_roster(&hash, &entries)?;
        let roster = s.roster(&hash)?;
        Ok(roster_view(&s, &roster))
    }

    /// As an admin: moves the panel's lead to `seat` (its device by fingerprint when it has
    /// several). This device's seat stays an admin seat only with `keep_admin`.
    pub fn transfer_lead(&self, interview_id: String, seat: String, device_fingerprint: Option<String>, keep_admin: bool) -> R<PanelRoster> {
        let hash = self.roster_id(&interview_id)?;
        let seat = who(seat)?;
        let mut s = self.lock();
        let state = s.roster(&hash)?.state().clone();
        let mut in_seat = state.current_devices().filter(|m| m.seat == seat && device_fingerprint.as_ref().is_none_or(|fp| &m.device.fingerprint() == fp));
        let device = match (in_seat.next(), in_seat.next()) {
            (Some(m), None) => m.device.signing,
            (Some(_), Some(_)) => return Err(PanelNotesError::InvalidArgument { reason: format!("seat {seat} has several devices: name one") }),
            (None, _) => return Err(PanelNotesError::NotFound { kind: "device".into(), id: seat.to_string() }),
        };
        s.transfer_lead(&hash, seat, device, keep_admin)?;
        let roster = s.roster(&hash)?;
        Ok(roster_view(&s, &roster))
    }
}
