//! A candidate's dossier as Markdown: profile, timeline, speed, logistics, and each
//! interview's notes, questions, next steps and submitted scorecards. This is what a lead
//! shares with the team, so it follows the same sealing rule as the app: a panelist who has
//! not submitted sees no one else's scorecard here either.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::DocumentId;
use crate::model::{QuestionKind, ScorecardView};
use crate::store::Store;
use crate::timeline::{humanize, EntryDetail, NextAction};

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// Table cells may not contain pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn opt(d: Option<chrono::Duration>) -> String {
    d.map(humanize).unwrap_or_else(|| "—".into())
}

/// A next action in English, for this export and the CLI. The apps get the enum and say it in
/// the user's language; nothing here crosses the FFI.
/// A timeline entry's detail in the dossier's English.
pub fn detail_text(d: &EntryDetail) -> String {
    match d {
        EntryDetail::Slot { start, minutes } => format!("for {}, {minutes} min", when(*start)),
        EntryDetail::Done { at: Some(at) } => format!("done {}", when(*at)),
        EntryDetail::Done { at: None } => "done".into(),
    }
}

pub fn next_action_text(a: &NextAction) -> String {
    match a {
        NextAction::AcknowledgeApplication => "Acknowledge the application".into(),
        NextAction::ScheduleInterview => "Schedule an interview".into(),
        NextAction::HoldInterview { scheduled_start } => format!("Hold the interview ({} UTC)", when(*scheduled_start)),
        NextAction::CollectScorecards { submitted, panel } => format!("Collect scorecards ({submitted} of {panel} in)"),
        // The proposal names who attends: the whole panel, or a one-to-one's interviewer and lead.
        NextAction::BookDebrief => "Book the debrief right after the last interview".into(),
        NextAction::HoldDebrief => "Hold the debrief".into(),
        NextAction::RecordDecision => "Record the decision".into(),
        NextAction::MakeOffer => "Make an offer".into(),
        NextAction::FollowUpOnOffer => "Follow up on the offer".into(),
    }
}

