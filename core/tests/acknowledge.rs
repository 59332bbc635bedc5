//! The acknowledgement queue (oldest first, flagged over the target, filtered by role and
//! status) and the "candidate informed" step after a decision, with its speed figure.

mod common;

use chrono::Duration;
use common::*;
use panelnotes_core::model::{CandidateEventKind, NewCandidate, Outcome};
use panelnotes_core::services::acknowledge::{AcknowledgementFilter, ACKNOWLEDGE_TARGET};
use panelnotes_core::timeline::CandidateStatus;
use panelnotes_core::Error;

#[test]
fn the_queue_is_oldest_first_flagged_over_target_and_filtered() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let now = t(4 * 24 * 60);
    let old = s.create_candidate(new_candidate("Old", 0)).unwrap(); // waits 4 days
    let sre = s.create_candidate(NewCandidate { role: "SRE".into(), ..new_candidate("Sam", 60) }).unwrap();
    let fresh = s.create_candidate(new_candidate("Fresh", 4 * 24 * 60 - 120)).unwrap(); // 2 h
    let done = s.create_candidate(new_candidate("Done", 10)).unwrap();
    s.record_event(done, CandidateEventKind::Acknowledged, t(20), None).unwrap();

    let all = s.acknowledgement_queue(&AcknowledgementFilter::default(), ACKNOWLEDGE_TARGET, now).unwrap();
    let rows: Vec<_> = all.iter().map(|a| (a.candidate_id, a.over_target)).collect();
    assert_eq!(rows, [(old, true), (sre, true), (fresh, false)]);
    assert_eq!(all[1].waiting, Duration::hours(4 * 24 - 1));
    // With a 4-day target nobody is over yet: the oldest has waited exactly 4 days.
    let four_days = s.acknowledgement_queue(&AcknowledgementFilter::default(), Duration::days(4), now).unwrap();
    assert_eq!(four_days.iter().filter(|a| a.over_target).count(), 0);

    let by_role = AcknowledgementFilter { role: Some("sre".into()), status: None };
    assert_eq!(s.acknowledgement_queue(&by_role, ACKNOWLEDGE_TARGET, now).unwrap().iter().map(|a| a.candidate_id).collect::<Vec<_>>(), [sre]);
    s.schedule_interview(panel_interview(old, 5000)).unwrap();
    let scheduled = AcknowledgementFilter { role: None, status: Some(CandidateStatus::InterviewScheduled) };
    assert_eq!(s.acknowledgement_queue(&scheduled, ACKNOWLEDGE_TARGET, now).unwrap().iter().map(|a| a.candidate_id).collect::<Vec<_>>(), [old]);

    // Acknowledged: out of the queue.
    s.record_event(sre, CandidateEventKind::Acknowledged, t(4 * 24 * 60 - 30), None).unwrap();
    assert_eq!(s.acknowledgement_queue(&AcknowledgementFilter::default(), ACKNOWLEDGE_TARGET, now).unwrap().len(), 2);
}

#[test]
fn the_candidate_is_informed_after_the_decision_and_it_is_timed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let e = s.record_event(c, CandidateEventKind::CandidateInformed, t(30), None).unwrap_err();
    assert!(matches!(e, Error::OutOfOrder { .. }), "{e}");
    s.decide(c, Outcome::Reject, t(100), None).unwrap();
    assert!(matches!(s.record_event(c, CandidateEventKind::CandidateInformed, t(90), None), Err(Error::OutOfOrder { .. })));
    assert_eq!(s.timeline(c).unwrap().speed.decision_to_candidate_informed, None);
    s.record_event(c, CandidateEventKind::CandidateInformed, t(160), None).unwrap();
    assert_eq!(s.timeline(c).unwrap().speed.decision_to_candidate_informed, Some(Duration::hours(1)));
}
