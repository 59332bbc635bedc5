//! The live interview kit: the running stage's guidance and prompts by probe, its time against
//! budget, and what the panel has not covered, through to what it never covered at the end.

mod common;

use chrono::Duration;
use common::*;
use panelnotes_core::model::{LogisticsUpdate, Probe, QuestionKind, RiskTolerance, SalaryExpectation};
use panelnotes_core::services::kit::LogisticsItem;

#[test]
fn the_kit_follows_the_stage_and_shrinks_what_is_uncovered() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = s.schedule_interview(panel_interview(c, 600)).unwrap();

    // Before the start: the pitch comes next, nothing covered yet.
    let kit = s.interview_kit(i, t(590)).unwrap();
    let stage = kit.stage.as_ref().unwrap();
    assert_eq!((stage.key.as_str(), stage.running), ("pitch", false));
    assert!(stage.prompts.iter().any(|p| p.contains("strengths and our constraints")));
    assert_eq!(kit.uncovered.probes, [Probe::TechnicalDepth, Probe::ReactionToChallenge, Probe::BusinessImpact]);
    assert_eq!(kit.uncovered.logistics, LogisticsItem::ALL);
    assert!(kit.uncovered.candidate_questions);

    s.advance_stage(i, t(600)).unwrap();
    s.advance_stage(i, t(606)).unwrap();
    s.replace_notes(i, "learn", "## Technical depth\nRan the Spark cluster.\n\nSampling? pushed back hard #challenge").unwrap();
    let kit = s.interview_kit(i, t(630)).unwrap();
    let stage = kit.stage.as_ref().unwrap();
    assert_eq!((stage.key.as_str(), stage.running), ("learn", true));
    assert_eq!((stage.elapsed, stage.budget, stage.overrun), (Duration::minutes(24), Duration::minutes(20), Duration::minutes(4)));
    assert_eq!(kit.elapsed, Duration::minutes(30));
    assert_eq!(stage.probes.iter().map(|g| g.probe).collect::<Vec<_>>(), [Probe::TechnicalDepth, Probe::ReactionToChallenge, Probe::BusinessImpact]);
    let depth = &stage.probes[0];
    assert!(depth.prompts[0].contains("Have you used X"));
    assert_eq!(depth.notes.len(), 1);
    assert_eq!(depth.notes[0].text, "Ran the Spark cluster.");
    assert!(stage.probes[2].notes.is_empty());
    assert_eq!(kit.uncovered.probes, [Probe::BusinessImpact]);

    s.add_question(i, "How do you ship to the edge?", QuestionKind::Specific, t(632)).unwrap();
    s.set_logistics_at(c, LogisticsUpdate { salary: Some(SalaryExpectation::Passed), risk_tolerance: Some(RiskTolerance::Cautious), ..Default::default() }, t(640)).unwrap();
    s.start_stage(i, "logistics", t(640)).unwrap();
    let kit = s.interview_kit(i, t(641)).unwrap();
    assert_eq!(kit.stage.as_ref().unwrap().key, "logistics");
    assert!(!kit.uncovered.candidate_questions);
    // A salary "pass" is an answer; the start date and notice were never asked.
    assert_eq!(kit.uncovered.logistics, [LogisticsItem::StartDate, LogisticsItem::NoticePeriod]);

    s.end_interview(i, t(646)).unwrap();
    let kit = s.interview_kit(i, t(700)).unwrap();
    assert!(kit.ended && kit.stage.is_none());
    assert_eq!(kit.uncovered.probes, [Probe::BusinessImpact]);
    assert_eq!(kit.uncovered.logistics, [LogisticsItem::StartDate, LogisticsItem::NoticePeriod]);
}

#[test]
fn a_team_template_s_pitch_points_and_probe_prompts_are_the_kit() {
    use panelnotes_core::model::{Prompt, Template};
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let mut t0 = Template::playbook();
    t0.name = "Platform team".into();
    t0.stages[0].prompts = vec![Prompt { probe: None, text: "We run 40 services on one cluster".into() }];
    // Only the depth probe is asked in this team's interview.
    t0.stages[1].prompts = vec![
        Prompt { probe: Some(Probe::TechnicalDepth), text: "Walk us through an outage you debugged".into() },
        Prompt { probe: Some(Probe::TechnicalDepth), text: "What would you change in it now?".into() },
    ];
    let id = s.create_template(t0).unwrap();
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    let mut n = panel_interview(c, 600);
    n.template = s.template(id).unwrap();
    let i = s.schedule_interview(n).unwrap();
    let kit = s.interview_kit(i, t(595)).unwrap();
    assert_eq!(kit.stage.as_ref().unwrap().prompts, ["We run 40 services on one cluster"]);
    assert_eq!(kit.uncovered.probes, [Probe::TechnicalDepth]);
    s.advance_stage(i, t(600)).unwrap();
    s.advance_stage(i, t(605)).unwrap();
    let kit = s.interview_kit(i, t(606)).unwrap();
    let probes = &kit.stage.as_ref().unwrap().probes;
    assert_eq!(probes.len(), 1);
    assert_eq!(probes[0].prompts, ["Walk us through an outage you debugged", "What would you change in it now?"]);
}
