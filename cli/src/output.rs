//! What reaches the terminal. Text from documents (names, notes, a peer's values) is
//! sanitised here: a control character could recolour the terminal or set its title, and a
//! newline in a name would break a list. A closed stdout (`| head`) ends the run quietly.

use std::io::Write;

use chrono::{DateTime, Utc};
use panelnotes_core::model::{CandidateProblem, ConflictedValue, Interview, InterviewClock, QuarantineReason, ScorecardSeal, ScorecardView, SealReason, SealState};
use panelnotes_core::timeline::{humanize, CandidateSummary, EntryDetail, Timeline, TimelineKind};
use panelnotes_core::ProblemKind;
use panelnotes_core::export::next_action_text;
use panelnotes_core::DocumentId;

use crate::when;

/// Writes `text` to stdout, sanitised. If stdout is closed, exits at once with success:
/// the reader has what it wanted, and every edit was durable before anything was printed.
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    if out.write_all(block(text).as_bytes()).and_then(|()| out.flush()).is_err() {
        std::process::exit(0);
    }
}

/// Prints a line (formatted like `println!`) through `emit`.
#[macro_export]
macro_rules! say {
    () => { $crate::output::emit("\n") };
    ($($arg:tt)*) => { $crate::output::emit(&format!("{}\n", format_args!($($arg)*))) };
}

/// Control characters shown as visible symbols; line breaks and tabs kept.
pub fn block(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
            '\u{7f}' => '\u{2421}',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// One line of a list: line breaks and tabs become spaces too.
pub fn line(s: &str) -> String {
    block(&s.replace(['\n', '\r', '\t'], " "))
}

/// The CLI's English for what the core reports as data; the apps say the same in their users'
/// languages.
pub fn candidate_problem(p: &CandidateProblem) -> String {
    match p {
        CandidateProblem::Quarantined { reason } => format!("damaged ({}); heals at the next sync", quarantine_reason(*reason)),
        CandidateProblem::InvalidField { path } => format!("a peer wrote {} wrongly; showing the last good state", line(path)),
    }
}

pub fn quarantine_reason(r: QuarantineReason) -> &'static str {
    match r {
        QuarantineReason::Undecodable => "its stored bytes do not decode",
        QuarantineReason::MissingDependencies => "changes are missing what they build on",
    }
}

pub fn problem_kind(k: ProblemKind) -> &'static str {
    match k {
        ProblemKind::InvalidValue => "a value of the wrong type, skipped",
        ProblemKind::OrphanChanges => "changes whose dependencies never arrived, dropped",
        ProblemKind::Healed => "restored from a panel member's copy",
    }
}

pub fn entry_detail(d: &EntryDetail) -> String {
    match d {
        EntryDetail::Slot { start, minutes } => format!("for {}, {minutes} min", when(*start)),
        EntryDetail::Done { at: Some(at) } => format!("done {}", when(*at)),
        EntryDetail::Done { at: None } => "done".into(),
    }
}

/// One value of a conflicted field. Text a person wrote is shown as one line.
pub fn conflicted_value(v: &ConflictedValue) -> String {
    match v {
        ConflictedValue::Text { text } => line(text),
        ConflictedValue::Time { at } => when(*at),
        ConflictedValue::Date { date } => date.format("%Y-%m-%d").to_string(),
        ConflictedValue::Integer { value } => value.to_string(),
        ConflictedValue::Boolean { value } => value.to_string(),
        ConflictedValue::Interviewer { id } => id.to_string(),
        ConflictedValue::RiskTolerance { value } => value.as_str().to_owned(),
        ConflictedValue::Salary { salary } => line(&salary.to_string()),
        ConflictedValue::Decision { decision } => format!("{} ({})", decision.outcome.as_str(), when(decision.at)),
        ConflictedValue::NextSteps { next_steps } => {
            let meet = next_steps.meet_next.iter().map(|m| line(m)).collect::<Vec<_>>().join(", ");
            let owner = next_steps.owner.as_ref().map(|o| format!(", owner {o}")).unwrap_or_default();
            format!("meet next: {meet}{owner}")
        }
        ConflictedValue::Scorecard => "a submitted scorecard (sealed)".into(),
        ConflictedValue::Cleared => "(cleared)".into(),
        ConflictedValue::Unreadable => "(unreadable)".into(),
    }
}

pub fn short(id: DocumentId) -> String {
    id.to_string().chars().take(8).collect()
}

pub fn when(t: DateTime<Utc>) -> String {
    when::show(t)
}

