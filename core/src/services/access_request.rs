//! The access request (ARCHITECTURE.md, "Trust" → "Erasure"): everything this device holds
//! about one candidate, as JSON for machines and Markdown for people. Unlike the dossier, it
//! includes every interviewer's scorecard whether or not this one's is in (a subject access
//! request is answered by the controller, not sealed by panel etiquette), and this device's
//! own unsubmitted draft.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::error::Result;
use crate::ids::DocumentId;
use crate::model::{SalaryExpectation, Scorecard};
use crate::trust::scorecard_keys::Opening;
use crate::store::Store;

/// The two forms of one candidate's export.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AccessExport {
    pub json: String,
    pub markdown: String,
}

fn salary(s: &Option<SalaryExpectation>) -> Value {
    s.as_ref().map(|s| json!(s.to_string())).unwrap_or(Value::Null)
}

fn scorecard(s: &Scorecard) -> Value {
    json!({
        "interviewer": s.interviewer.as_str(),
        "submitted_at": s.submitted_at.to_rfc3339(),
        "recommendation": s.recommendation.title(),
        "ratings": {
            "technical_depth": s.ratings.technical_depth,
            "reaction_to_challenge": s.ratings.reaction_to_challenge,
            "business_understanding": s.ratings.business_understanding,
            "question_quality": s.ratings.question_quality,
        },
        "comments": s.comments,
    })
}

impl Store {
    /// Everything this device holds about the candidate.
    pub fn export_all(&mut self, candidate: DocumentId) -> Result<AccessExport> {
        let c = self.candidate(candidate)?;
        let mut interviews = Vec::new();
        let mut md_interviews = String::new();
        for &id in &c.interviews {
            let i = match self.interview(id) {
                Ok(i) => i,
                // An interview this device never received: say so rather than fail.
                Err(crate::Error::NotFound { .. }) => {
                    interviews.push(json!({ "id": id.to_string(), "held_here": false }));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut notes = serde_json::Map::new();
            for stage in &i.stages {
                notes.insert(stage.key.clone(), json!(self.notes(id, &stage.key)?));
            }
            // Every card this device can open, whatever the panel's reveal etiquette says; a card
            // sealed to keys this device does not hold is listed as such, by seat.
            let opened = self.open_cards(id)?;
            let cards: Vec<Scorecard> = opened.iter().filter_map(|(_, o)| if let Opening::Open(s) = o { Some(s.clone()) } else { None }).collect();
            let sealed_here: Vec<String> =
                opened.iter().filter(|(_, o)| !matches!(o, Opening::Open(_))).map(|(c, _)| c.seat.as_str().to_string()).collect();
            let draft = self.scorecard_draft(id)?;
            let _ = writeln!(md_interviews, "\n## Interview {} — {} UTC\n", i.title.as_deref().unwrap_or(&i.template_name), i.scheduled_start.format("%Y-%m-%d %H:%M"));
            for stage in &i.stages {
                let text = notes.get(&stage.key).and_then(Value::as_str).unwrap_or_default();
                let _ = writeln!(md_interviews, "### Notes: {}\n\n{}\n", stage.title, if text.trim().is_empty() { "_None._" } else { text.trim_end() });
            }
            for q in &i.questions {
                let _ = writeln!(md_interviews, "- Candidate's question: {}", q.text);
            }
            if let Some(n) = &i.next_steps {
                if let Some(note) = &n.note {
                    let _ = writeln!(md_interviews, "- Next steps: {note}");
                }
            }
            let _ = writeln!(md_interviews, "\n### Scorecards\n");
            for s in &cards {
                let _ = writeln!(md_interviews, "- {} ({}, {}): {}", s.interviewer, s.recommendation.title(), s.submitted_at.format("%Y-%m-%d"), s.comments.trim());
            }
            for seat in &sealed_here {
                let _ = writeln!(md_interviews, "- {seat}: submitted, sealed to keys this device does not hold");
            }
            if let Some(d) = &draft {
                let _ = writeln!(md_interviews, "- Unsubmitted draft on this device: {}", d.comments.trim());
            }
            interviews.push(json!({
                "id": id.to_string(),
                "held_here": true,
                "interview": serde_json::to_value(&i).unwrap_or(Value::Null),
                "notes": notes,
                "scorecards": cards.iter().map(scorecard).collect::<Vec<_>>(),
                "scorecards_sealed_here": sealed_here,
                "draft": draft.map(|d| serde_json::to_value(d).unwrap_or(Value::Null)),
            }));
        }
        let l = &c.logistics;
        let value = json!({
            "candidate": {
                "id": candidate.to_string(),
                "name": c.name,
                "role": c.role,
                "source": c.source,
                "contact": c.contact,
                "applied_at": c.applied_at.to_rfc3339(),
                "lead": c.lead.as_ref().map(|l| l.as_str()),
            },
            "logistics": {
                "risk_tolerance": l.risk_tolerance.map(|r| r.as_str()),
                "risk_notes": l.risk_notes,
                "salary": salary(&l.salary),
                "start_date": l.start_date.map(|d| d.to_string()),
                "notice_period_days": l.notice_period_days,
            },
            "timeline": c.events.iter().map(|e| json!({
                "kind": e.kind.as_str(),
                "at": e.at.to_rfc3339(),
                "by": e.by.as_ref().map(|b| b.as_str()),
                "note": e.note,
            })).collect::<Vec<_>>(),
            "decision": c.decision.as_ref().map(|d| json!({
                "outcome": d.outcome.as_str(),
                "at": d.at.to_rfc3339(),
                "by": d.by.as_ref().map(|b| b.as_str()),
                "reason": d.reason,
            })),
            "interviews": interviews,
            "legal_hold": self.legal_hold(candidate)?,
            "exported_at": self.now().to_rfc3339(),
        });
        let mut markdown = self.export_markdown(candidate)?;
        let _ = writeln!(markdown, "\n---\n\n# Everything held on this device\n");
        let _ = writeln!(markdown, "- Salary: {}", l.salary.as_ref().map(|s| s.to_string()).unwrap_or_else(|| "not recorded".into()));
        for e in &c.events {
            if let Some(n) = &e.note {
                let _ = writeln!(markdown, "- Timeline note ({}): {n}", e.kind.as_str());
            }
        }
        markdown.push_str(&md_interviews);
        Ok(AccessExport { json: serde_json::to_string_pretty(&value).unwrap_or_default(), markdown })
    }
}
