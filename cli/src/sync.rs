//! `panelnotes sync`: the LAN transport (listen or dial) and the relay, with a short report.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use panelnotes_core::transport::lan::{serve, sync_with, LanOptions, SyncReport};
use panelnotes_core::transport::Panel;
use panelnotes_core::Store;

use crate::{output, Failure, SyncArgs};

/// How long a listener that has heard enough phones waits for another session of theirs.
const PEER_GRACE: Duration = Duration::from_millis(1000);

fn describe(r: &SyncReport) -> String {
    format!(
        "{} B in, {} B out, {} document(s) updated, {} ms",
        r.bytes_in,
        r.bytes_out,
        r.changed.len(),
        r.elapsed_ms
    )
}

pub fn run(store: Store, panels: Vec<Panel>, args: SyncArgs) -> Result<(), Failure> {
    let shared = Arc::new(Mutex::new(store));
    let result = (|| -> Result<(), Failure> {
        if let Some(addr) = &args.mode.listen {
            if panels.is_empty() {
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
                for s in &sessions[reported..] {
                    last_finished = Instant::now();
                    match s {
                        Ok(r) => {
                            peers.extend(r.peer.clone());
                            say!("session: {}", describe(r));
                        }
                        Err(e) => say!("session refused or failed: {e}"),
                    }
                }
                reported = sessions.len();
                // A phone syncs each of its panels in a session of its own, one after the
                // other: once enough phones have been heard, wait until none has started
                // another session for a moment before closing.
                // (A listener with one panel has one session per phone: no need to wait.)
                let grace = if panels.len() > 1 { PEER_GRACE } else { Duration::ZERO };
                let enough = args.sessions.is_some_and(|n| peers.len() >= n && last_finished.elapsed() >= grace);
                if enough || args.for_seconds.is_some_and(|s| start.elapsed().as_secs() >= s) {
                    break;
                }
            }
            server.stop();
            Ok(())
        } else if let Some(addr) = &args.mode.connect {
            if panels.is_empty() {
                return Err(Failure::msg("this store has no panel: join one with `panelnotes join INVITE`"));
            }
            for p in &panels {
                let r = sync_with(&shared, addr.as_str(), p, &LanOptions::default()).map_err(|e| Failure::msg(e.to_string()))?;
                say!("panel {}: {}", output::short(p.interview), describe(&r));
            }
            Ok(())
        } else if let Some(url) = &args.mode.relay {
            let grant = panelnotes_core::sync::Grant::documents(panels.iter().flat_map(|p| [p.interview, p.candidate]));
            let r = panelnotes_core::transport::relay::sync_via_relay(&shared, url, grant, &Default::default())
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
