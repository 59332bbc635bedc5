//! The kit, the debrief and the speed rules through the exported API, as the apps call them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use panelnotes_core::model::Probe;
use panelnotes_core::services::acknowledge::AcknowledgementFilter;
use panelnotes_core::services::kit::LogisticsItem;
use panelnotes_ffi::{PanelNotes, PanelNotesError};

const MIN: Duration = Duration::from_secs(60);

fn open(dir: &tempfile::TempDir, who: &str) -> Arc<PanelNotes> {
    PanelNotes::open(dir.path().join(format!("{who}.sqlite3")).display().to_string(), format!("{who}@acme"), who.into(), vec![7u8; 32]).unwrap()
}

#[test]
fn the_kit_shows_what_is_uncovered_and_the_debrief_is_proposed_booked_and_briefed() {
    let dir = tempfile::tempdir().unwrap();
    let ana = open(&dir, "ana");
    let now = SystemTime::now();
    let c = ana.create_candidate("Dana".into(), "Data engineer".into(), None, None, now - 60 * 24 * MIN).unwrap();
    // Not yet acknowledged and waiting a day: over a 12-hour target.
    let queue = ana.acknowledgement_queue(AcknowledgementFilter::default(), 12 * 60 * MIN, now).unwrap();
    assert_eq!(queue.len(), 1);
    let start = now - 30 * MIN;
    let i = ana
        .schedule_interview(c.clone(), None, None, start, None, vec!["ana@acme".into(), "ben@acme".into()], "ana@acme".into())
        .unwrap();
    ana.start_stage(i.clone(), "learn".into(), start + 5 * MIN).unwrap();
    ana.splice_notes(i.clone(), "learn".into(), 0, 0, "Ran Spark on 200 nodes #depth".into()).unwrap();

    let kit = ana.interview_kit(i.clone(), now).unwrap();
    let stage = kit.stage.expect("a stage is running");
    assert_eq!(stage.key, "learn");
    assert_eq!(stage.probes.len(), 3, "the learn stage's prompts come grouped by its three probes");
    assert!(stage.elapsed >= chrono::Duration::minutes(24));
    assert_eq!(kit.uncovered.probes, vec![Probe::ReactionToChallenge, Probe::BusinessImpact]);
    assert_eq!(kit.uncovered.logistics.len(), LogisticsItem::ALL.len());
    assert!(kit.uncovered.candidate_questions, "no question asked yet");

    let proposal = ana.debrief_proposal(c.clone()).unwrap().expect("a debrief is proposed");
    assert!(proposal.slot.attendees.iter().any(|a| a.as_str() == "ben@acme"));
    ana.book_debrief(c.clone(), proposal.slot.clone(), now).unwrap();
    let ics = ana.debrief_ics(c.clone()).unwrap();
    assert!(ics.contains("BEGIN:VCALENDAR") && ics.contains("BEGIN:VEVENT"));

    ana.end_interview(i.clone(), now).unwrap();
    let brief = ana.debrief_brief(c.clone()).unwrap();
    assert!(!brief.complete);
    assert_eq!(brief.missing.len(), 2, "both panelists still owe a scorecard");
    let owed = ana.feedback_owed(Some("ana@acme".into()), now + 2 * 60 * MIN).unwrap();
    assert_eq!(owed.len(), 1);
    // Deciding with scorecards missing needs the explicit override.
    let hire = panelnotes_core::model::Outcome::Hire;
    assert!(matches!(ana.decide(c.clone(), hire, now, None), Err(PanelNotesError::NotPermitted { .. })));
    ana.decide_despite_missing_scorecards(c.clone(), hire, now, None).unwrap();
    assert!(ana.debrief_proposal(c).unwrap().is_none(), "no debrief to propose once decided");
}

#[test]
fn commitments_made_in_the_room_stay_open_until_kept() {
    let dir = tempfile::tempdir().unwrap();
    let ana = open(&dir, "ana");
    let now = SystemTime::now();
    let c = ana.create_candidate("Dana".into(), "Data engineer".into(), None, None, now - 60 * MIN).unwrap();
    let i = ana.schedule_interview(c, None, None, now - 30 * MIN, None, vec!["ana@acme".into()], "ana@acme".into()).unwrap();
    ana.add_commitment(i.clone(), "Send the team's reading list".into(), "ana@acme".into(), now + 60 * MIN, now).unwrap();
    assert_eq!(ana.open_commitments(Some("ana@acme".into()), now).unwrap().len(), 1);
    assert!(ana.add_commitment(i.clone(), "  ".into(), "ana@acme".into(), now, now).is_err());
    ana.complete_commitment(i.clone(), 0, now).unwrap();
    assert!(ana.open_commitments(None, now).unwrap().is_empty());
    assert!(matches!(ana.complete_commitment(i, 7, now), Err(PanelNotesError::NotFound { .. })));
}
