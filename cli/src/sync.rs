//! `panelnotes sync`: the LAN transport (listen or dial) and the relay, with a short report.
//! Rostered panels sync their mailboxes over device-key sessions; panels from before rosters
//! (v1 invites) still sync their documents under the panel secret.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use panelnotes_core::transport::lan::{serve, sync_roster_with, sync_with, LanOptions, SyncReport};
use panelnotes_core::transport::{JoinOutcome, Panel};
use panelnotes_core::trust::roster::Hash;
use panelnotes_core::trust::JoinDecision;
use panelnotes_core::Store;

use crate::{output, Failure, SyncArgs};

/// How long a listener that has heard enough phones waits for another session of theirs.
const PEER_GRACE: Duration = Duration::from_millis(1000);

/// What the lead's phone did with a join request, for the person watching the listener.
pub(crate) fn describe_join(d: &JoinDecision) -> String {
    match d {
        JoinDecision::Admitted { seat, device, label, .. } => format!("join: {label} · {device} admitted to {seat}"),
        JoinDecision::Pending { request, device, label } => format!("join: {label} · {device} waits for you (request {request})"),
        JoinDecision::Refused(r) => format!("join refused: {r}"),
    }
}

fn short(h: &Hash) -> String {
    h[..4].iter().map(|b| format!("{b:02x}")).collect()
}

fn describe(r: &SyncReport) -> String {
    format!(
        "{} B in, {} B out, {} document(s) updated, {} ms",
        r.bytes_in,
        r.bytes_out,
        r.changed.len(),
        r.elapsed_ms
    )
}

pub fn run(mut store: Store, panels: Vec<Panel>, rosters: Vec<Hash>, args: SyncArgs) -> Result<(), Failure> {
    // This device's new changes go into its outboxes before any session starts.
    for r in &rosters {
        store.post_outgoing(r)?;
    }
    let shared = Arc::new(Mutex::new(store));
    let result = (|| -> Result<(), Failure> {
        if let Some(addr) = &args.mode.listen {
            if panels.is_empty() && rosters.is_empty() {
                return Err(Failure::msg("this store has no panel: `panelnotes invite INTERVIEW` makes one"));
            }
            let server = serve(shared.clone(), addr.as_str(), LanOptions::default()).map_err(|e| Failure::msg(e.to_string()))?;
            say!("listening on {}", server.local_addr());
            let start = Instant::now();
            let mut reported = 0;
            let mut peers = std::collections::BTreeSet::new();
            let mut last_finished = Instant::now();
            loop {
                std::thread::sleep(Duration::from_millis(20));
                let sessions = server.sessions();
                for (n, s) in sessions[reported..].iter().enumerate() {
                    last_finished = Instant::now();
                    match s {
                        Ok(r) => match &r.join {
                            Some(JoinOutcome::Decided(d)) => {
                                // A phone that came to join counts as heard, whatever the answer.
                                peers.insert(format!("join session {}", reported + n));
                                say!("{}", describe_join(d));
                            }
                            _ => {
                                peers.extend(r.peer.clone());
                                say!("session: {}", describe(r));
                            }
                        },
                        Err(e) => say!("session refused or failed: {e}"),
                    }
                }
                reported = sessions.len();
                // A phone syncs each of its panels in a session of its own, one after the
                // other: once enough phones have been heard, wait until none has started
                // another session for a moment before closing.
                // (A listener with one panel has one session per phone: no need to wait.)
                let grace = if panels.len() + rosters.len() > 1 { PEER_GRACE } else { Duration::ZERO };
                let enough = args.sessions.is_some_and(|n| peers.len() >= n && last_finished.elapsed() >= grace);
                if enough || args.for_seconds.is_some_and(|s| start.elapsed().as_secs() >= s) {
                    break;
                }
            }
            server.stop();
            Ok(())
        } else if let Some(addr) = &args.mode.connect {
            if panels.is_empty() && rosters.is_empty() {
                return Err(Failure::msg("this store has no panel: join one with `panelnotes join INVITE --connect ADDR`"));
            }
            for r in &rosters {
                let report = sync_roster_with(&shared, addr.as_str(), r, &LanOptions::default(), None).map_err(|e| Failure::msg(e.to_string()))?;
                say!("panel {}: {}", short(r), describe(&report));
            }
            for p in &panels {
                let r = sync_with(&shared, addr.as_str(), p, &LanOptions::default()).map_err(|e| Failure::msg(e.to_string()))?;
                say!("panel {}: {}", output::short(p.interview), describe(&r));
            }
            Ok(())
        } else if let Some(url) = &args.mode.relay {
            let waiting_joins = !shared.lock().unwrap_or_else(|p| p.into_inner()).waiting_relay_joins()?.is_empty();
            if panels.is_empty() && rosters.is_empty() && !waiting_joins {
                return Err(Failure::msg("this store has no panel to sync: join one first"));
            }
            let opts = crate::relay_join::options(url, args.ca.as_deref())?;
            // Joins first: a welcome picked up here syncs its panel in this same run, and a
            // device the lead admits now gets the roster with the panel's sync below.
            let welcomed = crate::relay_join::on_sync(&shared, url, &opts)?;
            let rosters: Vec<Hash> = rosters.iter().copied().chain(welcomed.into_iter().filter(|r| !rosters.contains(r))).collect();
            // The relay gets each rostered panel's mailboxes only (sealed envelopes, never
            // documents), in a session of its own that does not link the panels.
            for r in &rosters {
                let report = panelnotes_core::transport::relay::sync_roster_via_relay(&shared, url, r, &opts)
                    .map_err(|e| Failure::msg(e.to_string()))?;
                say!("relay, panel {}: {}", short(r), describe(&report));
            }
            if panels.is_empty() {
                return Ok(());
            }
            let grant = panelnotes_core::sync::Grant::documents(panels.iter().flat_map(|p| [p.interview, p.candidate]));
            let r = panelnotes_core::transport::relay::sync_via_relay(&shared, url, grant, &opts)
                .map_err(|e| Failure::msg(e.to_string()))?;
            say!("relay: {}", describe(&r));
            Ok(())
        } else {
            Err(Failure::msg("choose --listen, --connect or --relay"))
        }
    })();
    let store = Arc::try_unwrap(shared)
        .map_err(|_| Failure::msg("a sync session is still running"))?
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    store.close()?;
    result
}
