//! Next-step commitments: owner and deadline, on the timeline, overdue ones surfaced first,
//! kept ones gone from the open list.

mod common;

use common::*;
use panelnotes_core::timeline::{EntryDetail, TimelineKind};
use panelnotes_core::Error;

#[test]
fn commitments_are_on_the_timeline_and_overdue_ones_come_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();
    s.add_commitment(i, "Reply with the offer range", who("ana@acme"), t(3000), t(640)).unwrap();
    s.add_commitment(i, "Send the take-home", who("ben@acme"), t(1000), t(641)).unwrap();
    assert!(matches!(s.add_commitment(i, "x", who("ben@acme"), t(500), t(642)), Err(Error::OutOfOrder { .. })));
    assert!(s.add_commitment(i, "  ", who("ben@acme"), t(900), t(642)).is_err());

    let open = s.open_commitments(None, t(2000)).unwrap();
    let rows: Vec<_> = open.iter().map(|o| (o.commitment.text.as_str(), o.overdue)).collect();
    assert_eq!(rows, [("Send the take-home", true), ("Reply with the offer range", false)]);
    assert_eq!(s.open_commitments(Some(&who("ana@acme")), t(2000)).unwrap().len(), 1);

    let due: Vec<_> = s.timeline(c).unwrap().entries.into_iter().filter(|e| e.kind == TimelineKind::CommitmentDue).collect();
    assert_eq!(due.iter().map(|e| (e.at, e.actor.clone().unwrap())).collect::<Vec<_>>(), [(t(1000), who("ben@acme")), (t(3000), who("ana@acme"))]);

    let take_home = open[0].index;
    assert!(s.complete_commitment(i, take_home, t(600)).is_err());
    s.complete_commitment(i, take_home, t(2100)).unwrap();
    let open = s.open_commitments(None, t(4000)).unwrap();
    assert_eq!(open.iter().map(|o| (o.commitment.text.as_str(), o.overdue)).collect::<Vec<_>>(), [("Reply with the offer range", true)]);
    let tl = s.timeline(c).unwrap();
    let done = tl.entries.iter().find(|e| e.kind == TimelineKind::CommitmentDue && e.at == t(1000)).unwrap();
    assert_eq!(done.detail, Some(EntryDetail::Done { at: Some(t(2100)) }));
    assert!(matches!(s.complete_commitment(i, 9, t(2100)), Err(Error::NotFound { .. })));
}
