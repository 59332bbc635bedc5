//! Index tables, rewritten from a document in the same transaction as the chunk that changed
//! it, so the lists and timelines always agree with what is durable.

use automerge::AutoCommit;
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::DocKind;
use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::{candidate, interview, template, CandidateProblem, QuarantineReason};
use crate::timeline::{derive_status_with_debrief, EntryDetail, InterviewFacts, TimelineKind};

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Rewrites the rows derived from one document. A document whose fields a peer wrote with
/// the wrong types keeps its last good rows and gets its problem recorded.
pub(crate) fn update(conn: &Connection, id: DocumentId, kind: DocKind, doc: &mut AutoCommit, now: i64) -> Result<()> {
    super::conflicts::index_conflicts(conn, id, kind, doc)?;
    match kind {
        DocKind::Candidate => match candidate::read_with_problems(doc, id) {
            Ok((c, problems)) => {
                super::problems::record_fields(conn, id, doc, &problems, now)?;
                write_candidate(conn, &c)
            }
            Err(e @ Error::InvalidField { .. }) => record_problem(conn, id, &e),
            Err(e) => Err(e),
        },
        DocKind::Interview => match interview::read_with_problems(doc, id) {
            Ok((i, problems)) => {
                super::problems::record_fields(conn, id, doc, &problems, now)?;
                write_interview(conn, &i)?;
                let notes = interview::all_notes(doc, id, &i.stages)?;
                write_notes(conn, id, notes.iter().map(|(k, t)| (k.as_str(), t.as_str())))
            }
            Err(Error::InvalidField { .. }) => Ok(()),
            Err(e) => Err(e),
        },
        DocKind::Mailbox => Ok(()),
        DocKind::Template => {
            let t = template::read_template(doc, id)?;
            conn.execute(
                "INSERT INTO idx_templates(id, name) VALUES (?1, pn_seal(NULL, 'idx_templates.name', ?1, ?2))
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name",
                params![&id.as_bytes()[..], t.name],
            )?;
            Ok(())
        }
    }
}

/// Marks a candidate's row as showing its last good state, with why as a stable code (never
/// the error's sentence: the apps say it in their own words).
pub(crate) fn record_problem(conn: &Connection, id: DocumentId, e: &Error) -> Result<()> {
    let problem = match e {
        Error::InvalidField { path, .. } => CandidateProblem::InvalidField { path: path.clone() },
        Error::Corrupt { reason, .. } | Error::Quarantined { reason, .. } => {
            CandidateProblem::Quarantined { reason: QuarantineReason::parse(reason) }
        }
        _ => CandidateProblem::Quarantined { reason: QuarantineReason::Undecodable },
    };
    conn.execute(
        "UPDATE idx_candidates SET problem = ?2 WHERE id = ?1",
        params![&id.as_bytes()[..], problem.code()],
    )?;
    Ok(())
}

fn write_candidate(conn: &Connection, c: &candidate::Candidate) -> Result<()> {
    let id = &c.id.as_bytes()[..];
    conn.execute(
        "INSERT INTO idx_candidates(id, name, role, source, applied_at, decision, decided_at,
                                    status, next_action, waiting_since, problem)
         VALUES (?1, pn_seal(?1, 'idx_candidates.name', ?1, ?2), pn_seal(?1, 'idx_candidates.role', ?1, ?3),
                 pn_seal(?1, 'idx_candidates.source', ?1, ?4), ?5, pn_seal(?1, 'idx_candidates.decision', ?1, ?6), ?7,
                 pn_seal(?1, 'idx_candidates.status', ?1, 'applied'), NULL, ?5, NULL)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role,
             source = excluded.source, applied_at = excluded.applied_at,
             decision = excluded.decision, decided_at = excluded.decided_at, problem = NULL",
        params![
            id,
            c.name,
            c.role,
            c.source,
            ms(c.applied_at),
            c.decision.as_ref().map(|d| d.outcome.as_str()),
            c.decision.as_ref().map(|d| ms(d.at)),
        ],
    )?;
    conn.execute("DELETE FROM idx_events WHERE source_doc = ?1", [id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO idx_events(candidate_id, source_doc, ord, at, kind, interview_id, actor, detail)
         VALUES (?1, ?1, ?2, ?3, pn_seal(?1, 'idx_events.kind', ?1, ?4), NULL, ?5, pn_seal(?1, 'idx_events.detail', ?1, ?6))",
    )?;
    for (ord, e) in c.events.iter().enumerate() {
        // Free-text notes on events stay in the document: the index holds no prose. A
        // debrief booking's slot is a code, which the status derivation reads back.
        insert.execute(params![
            id,
            ord as i64,
            ms(e.at),
            TimelineKind::Candidate(e.kind).as_str(),
            e.by.as_ref().map(|b| b.as_str()),
            e.debrief.as_ref().map(|d| EntryDetail::Slot { start: d.at, minutes: d.minutes }.code()),
        ])?;
    }
    if let Some(d) = &c.decision {
        insert.execute(params![
            id,
            c.events.len() as i64,
            ms(d.at),
            TimelineKind::Decided(d.outcome).as_str(),
            d.by.as_ref().map(|b| b.as_str()),
            None::<String>,
        ])?;
    }
    refresh_status(conn, c.id)
}

