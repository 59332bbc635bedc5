//! A second device of one's own on a panel (the new device shows its code, the seat's device
//! countersigns it, an admin links it, the new device takes in the roster), and moving the
//! panel's lead to another seat.

use panelnotes_core::trust::linking::{device_code, parse_device_code, parse_roster_code, LinkApproval};
use panelnotes_core::{DocumentId, InterviewerId, Store};

use crate::panel::roster_of;
use crate::{output, Failure};

pub fn device(store: &Store) {
    let me = store.device();
    say!("this device: {}", me.fingerprint());
    say!("to link it to your seat, run on your device that is on the panel:");
    say!("  panelnotes countersign-link INTERVIEW {}", device_code(&me));
}

pub fn countersign(store: &Store, interview: DocumentId, code: &str, label: &str) -> Result<(), Failure> {
    let device = parse_device_code(code).map_err(|e| Failure::msg(format!("device code: {e}")))?;
    let approval = store.countersign_link(&roster_of(store, interview)?, device, label)?;
    say!("vouched for device {} in seat {}; an admin of the panel links it with:", device.fingerprint(), approval.seat);
    say!("  panelnotes link {} {}", output::short(interview), approval.to_code());
    Ok(())
}

pub fn link(store: &mut Store, interview: DocumentId, code: &str) -> Result<(), Failure> {
    let approval = LinkApproval::from_code(code).map_err(|e| Failure::msg(format!("link code: {e}")))?;
    let roster = roster_of(store, interview)?;
    store.link_device(&roster, &approval)?;
    say!("linked device {} to seat {}; it takes in the roster with `panelnotes roster --export` here, then:", approval.device.fingerprint(), approval.seat);
    say!("  panelnotes take-roster CODE");
    Ok(())
}

pub fn take_roster(store: &mut Store, code: &str) -> Result<(), Failure> {
    let (genesis, entries) = parse_roster_code(code).map_err(|e| Failure::msg(format!("roster code: {e}")))?;
    store.import_roster(&genesis, &entries)?;
    let roster = store.roster(&genesis)?;
    match roster.state().current(&store.device().signing) {
        Some(m) => say!("this device is on the panel in seat {}; its documents arrive with the first sync", m.seat),
        None => say!("took in the roster, but this device is not on it (yet)"),
    }
    Ok(())
}

pub fn transfer_lead(store: &mut Store, interview: DocumentId, seat: &str, device: Option<&str>, keep_admin: bool) -> Result<(), Failure> {
    let roster = roster_of(store, interview)?;
    let seat = InterviewerId::new(seat)?;
    let state = store.roster(&roster)?.state().clone();
    let mut in_seat = state.current_devices().filter(|m| m.seat == seat && device.is_none_or(|fp| m.device.fingerprint() == fp));
    let target = match (in_seat.next(), in_seat.next()) {
        (Some(m), None) => m.device.signing,
        (Some(_), Some(_)) => return Err(Failure::msg(format!("seat {seat} has several devices: name one with --device FINGERPRINT"))),
        (None, _) => return Err(Failure::msg(format!("seat {seat} has no such current device on this panel"))),
    };
    store.transfer_lead(&roster, seat.clone(), target, keep_admin)?;
    let you = if keep_admin { "you stay an admin" } else { "your seat is a member's now" };
    say!("the lead of the panel is {seat}'s; {you}");
    Ok(())
}
