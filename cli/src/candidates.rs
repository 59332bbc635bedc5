//! `panelnotes candidate …`: add, find, show, events, logistics, decision, lead. A candidate
//! is named by its id, the first characters of it, or its name.

use panelnotes_core::model::{
    CandidateEventKind, LogisticsUpdate, NewCandidate, Outcome, RiskTolerance, SalaryExpectation,
};
use panelnotes_core::{DocumentId, Error, InterviewerId, Store};

use crate::args::{CandidateCmd, OutcomeArg, RiskArg};
use crate::{output, when, Failure};

/// The candidate `text` names: an id, a unique id prefix, or a name (whole, else part of
/// one) that only one candidate has.
pub fn resolve(store: &Store, text: &str) -> Result<DocumentId, Failure> {
    let not_an_id = match store.resolve_id(text) {
        Ok(id) => return Ok(id),
        Err(e) => e,
    };
    match store.find_candidates(text)?.as_slice() {
        [one] => Ok(one.id),
        [] => Err(match not_an_id {
            Error::NotFound { .. } => Failure::msg(format!("no candidate or document matches {text:?}")),
            e => e.into(),
        }),
        many => Err(Failure::msg(format!(
            "{text:?} matches {} candidates ({}): use one of those ids",
            many.len(),
            many.iter().map(|c| output::short(c.id)).collect::<Vec<_>>().join(", ")
        ))),
    }
}

pub fn run(store: &mut Store, cmd: CandidateCmd) -> Result<(), Failure> {
    let now = chrono::Utc::now();
    match cmd {
        c @ (CandidateCmd::Erase { .. } | CandidateCmd::Hold { .. } | CandidateCmd::ExportAll { .. } | CandidateCmd::Erasures) => {
            crate::erasure::run(store, c)?
        }
        CandidateCmd::List => output::emit(&output::candidate_list(&store.candidates()?, now)),
        CandidateCmd::Find { name } => {
            let found = store.find_candidates(&name)?;
            if found.is_empty() {
                say!("No candidate's name matches {:?}.", output::line(&name));
            } else {
                output::emit(&output::candidate_list(&found, now));
            }
        }
        CandidateCmd::Add { name, role, source, contact, applied_at } => {
            let c = store.create_candidate(NewCandidate { name, role, source, contact, applied_at: when::parse(&applied_at)? })?;
            say!("{c}");
        }
        CandidateCmd::Debrief { candidate, book, at, minutes, booked_at, ics } => {
            let c = resolve(store, &candidate)?;
            let proposal = store.debrief_proposal(c)?;
            if book {
                let mut slot = proposal
                    .as_ref()
                    .map(|p| p.slot.clone())
                    .ok_or_else(|| Failure::msg("schedule an interview first: the debrief follows the last one"))?;
                if let Some(at) = at {
                    slot.at = when::parse(&at)?;
                }
                if let Some(m) = minutes {
                    slot.minutes = m;
                }
                store.book_debrief(c, slot, when::parse(&booked_at)?)?;
            }
            match store.candidate(c)?.debrief() {
                Some(slot) => say!("Debrief booked: {}", crate::kit::slot(slot)),
                None => match &proposal {
                    Some(p) => output::emit(&crate::kit::proposal(p)),
                    None => say!("No debrief to propose: no interview is scheduled, or the decision is made."),
                },
            }
            if let Some(path) = ics {
                let text = store.debrief_ics(c)?;
                std::fs::write(&path, text).map_err(|e| Failure::msg(format!("writing {}: {e}", path.display())))?;
            }
        }
        CandidateCmd::Brief { candidate } => {
            let c = resolve(store, &candidate)?;
            output::emit(&crate::kit::brief(&store.debrief_brief(c)?));
        }
        CandidateCmd::Show { candidate } => {
            let c = resolve(store, &candidate)?;
            output::emit(&output::timeline(&store.timeline(c)?));
        }
        CandidateCmd::Event { candidate, kind, at, note } => {
            let c = resolve(store, &candidate)?;
            let k = CandidateEventKind::parse(&kind).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "unknown event {kind:?}; use one of acknowledged, debrief-booked, debrief-held, offer-made, offer-accepted, offer-declined, withdrew, note, candidate-informed"
                ))
            })?;
            store.record_event(c, k, when::parse(&at)?, note)?;
        }
        CandidateCmd::Logistics(a) => {
            let c = resolve(store, &a.candidate)?;
            let currency = a.currency.to_uppercase();
            let salary = if a.salary_passed {
                Some(SalaryExpectation::Passed)
            } else if let Some(amount) = a.salary_current {
                Some(SalaryExpectation::Current { amount, currency })
            } else if let Some(r) = &a.salary_range {
                let (min, max) = r
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
                    .ok_or_else(|| Error::InvalidArgument(format!("salary range {r:?} must be MIN-MAX")))?;
                Some(SalaryExpectation::Range { min, max, currency })
            } else {
                None
            };
            let update = LogisticsUpdate {
                risk_tolerance: a.risk.map(|r| match r {
                    RiskArg::Comfortable => RiskTolerance::Comfortable,
                    RiskArg::Cautious => RiskTolerance::Cautious,
                    RiskArg::Averse => RiskTolerance::Averse,
                }),
                risk_notes: a.risk_notes,
                salary,
                start_date: a.start_date.as_deref().map(when::date).transpose()?,
                notice_period_days: a.notice_days,
            };
            store.set_logistics_at(c, update, when::parse(&a.at)?)?;
        }
        CandidateCmd::Decide { candidate, outcome, at, reason, without_scorecards } => {
            let c = resolve(store, &candidate)?;
            let o = match outcome {
                OutcomeArg::Hire => Outcome::Hire,
                OutcomeArg::Reject => Outcome::Reject,
            };
            if without_scorecards {
                store.decide_despite_missing_scorecards(c, o, when::parse(&at)?, reason)?;
            } else {
                store.decide(c, o, when::parse(&at)?, reason)?;
            }
        }
        CandidateCmd::Lead { candidate, lead } => {
            let c = resolve(store, &candidate)?;
            store.set_candidate_lead(c, InterviewerId::new(lead)?)?;
        }
    }
    Ok(())
}
