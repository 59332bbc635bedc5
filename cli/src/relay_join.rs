//! Joining through the relay from the command line: the joiner posts its request into the
//! invite's join box and picks up the welcome on a later contact; the lead's `sync --relay`
//! answers the join boxes of its open seat codes (trust/join_box.rs).

use std::path::Path;
use std::sync::{Arc, Mutex};

use panelnotes_core::transport::relay::{sync_roster_via_relay, RelayOptions};
use panelnotes_core::transport::relay_join::{answer_join_boxes, join_via_relay, pick_up_welcomes, RelayJoin};
use panelnotes_core::trust::roster::Hash;
use panelnotes_core::trust::SeatInvite;
use panelnotes_core::Store;

use crate::{output, Failure};

/// The relay's options for `url` (refused before any connection when this build does not
/// dial it), trusting only the CA in `ca` when given.
pub fn options(url: &str, ca: Option<&Path>) -> Result<RelayOptions, Failure> {
    panelnotes_core::transport::relay_tls::RelayUrl::parse(url).map_err(|e| Failure::msg(e.to_string()))?;
    let ca_pem = match ca {
        Some(path) => Some(std::fs::read(path).map_err(|e| Failure::msg(format!("--ca {}: {e}", path.display())))?),
        None => None,
    };
    Ok(RelayOptions { ca_pem, ..Default::default() })
}

fn welcomed(store: &Store, roster: &Hash) -> Result<String, Failure> {
    let r = store.roster(roster)?;
    let interview = r.state().documents.iter().find(|(_, k)| **k == panelnotes_core::model::DocKind::Interview).map(|(d, _)| *d);
    let seat = r.state().current(&store.device().signing).map(|m| m.seat.to_string()).unwrap_or_default();
    Ok(format!("welcomed to the panel of interview {} in seat {seat}, through the relay", interview.map(output::short).unwrap_or_default()))
}

/// `panelnotes join URI --relay URL`: posts the request (once) and, if the lead's device has
/// answered, takes the welcome and syncs the panel.
pub fn join(store: Store, uri: &str, url: &str, ca: Option<&Path>, label: &str) -> Result<(), Failure> {
    let invite = SeatInvite::parse(uri).map_err(|e| Failure::msg(e.to_string()))?;
    let opts = options(url, ca)?;
    let shared = Arc::new(Mutex::new(store));
    let result = (|| -> Result<(), Failure> {
        match join_via_relay(&shared, url, &invite, label, &opts).map_err(|e| Failure::msg(e.to_string()))? {
            RelayJoin::Welcomed(roster) => {
                let line = welcomed(&shared.lock().unwrap_or_else(|p| p.into_inner()), &roster)?;
                say!("{line}");
                let report = sync_roster_via_relay(&shared, url, &roster, &opts).map_err(|e| Failure::msg(e.to_string()))?;
                say!("relay: {} document(s) updated", report.changed.len());
            }
            RelayJoin::Waiting => say!(
                "join request posted through the relay; the lead's device answers when it next syncs there: run this again, or `panelnotes sync --relay {url}`, to pick up the welcome"
            ),
        }
        Ok(())
    })();
    let store = Arc::try_unwrap(shared).map_err(|_| Failure::msg("the join session is still running"))?;
    store.into_inner().unwrap_or_else(|p| p.into_inner()).close()?;
    result
}

/// On a relay sync: the welcomes of joins this phone posted (returned, so their panels sync
/// in the same run), then the lead's answers to the join boxes of its open seat codes.
pub fn on_sync(shared: &Arc<Mutex<Store>>, url: &str, opts: &RelayOptions) -> Result<Vec<Hash>, Failure> {
    let rosters = pick_up_welcomes(shared, url, opts).map_err(|e| Failure::msg(e.to_string()))?;
    for r in &rosters {
        let line = welcomed(&shared.lock().unwrap_or_else(|p| p.into_inner()), r)?;
        say!("{line}");
    }
    for d in answer_join_boxes(shared, url, opts).map_err(|e| Failure::msg(e.to_string()))? {
        say!("{}", crate::sync::describe_join(&d));
    }
    Ok(rosters)
}
