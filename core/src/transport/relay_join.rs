//! Joining through the relay (trust/join_box.rs): the joiner's phone posts its request into
//! the invite's join box and looks for its welcome; the lead's device, when it syncs through
//! the relay, answers the join boxes of its open seat tokens. Each join box gets a session
//! and a storage id of its own, so the relay links neither boxes nor panels to one install.

use super::lan::SharedStore;
use super::relay::{sync_via_relay, RelayOptions};
use super::TransportError;
use crate::sync::Grant;
use crate::trust::roster::Hash;
use crate::trust::{JoinBox, JoinDecision, SeatInvite};

/// Where a join through the relay stands on the joiner's phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayJoin {
    /// Welcomed: the panel's roster is here; its documents come with the panel's first sync.
    Welcomed(Hash),
    /// The request is on the relay; the lead's device has not answered it yet (it answers
    /// when it next syncs through the relay, or the lead decides on a request it queued).
    Waiting,
}

fn lock(store: &SharedStore) -> std::sync::MutexGuard<'_, crate::Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

fn sync_join_docs(store: &SharedStore, url: &str, join_box: crate::ids::DocumentId, docs: Vec<crate::ids::DocumentId>, opts: &RelayOptions) -> Result<(), TransportError> {
    let storage_id = lock(store).join_box_storage_id(&join_box)?;
    let opts = RelayOptions { storage_id: Some(storage_id), ..opts.clone() };
    sync_via_relay(store, url, Grant::documents(docs), &opts)?;
    Ok(())
}

/// The joiner's phone: posts the join request of `invite` (once) and picks up the welcome if
/// the lead's device has posted it. Run again later to pick it up.
pub fn join_via_relay(store: &SharedStore, url: &str, invite: &SeatInvite, label: &str, opts: &RelayOptions) -> Result<RelayJoin, TransportError> {
    let boxes = lock(store).post_join_request(invite, label)?;
    pick_up(store, url, &boxes, opts)
}

fn pick_up(store: &SharedStore, url: &str, boxes: &JoinBox, opts: &RelayOptions) -> Result<RelayJoin, TransportError> {
    sync_join_docs(store, url, boxes.join_box, vec![boxes.join_box, boxes.reply], opts)?;
    Ok(match lock(store).take_relay_welcome(boxes)? {
        Some(roster) => RelayJoin::Welcomed(roster),
        None => RelayJoin::Waiting,
    })
}

/// The joiner's phone on a later relay contact: every join it posted and has no welcome
/// for, looked at again. Returns the rosters it was welcomed to.
pub fn pick_up_welcomes(store: &SharedStore, url: &str, opts: &RelayOptions) -> Result<Vec<Hash>, TransportError> {
    let waiting = lock(store).waiting_relay_joins()?;
    let mut welcomed = Vec::new();
    for boxes in waiting {
        if let RelayJoin::Welcomed(r) = pick_up(store, url, &boxes, opts)? {
            welcomed.push(r);
        }
    }
    Ok(welcomed)
}

/// The lead's device: syncs the join box of every seat token still to answer, takes the
/// requests in it as the LAN path does, and posts each admitted device's welcome. Returns
/// what it decided, request by request (a request read again decides the same way).
pub fn answer_join_boxes(store: &SharedStore, url: &str, opts: &RelayOptions) -> Result<Vec<JoinDecision>, TransportError> {
    let open = lock(store).open_join_boxes()?;
    let mut decisions = Vec::new();
    for (join_box, answered) in open {
        let mut docs = vec![join_box];
        docs.extend(answered.iter().copied());
        sync_join_docs(store, url, join_box, docs, opts)?;
        let (decided, now_answered) = {
            let mut s = lock(store);
            let decided = s.answer_join_box(join_box)?;
            (decided, s.answers_posted(join_box)?)
        };
        decisions.extend(decided);
        if now_answered != answered {
            let mut docs = vec![join_box];
            docs.extend(now_answered);
            sync_join_docs(store, url, join_box, docs, opts)?;
        }
    }
    Ok(decisions)
}
