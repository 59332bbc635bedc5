//! The debrief booked the playbook's way: proposed right after the last interview with the
//! whole panel (or, after a one-to-one, its interviewer and the lead), booked before the first
//! interview, counted by the status, the next action and the speed figure, and exported as
//! an .ics that parses back.

mod common;

use std::str::FromStr;
use std::sync::Arc;

use chrono::Duration;
use common::*;
use icalendar::{Calendar, CalendarComponent, Component};
use panelnotes_core::model::{CandidateEventKind, DebriefSlot};
use panelnotes_core::services::debrief::DebriefAttendance;
use panelnotes_core::timeline::{CandidateStatus, NextAction};
use panelnotes_core::{ManualClock, StoreOptions};

#[test]
fn a_debrief_booked_before_the_first_interview_counts() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(t(60));
    let mut s = open_with(&dir, "ana@acme", StoreOptions { clock: Arc::new(clock.clone()), ..Default::default() });
    let c = s.create_candidate(new_candidate("Dana", 0)).unwrap();
    s.record_event(c, CandidateEventKind::Acknowledged, t(30), None).unwrap();
    // A loop of two: the panel at 600, a one-to-one with dev@ at 700 (45 min each).
    let mut first = panel_interview(c, 600);
    first.booked_at = t(40);
    let i1 = s.schedule_interview(first).unwrap();
    let mut second = panel_interview(c, 700);
    second.booked_at = t(45);
    second.panelists = vec![who("dev@acme")];
    second.lead = who("dev@acme");
    let i2 = s.schedule_interview(second).unwrap();

    let p = s.debrief_proposal(c).unwrap().unwrap();
    assert_eq!(p.after_interview, i2);
    assert_eq!((p.slot.at, p.slot.minutes), (t(745), 30));
    assert_eq!(p.attendance, DebriefAttendance::WholePanel);
    assert_eq!(p.slot.attendees, [who("ana@acme"), who("ben@acme"), who("cy@acme"), who("dev@acme")]);

    s.book_debrief(c, p.slot.clone(), t(60)).unwrap();
    let tl = s.timeline(c).unwrap();
    // Booked, but the interviews come first.
    assert_eq!(tl.candidate.next_action, Some(NextAction::HoldInterview { scheduled_start: t(600) }));
    assert_eq!(tl.speed.last_interview_to_debrief_booked, None);

    clock.advance(std::time::Duration::from_secs(12 * 3600));
    for (i, start) in [(i1, 600), (i2, 700)] {
        s.advance_stage(i, t(start)).unwrap();
        s.end_interview(i, t(start + 45)).unwrap();
    }
    let tl = s.timeline(c).unwrap();
    assert_eq!(tl.candidate.status, CandidateStatus::DebriefBooked);
    assert_eq!(tl.candidate.next_action, Some(NextAction::HoldDebrief));
    // Booked ahead: the team waited no time at all after the last interview.
    assert_eq!(tl.speed.last_interview_to_debrief_booked, Some(Duration::zero()));
    assert_eq!(s.candidate(c).unwrap().debrief(), Some(&p.slot));

    // The .ics parses back with the same crate: one event, its times, the whole panel.
    let ics = s.debrief_ics(c).unwrap();
    let cal = Calendar::from_str(&ics).unwrap();
    let events: Vec<_> = cal.components.iter().filter_map(|c| match c {
        CalendarComponent::Event(e) => Some(e),
        _ => None,
    }).collect();
    assert_eq!(events.len(), 1);
    let e = events[0];
    assert_eq!(e.get_summary(), Some("Debrief: Dana (Data engineer)"));
    assert_eq!(e.get_start(), Some(t(745).into()));
    assert_eq!(e.get_end(), Some(t(775).into()));
    assert_eq!(e.get_timestamp(), Some(t(60 + 12 * 60)));
    assert_eq!(e.get_uid(), Some(format!("debrief-{c}@panelnotes").as_str()));
    let attendees: Vec<_> = e.multi_properties().get("ATTENDEE").unwrap().iter().map(|p| p.value().to_owned()).collect();
    assert_eq!(attendees, ["mailto:ana@acme", "mailto:ben@acme", "mailto:cy@acme", "mailto:dev@acme"]);
}

#[test]
fn a_stale_booking_stops_counting_and_a_one_to_one_names_two_people() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir, "ana@acme");
    let c = s.create_candidate(new_candidate("Eli", 0)).unwrap();
    let mut one = panel_interview(c, 600);
    one.panelists = vec![who("ben@acme")];
    one.lead = who("ben@acme");
    let i1 = s.schedule_interview(one).unwrap();
    let p = s.debrief_proposal(c).unwrap().unwrap();
    assert_eq!(p.attendance, DebriefAttendance::OneToOne { interviewer: who("ben@acme"), lead: who("ana@acme") });
    assert_eq!(p.slot.attendees, [who("ben@acme"), who("ana@acme")]);
    s.book_debrief(c, p.slot, t(60)).unwrap();

    // The loop grows past the booked slot: the booking no longer closes the loop.
    let i2 = s.schedule_interview(panel_interview(c, 900)).unwrap();
    for (i, start) in [(i1, 600), (i2, 900)] {
        s.advance_stage(i, t(start)).unwrap();
        s.end_interview(i, t(start + 45)).unwrap();
    }
    let tl = s.timeline(c).unwrap();
    assert_eq!(tl.candidate.status, CandidateStatus::AwaitingFeedback);
    assert_eq!(tl.speed.last_interview_to_debrief_booked, None);

    // Refused: a slot before its own booking, or without anyone in it.
    let bad = DebriefSlot { at: t(900), minutes: 30, attendees: vec![who("ana@acme")] };
    assert!(s.book_debrief(c, bad.clone(), t(950)).is_err());
    assert!(s.book_debrief(c, DebriefSlot { attendees: vec![], ..bad }, t(800)).is_err());
}
