//! `panelnotes interview …`, `notes` and `scorecard`: scheduling, running the stages, notes,
//! questions, next steps and the panelist's own scorecard.

use std::io::Read;

use panelnotes_core::model::{NewInterview, NextSteps, QuestionKind, Recommendation, ScorecardDraft};
use panelnotes_core::{Error, InterviewerId, Store};

use crate::args::{InterviewCmd, ScorecardCmd};
use crate::{candidates, output, when, Failure};

pub fn run(store: &mut Store, cmd: InterviewCmd) -> Result<(), Failure> {
    match cmd {
        InterviewCmd::Schedule { candidate, at, panel, lead, template, minutes, title, booked_at } => {
            let c = candidates::resolve(store, &candidate)?;
            let panelists = panel.into_iter().map(InterviewerId::new).collect::<Result<Vec<_>, _>>()?;
            let template = store.find_template(&template)?;
            let i = store.schedule_interview(NewInterview {
                candidate_id: c,
                title,
                template,
                booked_at: when::parse(&booked_at)?,
                scheduled_start: when::parse(&at)?,
                minutes,
                panelists,
                lead: InterviewerId::new(lead)?,
            })?;
            say!("{i}");
            // The playbook: book the debrief now, right after the last interview. On stderr:
            // stdout stays the new id, for scripts.
            if let Ok(Some(p)) = store.debrief_proposal(c) {
                if store.candidate(c).is_ok_and(|c| c.debrief().is_none()) {
                    eprint!("{}", output::block(&crate::kit::proposal(&p)));
                }
            }
        }
        InterviewCmd::Show { interview, now } => {
            let i = store.resolve_id(&interview)?;
            // From the index: no decoding of the document, however long its notes.
            let view = store.interview_view(i)?;
            let now = when::parse(&now)?;
            output::emit(&output::interview(&view.interview, &view.interview.clock(now)));
            // The playbook beside the clock; a phone without the candidate's document still
            // shows the interview.
            if let Ok(kit) = store.interview_kit(i, now) {
                say!();
                output::emit(&crate::kit::kit(&kit));
            }
        }
        InterviewCmd::Kit { interview, now } => {
            let i = store.resolve_id(&interview)?;
            output::emit(&crate::kit::kit(&store.interview_kit(i, when::parse(&now)?)?));
        }
        InterviewCmd::Stage { interview, stage, at } => {
            let i = store.resolve_id(&interview)?;
            let at = when::parse(&at)?;
            match stage {
                Some(s) => {
                    store.start_stage(i, &s, at)?;
                    say!("started {s}");
                }
                None => match store.advance_stage(i, at)? {
                    Some(s) => say!("started {s}"),
                    None => say!("the last stage is running; end the interview with `panelnotes interview end`"),
                },
            }
        }
        InterviewCmd::End { interview, at } => {
            let i = store.resolve_id(&interview)?;
            let at = when::parse(&at)?;
            store.end_interview(i, at)?;
            // The end is recorded; a kit this phone cannot build (no candidate document here)
            // must not turn it into a failure.
            if let Ok(kit) = store.interview_kit(i, at) {
                output::emit(&crate::kit::uncovered(&kit.uncovered, true));
            }
        }
        InterviewCmd::Reopen { interview } => {
            let i = store.resolve_id(&interview)?;
            store.reopen_interview(i)?;
            say!("reopened; end it again with `panelnotes interview end`");
        }
        InterviewCmd::Question { interview, text, generic, specific, at } => {
            let i = store.resolve_id(&interview)?;
            let kind = match (generic, specific) {
                (true, _) => QuestionKind::Generic,
                (_, true) => QuestionKind::Specific,
                _ => return Err(Failure::msg("say which kind of question it was: one of --generic/--specific")),
            };
            store.add_question(i, &text, kind, when::parse(&at)?)?;
        }
        InterviewCmd::Commit { interview, text, owner, due, at } => {
            let i = store.resolve_id(&interview)?;
            store.add_commitment(i, &text, InterviewerId::new(owner)?, when::parse(&due)?, when::parse(&at)?)?;
        }
        InterviewCmd::Kept { interview, index, at } => {
            let i = store.resolve_id(&interview)?;
            store.complete_commitment(i, index, when::parse(&at)?)?;
        }
        InterviewCmd::NextSteps { interview, meet, owner, note } => {
            let i = store.resolve_id(&interview)?;
            store.set_next_steps(i, NextSteps { meet_next: meet, owner: owner.map(InterviewerId::new).transpose()?, note })?;
        }
    }
    Ok(())
}

