//! The live interview kit and the debrief brief in words: the core returns enums and records,
//! the sentences are the CLI's.

use panelnotes_core::model::{DebriefSlot, Probe};
use panelnotes_core::services::brief::{DebriefBrief, RatedDimension};
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

pub fn dimension(d: RatedDimension) -> &'static str {
    match d.probe() {
        Some(p) => p.title(),
        None => "Quality of their questions",
    }
}

/// The brief for the debrief: who is missing, disagreements first with their evidence,
/// questions, logistics, next steps. It states what the panel wrote and suggests nothing.
pub fn brief(b: &DebriefBrief) -> String {
    let mut out = String::new();
    if b.complete {
        out += "Debrief brief (complete: every scorecard is in)\n";
    } else {
        out += "Debrief brief (PARTIAL)\n";
        for m in &b.missing {
            out += &format!("  missing: {} (interview {})\n", line(m.interviewer.as_str()), crate::output::short(m.interview_id));
        }
        for i in &b.sealed {
            out += &format!("  sealed to you until your own scorecard is in: interview {}\n", crate::output::short(*i));
        }
    }
    for d in &b.dimensions {
        let label = if d.spread >= 2 { "disagreement" } else if d.spread == 1 { "close" } else { "agreement" };
        out += &format!("\n{} — spread {} ({label})\n", dimension(d.dimension), d.spread);
        // The panel's shared notes of one interview are the same for each of its raters:
        // shown once, under the first.
        let mut shown = Vec::new();
        for r in &d.ratings {
            out += &format!("  {} {}/4: {}\n", line(r.interviewer.as_str()), r.rating, line(&r.comments));
            if !shown.contains(&r.interview_id) {
                shown.push(r.interview_id);
                for n in &r.notes {
                    out += &format!("    > {}\n", line(&n.text));
                }
            }
        }
    }
    if !b.recommendations.is_empty() {
        out += "\nEach panelist's own recommendation:\n";
        for r in &b.recommendations {
            out += &format!("  {}: {}\n", line(r.interviewer.as_str()), r.recommendation.title());
        }
    }
    out += &format!("\nThe candidate's questions ({} specific, {} generic):\n", b.specific_questions, b.generic_questions);
    if b.questions.is_empty() {
        out += "  none recorded\n";
    }
    for q in &b.questions {
        out += &format!("  [{}] {}\n", q.kind.as_str(), line(&q.text));
    }
    out += "\nLogistics:\n";
    let l = &b.logistics;
    let or = |v: Option<String>| v.unwrap_or_else(|| "not asked".into());
    out += &format!("  risk tolerance: {}\n", or(l.risk_tolerance.map(|r| r.as_str().to_owned())));
    out += &format!("  salary: {}\n", or(l.salary.as_ref().map(|s| line(&s.to_string()))));
    out += &format!("  start date: {}\n", or(l.start_date.map(|d| d.to_string())));
    out += &format!("  notice: {}\n", or(l.notice_period_days.map(|d| format!("{d} days"))));
    for c in &b.logistics_conflicts {
        let values: Vec<_> = c.values.iter().map(|v| format!("{} ({})", crate::output::conflicted_value(&v.value), v.author.as_ref().map_or("unknown", |a| a.as_str()))).collect();
        out += &format!("  CONFLICT {}: {}\n", line(&c.field), values.join(" vs "));
    }
    if !b.open_commitments.is_empty() {
        out += "\nOpen commitments:\n";
        for c in &b.open_commitments {
            out += &format!("  {} by {} UTC: {}\n", line(c.owner.as_str()), c.due.format("%Y-%m-%d %H:%M"), line(&c.text));
        }
    }
    if !b.next_steps.is_empty() {
        out += "\nNext steps:\n";
        for n in &b.next_steps {
            let s = &n.next_steps;
            if !s.meet_next.is_empty() {
                out += &format!("  meets next: {}\n", line(&s.meet_next.join(", ")));
            }
            if let Some(o) = &s.owner {
                out += &format!("  follow-up owner: {}\n", line(o.as_str()));
            }
            if let Some(note) = &s.note {
                out += &format!("  {}\n", line(note));
            }
        }
    }
    out
}