fn pad(s: &str, w: usize) -> String {
    let s = line(s);
    let n = s.chars().count();
    if n >= w {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

pub fn candidate_list(list: &[CandidateSummary], now: DateTime<Utc>) -> String {
    if list.is_empty() {
        return "No candidates yet. Add one with `panelnotes candidate add --name NAME --role ROLE`.\n".into();
    }
    let mut out = format!(
        "{} {} {} {} {} {}\n",
        pad("ID", 9),
        pad("NAME", 22),
        pad("ROLE", 18),
        pad("STATUS", 19),
        pad("WAITING", 8),
        "NEXT ACTION"
    );
    for c in list {
        // A wait that would be negative (a time a peer put in the future) shows as none.
        let waiting = if c.status.is_closed() { "-".into() } else { humanize((now - c.waiting_since).max(chrono::Duration::zero())) };
        let mut next = c.next_action.as_ref().map(next_action_text).unwrap_or_else(|| "—".into());
        if let Some(p) = &c.problem {
            next = format!("PROBLEM: {}", candidate_problem(p));
        }
        out.push_str(&format!(
            "{} {} {} {} {} {}\n",
            pad(&short(c.id), 9),
            pad(&c.name, 22),
            pad(&c.role, 18),
            pad(c.status.title(), 19),
            pad(&waiting, 8),
            line(&next)
        ));
    }
    out
}

pub fn timeline(t: &Timeline) -> String {
    let c = &t.candidate;
    let mut out = format!("{} — {} ({})\n", line(&c.name), line(&c.role), c.id);
    out.push_str(&format!(
        "Status: {}{}\n\nTimeline ({})\n",
        c.status.title(),
        c.next_action.as_ref().map(|a| format!(" — next: {}", line(&next_action_text(a)))).unwrap_or_default(),
        when::zone_label()
    ));
    for e in &t.entries {
        // The applicant applied; the interviewer only recorded it.
        let by = match (&e.actor, e.kind) {
            (Some(a), TimelineKind::Candidate(panelnotes_core::model::CandidateEventKind::Applied)) => format!(" (recorded by {a})"),
            (Some(a), _) => format!(" by {a}"),
            (None, _) => String::new(),
        };
        let booked = e.interview_id.filter(|_| e.kind == TimelineKind::InterviewScheduled);
        let detail = match booked.and_then(|i| t.interviews.iter().find(|s| s.id == i)) {
            Some(i) => format!(" (for {}, {} min)", when(i.scheduled_start), i.minutes),
            None => e.detail.map(|d| format!(" ({})", entry_detail(&d))).unwrap_or_default(),
        };
        let iv = e.interview_id.map(|i| format!(" [{}]", short(i))).unwrap_or_default();
        let problem = e
            .problem
            .map(|p| format!("  ⚠ out of order: dated before {}", p.must_follow.noun()))
            .unwrap_or_default();
        out.push_str(&format!("  {}  {}{detail}{by}{iv}{problem}\n", when(e.at), e.kind.title()));
    }
    if !t.interviews.is_empty() {
        out.push_str("\nInterviews\n");
        for i in &t.interviews {
            let state = match (i.started_at, i.ended_at) {
                (_, Some(e)) => format!("held, ended {}", when(e)),
                (Some(s), None) => format!("in progress since {}", when(s)),
                _ => "scheduled".into(),
            };
            out.push_str(&format!("  [{}] {} — {} min, {state}\n", short(i.id), when(i.scheduled_start), i.minutes));
            for p in &i.panel {
                let lead = if p.interviewer == i.lead { " (lead)" } else { "" };
                let s = match p.submitted_at {
                    Some(at) => format!("scorecard submitted {}", when(at)),
                    None => "scorecard pending".into(),
                };
                out.push_str(&format!("      {}{lead}: {s}\n", p.interviewer));
            }
        }
    }
    let s = &t.speed;
    let d = |x: Option<chrono::Duration>| x.map(humanize).unwrap_or_else(|| "—".into());
    out.push_str("\nSpeed\n");
    out.push_str(&format!("  application → acknowledgement:   {}\n", d(s.application_to_acknowledgement)));
    out.push_str(&format!("  application → first interview:   {}\n", d(s.application_to_first_interview)));
    for f in &s.feedback {
        out.push_str(&format!(
            "  interview end → {}'s scorecard: {}\n",
            f.interviewer,
            f.delay.map(humanize).unwrap_or_else(|| "missing".into())
        ));
    }
    out.push_str(&format!("  last interview → debrief booked: {}\n", d(s.last_interview_to_debrief_booked)));
    out.push_str(&format!("  last interview → decision:       {}\n", d(s.last_interview_to_decision)));
    out.push_str(&format!("  decision → candidate informed:   {}\n", d(s.decision_to_candidate_informed)));
    out.push_str(&format!("  application → decision:         {}\n", d(s.application_to_decision)));
    if t.entries.iter().any(|e| e.problem.is_some()) {
        out.push_str("  (entries marked ⚠ were recorded out of order and count in no figure)\n");
    }
    out
}

/// The interview's stages against their budgets, its questions in the order they were
/// asked, and its next steps.
pub fn interview(i: &Interview, c: &InterviewClock) -> String {
    let mut out = format!(
        "{} — {} ({}), {} min, panel: {}\n",
        line(i.title.as_deref().unwrap_or(&i.template_name)),
        when(i.scheduled_start),
        when::zone_label(),
        i.minutes,
        i.panelists.iter().map(|p| if *p == i.lead { format!("{p} (lead)") } else { p.to_string() }).collect::<Vec<_>>().join(", ")
    );
    for s in &c.stages {
        let mark = if c.current.as_deref() == Some(s.key.as_str()) { "▶" } else { " " };
        let timing = match s.started_at {
            None => "not started".to_string(),
            Some(_) => {
                let over = if s.overrun > chrono::Duration::zero() { format!(", {} over", humanize(s.overrun)) } else { String::new() };
                format!("{} of {}{over}", humanize(s.elapsed), humanize(s.budget))
            }
        };
        out.push_str(&format!("{mark} {:<12} {:<28} {timing}\n", line(&s.key), line(&s.title)));
    }
    let state = match (c.started_at, c.ended_at) {
        (None, _) => "not started".to_string(),
        (Some(_), Some(_)) => format!("ended after {}", humanize(c.elapsed)),
        (Some(_), None) => format!("{} elapsed of {}", humanize(c.elapsed), humanize(c.budget)),
    };
    out.push_str(&format!("  total: {state}\n"));
    let mut questions: Vec<_> = i.questions.iter().collect();
    questions.sort_by_key(|q| q.asked_at);
    for q in questions {
        out.push_str(&format!("  question {} [{}] {}\n", when(q.asked_at), q.kind.as_str(), line(&q.text)));
    }
    if let Some(n) = &i.next_steps {
        if !n.meet_next.is_empty() {
            out.push_str(&format!("  next: meets {}\n", n.meet_next.iter().map(|m| line(m)).collect::<Vec<_>>().join(", ")));
        }
        if let Some(o) = &n.owner {
            out.push_str(&format!("  next: {o} follows up\n"));
        }
        if let Some(note) = &n.note {
            out.push_str(&format!("  next: {}\n", line(note)));
        }
    }
    out
}

/// The scorecards as the viewer may see them, then each card still sealed to them after
/// their own is in, and why (`seals`: `Store::scorecard_seals`).
pub fn scorecards(view: &ScorecardView, seals: &[ScorecardSeal]) -> String {
    let mut out = scorecards_view(view);
    if matches!(view, ScorecardView::Visible(_)) {
        for s in seals {
            let SealState::Sealed { reason } = &s.state else { continue };
            let why = match reason {
                SealReason::WaitingForYourSubmission => "submit your own to see it".to_owned(),
                SealReason::WaitingForRelease { by_seat } => format!("waiting for {by_seat}'s phone to release its key"),
                SealReason::Refused { problem } => format!("refused: {problem}"),
            };
            out.push_str(&format!("{} — sealed (submitted {}): {why}\n", s.interviewer, when(s.submitted_at)));
        }
    }
    out
}

fn scorecards_view(view: &ScorecardView) -> String {
    match view {
        ScorecardView::Sealed { submitted, panel_size } if submitted.is_empty() => {
            format!("Sealed: none of {panel_size} submitted yet. Submit your own scorecard to see the others.\n")
        }
        ScorecardView::Sealed { submitted, panel_size } => format!(
            "Sealed: {} of {panel_size} submitted ({}). Submit your own scorecard to see them.\n",
            submitted.len(),
            submitted.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
        ),
        ScorecardView::Visible(cards) if cards.is_empty() => "No scorecards submitted yet.\n".into(),
        ScorecardView::Visible(cards) => {
            let mut out = String::new();
            for s in cards {
                out.push_str(&format!("{} — {} (submitted {})\n", s.interviewer, s.recommendation.title(), when(s.submitted_at)));
                for (label, v) in s.ratings.labelled() {
                    out.push_str(&format!("    {label:<28} {}\n", v.map(|v| format!("{v}/4")).unwrap_or_else(|| "—".into())));
                }
                if !s.comments.trim().is_empty() {
                    out.push_str(&format!("    {}\n", line(s.comments.trim())));
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let hostile = "Dana\u{1b}]0;pwned\u{7}\u{1b}[31mRed\r\nNext\u{9b}2J";
        let shown = line(hostile);
        assert!(shown.chars().all(|c| !c.is_control()), "{shown:?}");
        assert_eq!(shown, "Dana␛]0;pwned␇␛[31mRed  Next\u{FFFD}2J");
        assert_eq!(block("a\nb\tc\u{1b}"), "a\nb\tc␛");
    }
}