fn write_interview(conn: &Connection, i: &interview::Interview) -> Result<()> {
    let id = &i.id.as_bytes()[..];
    let cand = &i.candidate_id.as_bytes()[..];
    conn.execute(
        "INSERT INTO idx_interviews(id, candidate_id, title, scheduled_start, minutes, lead, started_at, ended_at, view)
         VALUES (?1, ?2, pn_seal(?2, 'idx_interviews.title', ?1, ?3), ?4, ?5, ?6, ?7, ?8, pn_seal(?2, 'idx_interviews.view', ?1, ?9))
         ON CONFLICT(id) DO UPDATE SET candidate_id = excluded.candidate_id, title = excluded.title,
             scheduled_start = excluded.scheduled_start, minutes = excluded.minutes,
             lead = excluded.lead, started_at = excluded.started_at, ended_at = excluded.ended_at,
             view = excluded.view",
        params![
            id,
            cand,
            i.title,
            ms(i.scheduled_start),
            i.minutes as i64,
            i.lead.as_str(),
            i.started_at().map(ms),
            i.ended_at.map(ms),
            serde_json::to_string(i).expect("plain data serializes"),
        ],
    )?;
    conn.execute("DELETE FROM idx_panelists WHERE interview_id = ?1", [id])?;
    {
        let mut p = conn.prepare_cached(
            "INSERT INTO idx_panelists(interview_id, interviewer, submitted_at) VALUES (?1, ?2, ?3)",
        )?;
        for who in &i.panelists {
            let at = i.submitted.iter().find(|(w, _)| w == who).map(|(_, t)| ms(*t));
            p.execute(params![id, who.as_str(), at])?;
        }
    }
    conn.execute("DELETE FROM idx_events WHERE source_doc = ?1", [id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO idx_events(candidate_id, source_doc, ord, at, kind, interview_id, actor, detail)
         VALUES (?1, ?2, ?3, ?4, pn_seal(?1, 'idx_events.kind', ?2, ?5), ?2, ?6, pn_seal(?1, 'idx_events.detail', ?2, ?7))",
    )?;
    let mut ord = 0i64;
    let mut add = |at: DateTime<Utc>, kind: TimelineKind, actor: Option<&str>, detail: Option<String>| {
        ord += 1;
        insert.execute(params![cand, id, ord, ms(at), kind.as_str(), actor, detail])
    };
    let when = EntryDetail::Slot { start: i.scheduled_start, minutes: i.minutes }.code();
    add(
        i.booked_at.unwrap_or(i.scheduled_start),
        TimelineKind::InterviewScheduled,
        // Who booked it; documents from older builds do not say, and the lead may not be it.
        i.booked_by.as_ref().map(|b| b.as_str()),
        Some(when),
    )?;
    if let Some(t) = i.started_at() {
        add(t, TimelineKind::InterviewStarted, None, None)?;
    }
    if let Some(t) = i.ended_at {
        add(t, TimelineKind::InterviewHeld, None, None)?;
    }
    // Commitments by their deadline, credited to their owner; the text stays in the document.
    for (_, c) in &i.commitments {
        add(c.due, TimelineKind::CommitmentDue, Some(c.owner.as_str()), c.done_at.map(|at| EntryDetail::Done { at: Some(at) }.code()))?;
    }
    let mut submitted = i.submitted.clone();
    submitted.sort_by_key(|(_, t)| *t);
    for (who, at) in &submitted {
        add(*at, TimelineKind::FeedbackSubmitted, Some(who.as_str()), None)?;
    }
    refresh_status(conn, i.candidate_id)
}

/// One stage's indexed notes, or `None` when the interview has no row for that stage.
pub(crate) fn stage_notes(conn: &Connection, interview: DocumentId, stage: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT pn_open('idx_notes.text', interview_id, text) FROM idx_notes WHERE interview_id = ?1 AND stage = ?2")?
        .query_row(params![&interview.as_bytes()[..], stage], |r| r.get(0))
        .optional()?)
}