pub struct NotesMode {
    pub append: bool,
    pub editor: bool,
    pub print: bool,
    pub insert_at: Option<u64>,
    pub delete: u64,
}

pub fn notes(store: &mut Store, interview: &str, stage: &str, mode: NotesMode) -> Result<(), Failure> {
    let i = store.resolve_id(interview)?;
    if mode.print {
        let view = store.interview_view(i)?;
        let (_, text) = view
            .notes
            .into_iter()
            .find(|(k, _)| k == stage)
            .ok_or_else(|| Error::NotFound { kind: "stage", id: stage.to_owned() })?;
        say!("{text}");
        return Ok(());
    }
    let current = store.notes(i, stage)?;
    let text = if mode.editor {
        edit_in_editor(&current)?
    } else {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .map_err(|e| Failure::msg(format!("reading stdin: {e}")))?;
        input
    };
    if let Some(pos) = mode.insert_at {
        store.splice_notes(i, stage, pos, mode.delete, &text)?;
    } else if mode.append {
        let end = panelnotes_core::text::utf16_len(&current);
        let sep = if current.is_empty() || current.ends_with('\n') { "" } else { "\n" };
        store.splice_notes(i, stage, end, 0, &format!("{sep}{text}"))?;
    } else {
        store.replace_notes(i, stage, &text)?;
    }
    Ok(())
}

pub fn scorecard(store: &mut Store, cmd: ScorecardCmd) -> Result<(), Failure> {
    match cmd {
        ScorecardCmd::Draft { interview, technical, challenge, business, questions, recommend, comments } => {
            let i = store.resolve_id(&interview)?;
            let mut d: ScorecardDraft = store.scorecard_draft(i)?.unwrap_or_default();
            if technical.is_some() {
                d.ratings.technical_depth = technical;
            }
            if challenge.is_some() {
                d.ratings.reaction_to_challenge = challenge;
            }
            if business.is_some() {
                d.ratings.business_understanding = business;
            }
            if questions.is_some() {
                d.ratings.question_quality = questions;
            }
            if let Some(r) = recommend {
                d.recommendation = Some(Recommendation::parse(&r).ok_or_else(|| {
                    Error::InvalidArgument(format!("recommendation {r:?}: use strong-no, no, yes or strong-yes (there is no neutral)"))
                })?);
            }
            if let Some(c) = comments {
                d.comments = c;
            }
            store.save_scorecard_draft(i, d)?;
        }
        ScorecardCmd::Submit { interview, at } => {
            let i = store.resolve_id(&interview)?;
            store.submit_scorecard(i, when::parse(&at)?)?;
            output::emit(&output::scorecards(&store.scorecards(i)?, &store.scorecard_seals(i)?));
        }
        ScorecardCmd::Show { interview } => {
            let i = store.resolve_id(&interview)?;
            if let Some(d) = store.scorecard_draft(i)? {
                say!("Your draft (only on this device):");
                for (label, v) in d.ratings.labelled() {
                    say!("    {label:<28} {}", v.map(|v| format!("{v}/4")).unwrap_or_else(|| "—".into()));
                }
                say!("    recommendation: {}", d.recommendation.map(|r| r.title()).unwrap_or("—"));
            }
            output::emit(&output::scorecards(&store.scorecards(i)?, &store.scorecard_seals(i)?));
        }
    }
    Ok(())
}

fn edit_in_editor(current: &str) -> Result<String, Failure> {
    let editor = std::env::var("VISUAL").or_else(|_| std::env::var("EDITOR")).unwrap_or_else(|_| "vi".into());
    let dir = tempfile::tempdir().map_err(|e| Failure::msg(format!("temporary file: {e}")))?;
    let path = dir.path().join("notes.md");
    std::fs::write(&path, current).map_err(|e| Failure::msg(format!("temporary file: {e}")))?;
    let status = std::process::Command::new(&editor)
        .arg(&path)
        .status()
        .map_err(|e| Failure::msg(format!("starting {editor}: {e}")))?;
    if !status.success() {
        return Err(Failure::msg(format!("{editor} exited with {status}; notes unchanged")));
    }
    std::fs::read_to_string(&path).map_err(|e| Failure::msg(format!("reading back the notes: {e}")))
}
