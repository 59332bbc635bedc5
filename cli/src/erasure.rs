//! `panelnotes candidate erase | hold | export-all | erasures` and `panelnotes retention`:
//! erasure, legal holds, the access-request export and the team's retention rule. Output
//! names candidates by id only, so a terminal log of a retention run names no one.

use std::path::Path;

use panelnotes_core::services::retention::RetentionRule;
use panelnotes_core::Store;

use crate::args::{CandidateCmd, ExportFormat};
use crate::candidates::resolve;
use crate::{output, Failure};

fn write(text: &str, to: Option<&Path>) -> Result<(), Failure> {
    match to {
        Some(p) => std::fs::write(p, text).map_err(|e| Failure::msg(format!("writing {}: {e}", p.display()))),
        None => {
            output::emit(text);
            Ok(())
        }
    }
}

pub fn run(store: &mut Store, cmd: CandidateCmd) -> Result<(), Failure> {
    match cmd {
        CandidateCmd::Erase { candidate, yes } => {
            let c = resolve(store, &candidate)?;
            if !yes {
                return Err(Failure::msg(format!("erasing {c} cannot be undone: run it again with --yes (export it first with `candidate export-all`)")));
            }
            let s = store.erase_candidate(c)?;
            say!("Erased {c}. {} of {} devices acknowledged; the others purge on their next sync.", s.acknowledged, s.expected);
        }
        CandidateCmd::Hold { candidate, clear } => {
            let c = resolve(store, &candidate)?;
            store.set_legal_hold(c, !clear)?;
            if clear {
                say!("Legal hold on {c} lifted.");
            } else {
                say!("Legal hold on {c} set: it cannot be erased until the hold is lifted.");
            }
        }
        CandidateCmd::ExportAll { candidate, format, output } => {
            let c = resolve(store, &candidate)?;
            let export = store.export_all(c)?;
            let text = match format {
                ExportFormat::Markdown => export.markdown,
                ExportFormat::Json => export.json + "\n",
            };
            write(&text, output.as_deref())?;
        }
        CandidateCmd::Erasures => {
            let all = store.erasures()?;
            if all.is_empty() {
                say!("No erasures.");
            }
            for s in all {
                let at = chrono::DateTime::from_timestamp_millis(s.erased_at_ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
                say!("{}  erased {at}  {} of {} devices acknowledged", s.candidate_id, s.acknowledged, s.expected);
            }
        }
        _ => unreachable!("candidates::run hands over only the erasure commands"),
    }
    Ok(())
}

/// With day flags and --dry-run: what that rule would erase, without keeping it. With day
/// flags alone: the rule is kept and run at once. Without them: the team's rule, listed
/// (--dry-run) or run.
pub fn retention(store: &mut Store, dry_run: bool, after_decision: Option<u32>, after_inactive: Option<u32>) -> Result<(), Failure> {
    let old = store.retention_rule()?;
    let pick = |new: Option<u32>, old: Option<u32>| match new {
        Some(0) => None,
        Some(d) => Some(d),
        None => old,
    };
    let rule = RetentionRule {
        after_decision_days: pick(after_decision, old.after_decision_days),
        after_inactive_days: pick(after_inactive, old.after_inactive_days),
    };
    if !dry_run && rule != old {
        store.set_retention_rule(rule)?;
    }
    let days = |d: Option<u32>| d.map(|d| format!("{d} days")).unwrap_or_else(|| "off".into());
    say!("Rule: erase {} after the decision, {} without activity.", days(rule.after_decision_days), days(rule.after_inactive_days));
    if dry_run {
        let due = store.retention_preview(rule)?;
        if due.is_empty() {
            say!("Nothing is due.");
        }
        for d in due {
            say!("due  {}  {}", d.candidate_id, d.reason);
        }
        return Ok(());
    }
    let run = store.run_retention()?;
    if run.erased.is_empty() && run.skipped.is_empty() {
        say!("Nothing is due.");
    }
    for d in run.erased {
        say!("erased  {}  {}", d.candidate_id, d.reason);
    }
    for d in run.skipped {
        say!("kept  {}  {}", d.candidate_id, d.reason);
    }
    Ok(())
}