/// Whether the interview's notes are indexed at all (every interview indexed since notes
/// were, which is every interview this build wrote or received).
pub(crate) fn has_notes(conn: &Connection, interview: DocumentId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM idx_notes WHERE interview_id = ?1)")?
        .query_row([&interview.as_bytes()[..]], |r| r.get(0))?)
}

pub(crate) fn write_notes<'a>(
    conn: &Connection,
    interview: DocumentId,
    notes: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<()> {
    let mut q = conn.prepare_cached(
        "INSERT INTO idx_notes(interview_id, stage, text)
         VALUES (?1, ?2, pn_seal((SELECT candidate_id FROM idx_interviews WHERE id = ?1), 'idx_notes.text', ?1, ?3))
         ON CONFLICT(interview_id, stage) DO UPDATE SET text = excluded.text",
    )?;
    for (stage, text) in notes {
        q.execute(params![&interview.as_bytes()[..], stage, text])?;
    }
    Ok(())
}

/// Recomputes a candidate's status and next action from the index rows alone.
pub(crate) fn refresh_status(conn: &Connection, candidate: DocumentId) -> Result<()> {
    let id = &candidate.as_bytes()[..];
    let row: Option<(i64, Option<String>, Option<i64>)> = conn
        .query_row(
            "SELECT applied_at, pn_open('idx_candidates.decision', id, decision), decided_at FROM idx_candidates WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    // An interview can arrive (by sync) before its candidate: the candidate's row is written
    // when it does.
    let Some((applied, decision, decided_at)) = row else {
        return Ok(());
    };
    let mut events = Vec::new();
    // The latest debrief booking's slot: (booked at, slot start).
    let mut booking: Option<(DateTime<Utc>, Option<DateTime<Utc>>)> = None;
    {
        let mut q = conn.prepare_cached("SELECT pn_open('idx_events.kind', source_doc, kind), at, pn_open('idx_events.detail', source_doc, detail)
             FROM idx_events WHERE candidate_id = ?1")?;
        let rows = q.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<String>>(2)?)))?;
        for row in rows {
            let (k, at, detail) = row?;
            if let Some(k) = TimelineKind::parse(&k) {
                let at = from_ms(at);
                if k == TimelineKind::Candidate(crate::model::CandidateEventKind::DebriefBooked) && booking.is_none_or(|(b, _)| at >= b) {
                    booking = Some((at, detail.as_deref().and_then(EntryDetail::parse).and_then(|d| d.slot_start())));
                }
                events.push((k, at));
            }
        }
    }
    let mut interviews = Vec::new();
    {
        let mut q = conn.prepare_cached(
            "SELECT i.scheduled_start, i.ended_at,
                    (SELECT COUNT(*) FROM idx_panelists p WHERE p.interview_id = i.id),
                    (SELECT COUNT(*) FROM idx_panelists p WHERE p.interview_id = i.id AND p.submitted_at IS NOT NULL)
             FROM idx_interviews i WHERE i.candidate_id = ?1",
        )?;
        let rows = q.query_map([id], |r| {
            Ok(InterviewFacts {
                scheduled_start: from_ms(r.get(0)?),
                ended_at: r.get::<_, Option<i64>>(1)?.map(from_ms),
                panel_size: r.get::<_, i64>(2)? as usize,
                submitted: r.get::<_, i64>(3)? as usize,
            })
        })?;
        for row in rows {
            interviews.push(row?);
        }
    }
    let decision = decision
        .as_deref()
        .and_then(crate::model::Outcome::parse)
        .zip(decided_at.map(from_ms));
    let d = derive_status_with_debrief(from_ms(applied), &events, decision, &interviews, booking.and_then(|(_, s)| s));
    conn.execute(
        "UPDATE idx_candidates SET status = pn_seal(?1, 'idx_candidates.status', ?1, ?2),
             next_action = pn_seal(?1, 'idx_candidates.next_action', ?1, ?3), waiting_since = ?4, closed = ?5 WHERE id = ?1",
        params![id, d.status.as_str(), d.next_action, ms(d.since), d.status.is_closed() as i64],
    )?;
    Ok(())
}