impl Store {
    pub fn export_markdown(&mut self, candidate_id: DocumentId) -> Result<String> {
        let now = self.now();
        let c = self.candidate(candidate_id)?;
        let tl = self.timeline(candidate_id)?;
        let mut md = String::new();
        let w = &mut md;
        let _ = writeln!(w, "# {} — {}\n", c.name, c.role);
        let _ = writeln!(w, "- Applied: {} UTC", when(c.applied_at));
        if let Some(s) = &c.source {
            let _ = writeln!(w, "- Source: {s}");
        }
        if let Some(s) = &c.contact {
            let _ = writeln!(w, "- Contact: {s}");
        }
        let _ = write!(w, "- Status: {}", tl.candidate.status.title());
        if let Some(a) = &tl.candidate.next_action {
            let _ = write!(w, " — next: {}", next_action_text(a));
        }
        let _ = writeln!(w, "\n");

        let _ = writeln!(w, "## Timeline\n\n| When (UTC) | Event | By |\n|---|---|---|");
        for e in &tl.entries {
            let _ = writeln!(
                w,
                "| {} | {}{}{} | {} |",
                when(e.at),
                e.kind.title(),
                e.detail.map(|d| format!(" ({})", detail_text(&d))).unwrap_or_default(),
                // A peer recorded it out of order: say so, as the app does.
                e.problem.map(|p| format!(" ⚠ dated before {}", p.must_follow.noun())).unwrap_or_default(),
                e.actor.as_ref().map(|a| cell(a.as_str())).unwrap_or_default()
            );
        }
        let notes: Vec<_> = c.events.iter().filter_map(|e| e.note.as_ref().map(|n| (e, n))).collect();
        if !notes.is_empty() {
            let _ = writeln!(w);
            for (e, n) in notes {
                let _ = writeln!(w, "- {} ({}): {}", when(e.at), e.kind.as_str().replace('_', " "), n);
            }
        }

        let s = &tl.speed;
        let _ = writeln!(w, "\n## Speed\n");
        let _ = writeln!(w, "- Application to acknowledgement: {}", opt(s.application_to_acknowledgement));
        let _ = writeln!(w, "- Application to first interview: {}", opt(s.application_to_first_interview));
        for f in &s.feedback {
            let _ = writeln!(
                w,
                "- Interview end to {}'s scorecard: {}",
                f.interviewer,
                f.delay.map(humanize).unwrap_or_else(|| "still missing".into())
            );
        }
        let _ = writeln!(w, "- Last interview to debrief booked: {}", opt(s.last_interview_to_debrief_booked));
        let _ = writeln!(w, "- Last interview to decision: {}", opt(s.last_interview_to_decision));
        let _ = writeln!(w, "- Application to decision: {}", opt(s.application_to_decision));

        let l = &c.logistics;
        let _ = writeln!(w, "\n## Logistics\n");
        let risk = l.risk_tolerance.map(|r| r.as_str().to_owned()).unwrap_or_else(|| "not discussed".into());
        match &l.risk_notes {
            Some(n) => {
                let _ = writeln!(w, "- Risk tolerance: {risk} ({n})");
            }
            None => {
                let _ = writeln!(w, "- Risk tolerance: {risk}");
            }
        }
        let salary = l.salary.as_ref().map(|s| s.to_string()).unwrap_or_else(|| "not discussed".into());
        let _ = writeln!(w, "- Salary: {salary}");
        let start = l.start_date.map(|d| d.to_string()).unwrap_or_else(|| "not discussed".into());
        let _ = writeln!(w, "- Possible start date: {start}");
        let notice = l.notice_period_days.map(|d| format!("{d} days")).unwrap_or_else(|| "not discussed".into());
        let _ = writeln!(w, "- Notice period: {notice}");

        for summary in &tl.interviews {
            let i = self.interview(summary.id)?;
            let _ = writeln!(
                w,
                "\n## Interview: {} — {} UTC\n",
                i.title.as_deref().unwrap_or(&i.template_name),
                when(i.scheduled_start)
            );
            let panel: Vec<String> = i
                .panelists
                .iter()
                .map(|p| if *p == i.lead { format!("{p} (lead)") } else { p.to_string() })
                .collect();
            let _ = writeln!(w, "Panel: {}\n", panel.join(", "));
            let clock = i.clock(i.ended_at.unwrap_or(now));
            for t in &clock.stages {
                let timing = match t.started_at {
                    None => format!("{} min budget, not held", t.budget.num_minutes()),
                    Some(_) if t.overrun > chrono::Duration::zero() => format!(
                        "{} min budget, took {}, {} over",
                        t.budget.num_minutes(),
                        humanize(t.elapsed),
                        humanize(t.overrun)
                    ),
                    Some(_) => format!("{} min budget, took {}", t.budget.num_minutes(), humanize(t.elapsed)),
                };
                let _ = writeln!(w, "### {} ({timing})\n", t.title);
                let text = self.notes(i.id, &t.key)?;
                if text.trim().is_empty() {
                    let _ = writeln!(w, "_No notes._\n");
                } else {
                    let _ = writeln!(w, "{}\n", text.trim_end());
                }
            }
            if !i.questions.is_empty() {
                let _ = writeln!(w, "### The candidate's questions\n");
                for q in &i.questions {
                    let tag = match q.kind {
                        QuestionKind::Generic => "generic",
                        QuestionKind::Specific => "specific",
                    };
                    let _ = writeln!(w, "- [{tag}] {}", q.text);
                }
                let specific = i.questions.iter().filter(|q| q.kind == QuestionKind::Specific).count();
                let _ = writeln!(w, "\n{specific} of {} questions were specific.\n", i.questions.len());
            }
            if let Some(n) = &i.next_steps {
                let _ = writeln!(w, "### Next steps\n");
                if !n.meet_next.is_empty() {
                    let _ = writeln!(w, "- Meets next: {}", n.meet_next.join(", "));
                }
                if let Some(o) = &n.owner {
                    let _ = writeln!(w, "- Follow-up by: {o}");
                }
                if let Some(note) = &n.note {
                    let _ = writeln!(w, "- {note}");
                }
                let _ = writeln!(w);
            }
            let _ = writeln!(w, "### Scorecards\n");
            match self.scorecards(i.id)? {
                ScorecardView::Sealed { submitted, panel_size } => {
                    let _ = writeln!(
                        w,
                        "Sealed: {} of {panel_size} submitted. Submit your own scorecard to see the others.\n",
                        submitted.len()
                    );
                }
                ScorecardView::Visible(cards) if cards.is_empty() => {
                    let _ = writeln!(w, "_None submitted yet._\n");
                }
                ScorecardView::Visible(cards) => {
                    let _ = writeln!(
                        w,
                        "| Panelist | Technical depth | Reaction to a challenge | Business understanding | Question quality | Recommendation |\n|---|---|---|---|---|---|"
                    );
                    for s in &cards {
                        let r = |v: Option<u8>| v.map(|v| format!("{v}/4")).unwrap_or_else(|| "—".into());
                        let _ = writeln!(
                            w,
                            "| {} | {} | {} | {} | {} | {} |",
                            cell(s.interviewer.as_str()),
                            r(s.ratings.technical_depth),
                            r(s.ratings.reaction_to_challenge),
                            r(s.ratings.business_understanding),
                            r(s.ratings.question_quality),
                            s.recommendation.title()
                        );
                    }
                    let _ = writeln!(w);
                    for s in cards.iter().filter(|s| !s.comments.trim().is_empty()) {
                        let _ = writeln!(w, "- {}: {}", s.interviewer, s.comments.trim());
                    }
                    let _ = writeln!(w);
                }
            }
        }

        if let Some(d) = &c.decision {
            let _ = writeln!(w, "## Decision\n");
            let by = d.by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default();
            let _ = writeln!(w, "{} on {} UTC{by}.", d.outcome.as_str(), when(d.at));
            if let Some(r) = &d.reason {
                let _ = writeln!(w, "\n{r}");
            }
        }
        Ok(md)
    }
}
