//! Panels and who is on them: seat invites, joining, the lead's queue of join requests, the
//! roster, and removing a device.

use chrono::Utc;
use panelnotes_core::transport::lan::{join_with, LanOptions};
use panelnotes_core::transport::JoinOutcome;
use panelnotes_core::trust::roster::Action;
use panelnotes_core::trust::SeatInvite;
use panelnotes_core::{DocumentId, InterviewerId, Store};

use crate::{output, Failure};

pub(crate) fn roster_of(store: &Store, interview: DocumentId) -> Result<panelnotes_core::trust::roster::Hash, Failure> {
    store
        .roster_of_interview(interview)?
        .ok_or_else(|| Failure::msg(format!("no panel for interview {}: the lead makes one with `panelnotes invite`", output::short(interview))))
}

pub fn invite(store: &mut Store, interview: DocumentId, seat: Option<String>, open: bool, hours: Option<u32>) -> Result<(), Failure> {
    let roster = match store.roster_of_interview(interview)? {
        Some(r) => r,
        None => store.start_roster(interview, None)?,
    };
    let expires = hours.map(|h| Utc::now() + chrono::Duration::hours(h.into()));
    let state = store.roster(&roster)?.state().clone();
    let seats: Vec<Option<InterviewerId>> = if open {
        vec![None]
    } else if let Some(s) = seat {
        vec![Some(InterviewerId::new(s)?)]
    } else {
        // Every scheduled seat that has no device yet.
        state.seats.keys().filter(|s| state.device_in(s).is_none()).cloned().map(Some).collect()
    };
    if seats.is_empty() {
        say!("every seat of the panel has a device (`panelnotes roster {}`)", output::short(interview));
    }
    for s in seats {
        let invite = store.invite_seat(&roster, s.clone(), expires)?;
        let who = s.map(|s| s.to_string()).unwrap_or_else(|| "any seat (you decide)".into());
        say!("{who}: {}", invite.to_uri());
    }
    Ok(())
}

pub fn join(store: Store, uri: &str, addr: &str, label: &str) -> Result<(), Failure> {
    let invite = SeatInvite::parse(uri).map_err(|e| Failure::msg(e.to_string()))?;
    let shared = std::sync::Arc::new(std::sync::Mutex::new(store));
    let outcome = join_with(&shared, addr, &invite, label, &LanOptions::default());
    let store = std::sync::Arc::try_unwrap(shared).map_err(|_| Failure::msg("the join session is still running"))?;
    let store = store.into_inner().unwrap_or_else(|p| p.into_inner());
    let result = match outcome.map_err(|e| Failure::msg(e.to_string()))? {
        JoinOutcome::Welcomed(roster) => {
            let r = store.roster(&roster)?;
            let interview = r.state().documents.iter().find(|(_, k)| **k == panelnotes_core::model::DocKind::Interview).map(|(d, _)| *d);
            let me = r.state().current(&store.device().signing).map(|m| m.seat.to_string()).unwrap_or_default();
            say!(
                "welcomed to the panel of interview {} in seat {me}, by the lead's device {}; its documents arrive with the first sync",
                interview.map(output::short).unwrap_or_default(),
                invite.lead
            );
            Ok(())
        }
        JoinOutcome::Refused(reason) => Err(Failure::msg(format!("the lead's phone refused: {reason}"))),
        JoinOutcome::Decided(_) => Err(Failure::msg("unexpected answer")),
    };
    store.close()?;
    result
}

pub fn requests(store: &Store) -> Result<(), Failure> {
    let waiting = store.join_requests()?;
    if waiting.is_empty() {
        say!("no join request is waiting");
    }
    for r in waiting {
        say!("request {}: {} · device {} · {}", r.id, r.label, r.device, output::when(r.received_at));
    }
    Ok(())
}

pub fn roster(store: &Store, interview: DocumentId) -> Result<(), Failure> {
    let r = store.roster(&roster_of(store, interview)?)?;
    let state = r.state();
    say!("panel of interview {}, epoch {}, {} roster entries", output::short(interview), state.epoch, r.entries().len());
    let lead = state.members.get(&state.lead_device).map(|m| format!("{} · {}", m.label, m.device.fingerprint())).unwrap_or_default();
    say!("  lead: {} ({lead})", state.lead_seat);
    for (seat, admin) in &state.seats {
        let role = if *admin { " (admin)" } else { "" };
        let devices: Vec<String> = state
            .members
            .values()
            .filter(|m| &m.seat == seat)
            .map(|m| {
                // A seat's second device came by a link, countersigned by the seat's first.
                let linked = r.entries().iter().any(|e| matches!(&e.action, Action::Link { device, .. } if device.signing == m.device.signing));
                let linked = if linked { " · linked" } else { "" };
                format!("{} · {}{linked}{}", m.label, m.device.fingerprint(), if m.removed.is_some() { " · removed" } else { "" })
            })
            .collect();
        let shown = if devices.is_empty() { "no device yet".to_owned() } else { devices.join("; ") };
        say!("  {seat}{role}: {shown}");
    }
    Ok(())
}

pub fn remove(store: &mut Store, interview: DocumentId, fingerprint: &str) -> Result<(), Failure> {
    let roster = roster_of(store, interview)?;
    let r = store.roster(&roster)?;
    let device = r
        .state()
        .current_devices()
        .find(|m| m.device.fingerprint() == fingerprint)
        .map(|m| m.device.signing)
        .ok_or_else(|| Failure::msg(format!("no current device {fingerprint} on this panel")))?;
    store.remove_device(&roster, device)?;
    say!("removed device {fingerprint}; the panel is on a new epoch, sealed from it");
    Ok(())
}

/// The roster as a code a linked device takes in (`take-roster`).
pub fn export_roster(store: &Store, interview: DocumentId) -> Result<(), Failure> {
    let id = roster_of(store, interview)?;
    say!("{}", panelnotes_core::trust::linking::roster_code(&id, &store.roster_bytes(&id)?));
    Ok(())
}

pub fn compact(store: &mut Store, interview: DocumentId) -> Result<(), Failure> {
    let roster = roster_of(store, interview)?;
    let before = store.mailbox_bytes(&roster)?;
    let epoch = store.compact_panel(&roster)?;
    say!("panel compacted: epoch {epoch} starts from a snapshot; this phone held {before} bytes of mailboxes, now {}", store.mailbox_bytes(&roster)?);
    Ok(())
}
