//! Plain-text rendering for the terminal.

use chrono::{DateTime, Utc};
use panelnotes_core::model::{Interview, InterviewClock, ScorecardView};
use panelnotes_core::timeline::{humanize, CandidateSummary, Timeline};
use panelnotes_core::DocumentId;

pub fn short(id: DocumentId) -> String {
    id.to_string().chars().take(8).collect()
}

pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn pad(s: &str, w: usize) -> String {
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
        let waiting = if c.status.is_closed() { "-".into() } else { humanize(now - c.waiting_since) };
        let mut next = c.next_action.clone().unwrap_or_else(|| "—".into());
        if let Some(p) = &c.problem {
            next = format!("PROBLEM: {p}");
        }
        out.push_str(&format!(
            "{} {} {} {} {} {}\n",
            pad(&short(c.id), 9),
            pad(&c.name, 22),
            pad(&c.role, 18),
            pad(&c.status.as_str().replace('_', " "), 19),
            pad(&waiting, 8),
            next
        ));
    }
    out
}

pub fn timeline(t: &Timeline) -> String {
    let c = &t.candidate;
    let mut out = format!("{} — {} ({})\n", c.name, c.role, c.id);
    out.push_str(&format!(
        "Status: {}{}\n\nTimeline (UTC)\n",
        c.status.as_str().replace('_', " "),
        c.next_action.as_deref().map(|a| format!(" — next: {a}")).unwrap_or_default()
    ));
    for e in &t.entries {
        let by = e.actor.as_ref().map(|a| format!(" by {a}")).unwrap_or_default();
        let detail = e.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
        let iv = e.interview_id.map(|i| format!(" [{}]", short(i))).unwrap_or_default();
        out.push_str(&format!("  {}  {}{detail}{by}{iv}\n", when(e.at), e.kind.title()));
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
    out.push_str(&format!("  application → decision:         {}\n", d(s.application_to_decision)));
    out
}

pub fn clock(i: &Interview, c: &InterviewClock) -> String {
    let mut out = format!(
        "{} — {} UTC, {} min, panel: {}\n",
        i.title.as_deref().unwrap_or(&i.template_name),
        when(i.scheduled_start),
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
        out.push_str(&format!("{mark} {:<12} {:<28} {timing}\n", s.key, s.title));
    }
    let state = match (c.started_at, c.ended_at) {
        (None, _) => "not started".to_string(),
        (Some(_), Some(_)) => format!("ended after {}", humanize(c.elapsed)),
        (Some(_), None) => format!("{} elapsed of {}", humanize(c.elapsed), humanize(c.budget)),
    };
    out.push_str(&format!("  total: {state}\n"));
    out
}

pub fn scorecards(view: &ScorecardView) -> String {
    match view {
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
                    out.push_str(&format!("    {}\n", s.comments.trim()));
                }
            }
            out
        }
    }
}
