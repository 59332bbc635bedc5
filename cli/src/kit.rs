//! The live interview kit and the debrief brief in words: the core returns enums and records,
//! the sentences are the CLI's.

use panelnotes_core::model::{DebriefSlot, Probe};
use panelnotes_core::services::debrief::{DebriefAttendance, DebriefProposal};
use panelnotes_core::services::kit::{InterviewKit, LogisticsItem, Uncovered};
use panelnotes_core::timeline::humanize;

use crate::output::line;

pub fn probe(p: Probe) -> &'static str {
    p.title()
}

pub fn logistics_item(l: LogisticsItem) -> &'static str {
    match l {
        LogisticsItem::RiskTolerance => "risk tolerance (early-stage startup, possible separation)",
        LogisticsItem::Salary => "salary expectation (current pay, a range, or a pass)",
        LogisticsItem::StartDate => "possible start date",
        LogisticsItem::NoticePeriod => "notice period",
    }
}

/// What is uncovered; `ended` says it in the past ("never covered").
pub fn uncovered(u: &Uncovered, ended: bool) -> String {
    if u.is_empty() {
        return if ended { "The panel covered every probe, the logistics and the candidate's questions.\n".into() } else { "Everything is covered.\n".into() };
    }
    let mut out = String::from(if ended { "Never covered:\n" } else { "Not covered yet:\n" });
    for p in &u.probes {
        out += &format!("  - probe: {} (no notes tied to it)\n", probe(*p));
    }
    for l in &u.logistics {
        out += &format!("  - logistics: {}\n", logistics_item(*l));
    }
    if u.candidate_questions {
        out += "  - the candidate's questions (none recorded)\n";
    }
    out
}

pub fn kit(k: &InterviewKit) -> String {
    let mut out = String::new();
    match &k.stage {
        None if k.ended => out += "The interview has ended.\n",
        None => out += "No stage is running.\n",
        Some(s) => {
            let state = if s.running { "now" } else { "next" };
            out += &format!("{} ({state}): {} of {}", line(&s.title), humanize(s.elapsed), humanize(s.budget));
            if s.overrun > chrono::Duration::zero() {
                out += &format!(", {} over", humanize(s.overrun));
            }
            out += "\n";
            if !s.guidance.is_empty() {
                out += &format!("  {}\n", line(&s.guidance));
            }
            for p in &s.prompts {
                out += &format!("  - {}\n", line(p));
            }
            for g in &s.probes {
                let covered = if g.notes.is_empty() { "no notes yet" } else { "noted" };
                out += &format!("  {} [{covered}]\n", probe(g.probe));
                for p in &g.prompts {
                    out += &format!("    ? {}\n", line(p));
                }
                for n in &g.notes {
                    out += &format!("    > {}\n", line(&n.text));
                }
            }
        }
    }
    out += &format!("Interview: {} of {}\n", humanize(k.elapsed), humanize(k.budget));
    out += &uncovered(&k.uncovered, k.ended);
    out
}

pub fn slot(s: &DebriefSlot) -> String {
    let who: Vec<_> = s.attendees.iter().map(|a| line(a.as_str())).collect();
    format!("{} UTC, {} min, with {}", s.at.format("%Y-%m-%d %H:%M"), s.minutes, who.join(", "))
}

pub fn proposal(p: &DebriefProposal) -> String {
    let whom = match &p.attendance {
        DebriefAttendance::WholePanel => "the whole panel".to_string(),
        DebriefAttendance::OneToOne { interviewer, lead } if interviewer == lead => format!("{} (interviewer and lead)", line(interviewer.as_str())),
        DebriefAttendance::OneToOne { interviewer, lead } => format!("{} (interviewer) and {} (lead)", line(interviewer.as_str()), line(lead.as_str())),
    };
    format!(
        "Proposed debrief, right after the last interview, with {whom}: {}\n  book it: panelnotes candidate debrief {} --book\n",
        slot(&p.slot),
        crate::output::short(p.candidate_id)
    )
}
