//! The candidate document: one per application. Profile, the candidate-level timeline events,
//! the logistics the candidate stated, the ids of their interviews and the decision.
//!
//! Single-valued facts that two interviewers may write concurrently (each logistics field, the
//! decision) are stored as one map key each, so Automerge keeps every concurrent value and a
//! conflict can be shown instead of one value silently winning.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::debrief::{read_debrief_slot, write_debrief_slot, DebriefSlot};
use super::schema::{ts, FieldProblem, Reader, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCandidate {
    pub name: String,
    pub role: String,
    pub source: Option<String>,
    pub contact: Option<String>,
    pub applied_at: DateTime<Utc>,
}

impl NewCandidate {
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::invalid("a candidate needs a name"));
        }
        if self.role.trim().is_empty() {
            return Err(Error::invalid("a candidate needs the role they applied for"));
        }
        Ok(())
    }
}

/// Events recorded on the candidate document itself. Interview events (scheduled, held,
/// feedback submitted) come from the interview documents.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateEventKind {
    Applied,
    Acknowledged,
    DebriefBooked,
    DebriefHeld,
    OfferMade,
    OfferAccepted,
    OfferDeclined,
    Withdrew,
    Note,
    /// The candidate was told the decision (the playbook's last speed rule).
    CandidateInformed,
}

impl CandidateEventKind {
    pub const ALL: [CandidateEventKind; 10] = [
        CandidateEventKind::Applied,
        CandidateEventKind::Acknowledged,
        CandidateEventKind::DebriefBooked,
        CandidateEventKind::DebriefHeld,
        CandidateEventKind::OfferMade,
        CandidateEventKind::OfferAccepted,
        CandidateEventKind::OfferDeclined,
        CandidateEventKind::Withdrew,
        CandidateEventKind::Note,
        CandidateEventKind::CandidateInformed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CandidateEventKind::Applied => "applied",
            CandidateEventKind::Acknowledged => "acknowledged",
            CandidateEventKind::DebriefBooked => "debrief_booked",
            CandidateEventKind::DebriefHeld => "debrief_held",
            CandidateEventKind::OfferMade => "offer_made",
            CandidateEventKind::OfferAccepted => "offer_accepted",
            CandidateEventKind::OfferDeclined => "offer_declined",
            CandidateEventKind::Withdrew => "withdrew",
            CandidateEventKind::Note => "note",
            CandidateEventKind::CandidateInformed => "candidate_informed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.replace('-', "_");
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateEvent {
    pub kind: CandidateEventKind,
    pub at: DateTime<Utc>,
    pub by: Option<InterviewerId>,
    pub note: Option<String>,
    /// On a debrief booking: when it is held and with whom. `None` on other events and on
    /// bookings from older builds (which recorded only that a booking was made).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub debrief: Option<DebriefSlot>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskTolerance {
    /// Comfortable with an early-stage startup and a possible separation.
    Comfortable,
    /// Open to it, with reservations.
    Cautious,
    /// Needs stability; the risk is a blocker.
    Averse,
}

impl RiskTolerance {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskTolerance::Comfortable => "comfortable",
            RiskTolerance::Cautious => "cautious",
            RiskTolerance::Averse => "averse",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "comfortable" => Some(RiskTolerance::Comfortable),
            "cautious" => Some(RiskTolerance::Cautious),
            "averse" => Some(RiskTolerance::Averse),
            _ => None,
        }
    }
}

/// What the candidate said about pay: their current pay, a range they expect, or nothing.
/// Amounts are yearly, in whole units of `currency` (an ISO 4217 code).
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SalaryExpectation {
    Current { amount: i64, currency: String },
    Range { min: i64, max: i64, currency: String },
    Passed,
}

impl SalaryExpectation {
    pub fn validate(&self) -> Result<()> {
        let currency_ok = |c: &str| c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase());
        match self {
            SalaryExpectation::Current { amount, currency } => {
                if *amount <= 0 {
                    return Err(Error::invalid("a salary must be positive"));
                }
                if !currency_ok(currency) {
                    return Err(Error::invalid("a currency is a three-letter code such as EUR"));
                }
            }
            SalaryExpectation::Range { min, max, currency } => {
                if *min <= 0 || max < min {
                    return Err(Error::invalid("a salary range needs 0 < min <= max"));
                }
                if !currency_ok(currency) {
                    return Err(Error::invalid("a currency is a three-letter code such as EUR"));
                }
            }
            SalaryExpectation::Passed => {}
        }
        Ok(())
    }
}

impl std::fmt::Display for SalaryExpectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SalaryExpectation::Current { amount, currency } => {
                write!(f, "current pay {amount} {currency}/year")
            }
            SalaryExpectation::Range { min, max, currency } => {
                write!(f, "expects {min}-{max} {currency}/year")
            }
            SalaryExpectation::Passed => write!(f, "preferred not to say"),
        }
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Logistics {
    pub risk_tolerance: Option<RiskTolerance>,
    pub risk_notes: Option<String>,
    pub salary: Option<SalaryExpectation>,
    pub start_date: Option<NaiveDate>,
    pub notice_period_days: Option<u32>,
}

/// A partial update: only `Some` fields are written, so concurrent updates of different fields
/// by two interviewers both survive.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogisticsUpdate {
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub risk_tolerance: Option<RiskTolerance>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub risk_notes: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub salary: Option<SalaryExpectation>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub start_date: Option<NaiveDate>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub notice_period_days: Option<u32>,
}

impl LogisticsUpdate {
    pub fn is_empty(&self) -> bool {
        *self == LogisticsUpdate::default()
    }

    pub fn validate(&self) -> Result<()> {
        if let Some(s) = &self.salary {
            s.validate()?;
        }
        if let Some(d) = self.notice_period_days {
            if d > 730 {
                return Err(Error::invalid("a notice period longer than two years is not plausible"));
            }
        }
        Ok(())
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Hire,
    Reject,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Hire => "hire",
            Outcome::Reject => "reject",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hire" => Some(Outcome::Hire),
            "reject" => Some(Outcome::Reject),
            _ => None,
        }
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    pub at: DateTime<Utc>,
    pub by: Option<InterviewerId>,
    pub reason: Option<String>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub id: DocumentId,
    pub schema_version: i64,
    pub name: String,
    pub role: String,
    pub source: Option<String>,
    pub contact: Option<String>,
    pub applied_at: DateTime<Utc>,
    /// In the order they were recorded; the timeline query sorts by time.
    pub events: Vec<CandidateEvent>,
    pub logistics: Logistics,
    pub interviews: Vec<DocumentId>,
    pub decision: Option<Decision>,
    /// The process lead, who books and holds the debrief and records the decision: whoever
    /// added the candidate until handed on. Documents from older builds name no lead; the
    /// person who recorded the application is it.
    pub lead: Option<InterviewerId>,
}

pub(crate) fn create(doc: &mut AutoCommit, c: &NewCandidate, by: &InterviewerId) -> Result<()> {
    let root = ObjId::Root;
    doc.put(&root, "schema", SCHEMA_VERSION)?;
    doc.put(&root, "type", "candidate")?;
    let profile = doc.put_object(&root, "profile", ObjType::Map)?;
    doc.put(&profile, "name", c.name.trim())?;
    doc.put(&profile, "role", c.role.trim())?;
    if let Some(s) = &c.source {
        doc.put(&profile, "source", s.as_str())?;
    }
    if let Some(s) = &c.contact {
        doc.put(&profile, "contact", s.as_str())?;
    }
    doc.put(&root, "appliedAt", ts(c.applied_at))?;
    doc.put(&root, "lead", by.as_str())?;
    doc.put_object(&root, "events", ObjType::List)?;
    let logistics = doc.put_object(&root, "logistics", ObjType::Map)?;
    // Made once, here: two peers each making it would keep only one's times.
    doc.put_object(&logistics, NOTED_AT, ObjType::Map)?;
    doc.put_object(&root, "interviews", ObjType::List)?;
    add_event(
        doc,
        &CandidateEvent {
            kind: CandidateEventKind::Applied,
            at: c.applied_at,
            by: Some(by.clone()),
            note: None,
            debrief: None,
        },
    )
}

fn ensure_object(doc: &mut AutoCommit, parent: &ObjId, key: &str, t: ObjType) -> Result<ObjId> {
    match doc.get(parent, key)? {
        Some((automerge::Value::Object(found), id)) if found == t => Ok(id),
        // Absent, or a wrong-typed value a buggy peer wrote: replace it with the right object.
        _ => Ok(doc.put_object(parent, key, t)?),
    }
}

pub(crate) fn add_event(doc: &mut AutoCommit, e: &CandidateEvent) -> Result<()> {
    let events = ensure_object(doc, &ObjId::Root, "events", ObjType::List)?;
    let n = doc.length(&events);
    let m = doc.insert_object(&events, n, ObjType::Map)?;
    doc.put(&m, "kind", e.kind.as_str())?;
    doc.put(&m, "at", ts(e.at))?;
    if let Some(by) = &e.by {
        doc.put(&m, "by", by.as_str())?;
    }
    if let Some(n) = &e.note {
        doc.put(&m, "note", n.as_str())?;
    }
    if let Some(d) = &e.debrief {
        write_debrief_slot(doc, &m, d)?;
    }
    Ok(())
}


pub(crate) fn add_interview(doc: &mut AutoCommit, interview: DocumentId) -> Result<()> {
    let list = ensure_object(doc, &ObjId::Root, "interviews", ObjType::List)?;
    let n = doc.length(&list);
    doc.insert(&list, n, interview.to_string())?;
    Ok(())
}

pub(crate) fn write_salary(doc: &mut AutoCommit, parent: &ObjId, s: &SalaryExpectation) -> Result<()> {
    // A fresh map per write: two concurrent writes become two conflicting values of the key,
    // rather than a field-by-field blend of two different figures.
    let m = doc.put_object(parent, "salary", ObjType::Map)?;
    match s {
        SalaryExpectation::Current { amount, currency } => {
            doc.put(&m, "kind", "current")?;
            doc.put(&m, "amount", *amount)?;
            doc.put(&m, "currency", currency.as_str())?;
        }
        SalaryExpectation::Range { min, max, currency } => {
            doc.put(&m, "kind", "range")?;
            doc.put(&m, "min", *min)?;
            doc.put(&m, "max", *max)?;
            doc.put(&m, "currency", currency.as_str())?;
        }
        SalaryExpectation::Passed => {
            doc.put(&m, "kind", "passed")?;
        }
    }
    Ok(())
}

pub(crate) fn read_salary(r: &Reader<'_>, m: &ObjId, path: &str) -> Result<SalaryExpectation> {
    let kind = r.required_str(m, "kind", &format!("{path}.kind"))?;
    let int = |k: &str| -> Result<i64> {
        r.int(m, k, &format!("{path}.{k}"))?.ok_or(Error::InvalidField {
            id: r.id,
            path: format!("{path}.{k}"),
            expected: "an integer (missing)",
        })
    };
    let currency = || r.required_str(m, "currency", &format!("{path}.currency"));
    match kind.as_str() {
        "current" => Ok(SalaryExpectation::Current {
            amount: int("amount")?,
            currency: currency()?,
        }),
        "range" => Ok(SalaryExpectation::Range {
            min: int("min")?,
            max: int("max")?,
            currency: currency()?,
        }),
        "passed" => Ok(SalaryExpectation::Passed),
        _ => Err(Error::InvalidField {
            id: r.id,
            path: format!("{path}.kind"),
            expected: "current, range or passed",
        }),
    }
}

pub(crate) fn set_lead(doc: &mut AutoCommit, lead: &InterviewerId) -> Result<()> {
    doc.put(ObjId::Root, "lead", lead.as_str())?;
    Ok(())
}

/// Where the time each logistics field was noted is kept, per field, written in the same
/// change as the field: a conflict shows each value with when it was said.
pub(crate) const NOTED_AT: &str = "notedAt";

pub(crate) fn set_logistics(doc: &mut AutoCommit, u: &LogisticsUpdate, at: DateTime<Utc>) -> Result<()> {
    let l = ensure_object(doc, &ObjId::Root, "logistics", ObjType::Map)?;
    let noted = ensure_object(doc, &l, NOTED_AT, ObjType::Map)?;
    let fields = [
        ("riskTolerance", u.risk_tolerance.is_some()),
        ("riskNotes", u.risk_notes.is_some()),
        ("salary", u.salary.is_some()),
        ("startDate", u.start_date.is_some()),
        ("noticePeriodDays", u.notice_period_days.is_some()),
    ];
    for (field, _) in fields.iter().filter(|(_, set)| *set) {
        doc.put(&noted, *field, ts(at))?;
    }
    if let Some(r) = u.risk_tolerance {
        doc.put(&l, "riskTolerance", r.as_str())?;
    }
    if let Some(n) = &u.risk_notes {
        doc.put(&l, "riskNotes", n.as_str())?;
    }
    if let Some(s) = &u.salary {
        write_salary(doc, &l, s)?;
    }
    if let Some(d) = u.start_date {
        doc.put(&l, "startDate", d.format("%Y-%m-%d").to_string())?;
    }
    if let Some(d) = u.notice_period_days {
        doc.put(&l, "noticePeriodDays", d as i64)?;
    }
    Ok(())
}

pub(crate) fn set_decision(doc: &mut AutoCommit, d: &Decision) -> Result<()> {
    let m = doc.put_object(ObjId::Root, "decision", ObjType::Map)?;
    write_decision_fields(doc, &m, d)
}

pub(crate) fn write_decision_fields(doc: &mut AutoCommit, m: &ObjId, d: &Decision) -> Result<()> {
    doc.put(m, "outcome", d.outcome.as_str())?;
    doc.put(m, "at", ts(d.at))?;
    if let Some(by) = &d.by {
        doc.put(m, "by", by.as_str())?;
    }
    if let Some(r) = &d.reason {
        doc.put(m, "reason", r.as_str())?;
    }
    Ok(())
}

pub(crate) fn read_decision(r: &Reader<'_>, m: &ObjId) -> Result<Decision> {
    let outcome = r.required_str(m, "outcome", "decision.outcome")?;
    Ok(Decision {
        outcome: Outcome::parse(&outcome).ok_or(Error::InvalidField {
            id: r.id,
            path: "decision.outcome".into(),
            expected: "hire or reject",
        })?,
        at: r.time(m, "at", "decision.at")?.ok_or(Error::InvalidField {
            id: r.id,
            path: "decision.at".into(),
            expected: "a timestamp (missing)",
        })?,
        by: r.interviewer(m, "by", "decision.by")?,
        reason: r.str(m, "reason", "decision.reason")?,
    })
}

/// Logistics, each field read on its own: a bad salary never hides the notice period.
pub(crate) fn read_logistics(r: &Reader<'_>) -> Result<Logistics> {
    let Some(l) = r.or(r.map(&ObjId::Root, "logistics", "logistics"), None)? else {
        return Ok(Logistics::default());
    };
    let risk_tolerance = r.or(
        r.str(&l, "riskTolerance", "logistics.riskTolerance").and_then(|risk| match risk {
            None => Ok(None),
            Some(s) => RiskTolerance::parse(&s).map(Some).ok_or(Error::InvalidField {
                id: r.id,
                path: "logistics.riskTolerance".into(),
                expected: "comfortable, cautious or averse",
            }),
        }),
        None,
    )?;
    let notice_period_days = r.or(
        r.int(&l, "noticePeriodDays", "logistics.noticePeriodDays").and_then(|notice| match notice {
            None => Ok(None),
            Some(n) => u32::try_from(n).map(Some).map_err(|_| Error::InvalidField {
                id: r.id,
                path: "logistics.noticePeriodDays".into(),
                expected: "a non-negative number of days",
            }),
        }),
        None,
    )?;
    let salary = r.or(
        r.map(&l, "salary", "logistics.salary").and_then(|m| match m {
            None => Ok(None),
            Some(m) => read_salary(r, &m, "logistics.salary").map(Some),
        }),
        None,
    )?;
    Ok(Logistics {
        risk_tolerance,
        risk_notes: r.or(r.str(&l, "riskNotes", "logistics.riskNotes"), None)?,
        salary,
        start_date: r.or(r.date(&l, "startDate", "logistics.startDate"), None)?,
        notice_period_days,
    })
}

pub(crate) fn read(doc: &AutoCommit, id: DocumentId) -> Result<Candidate> {
    read_with_problems(doc, id).map(|(c, _)| c)
}

/// The candidate, and the values it had to skip. Only a document that is not a candidate
/// fails; any bad value is skipped and reported.
pub(crate) fn read_with_problems(doc: &AutoCommit, id: DocumentId) -> Result<(Candidate, Vec<FieldProblem>)> {
    let r = Reader::new(doc, id);
    r.check_kind("candidate")?;
    let root = ObjId::Root;
    let profile = r.or(
        r.map(&root, "profile", "profile").and_then(|p| {
            p.map(Some).ok_or(Error::InvalidField {
                id,
                path: "profile".into(),
                expected: "a map (missing)",
            })
        }),
        None,
    )?;
    let mut events = Vec::new();
    if let Some(list) = r.or(r.list(&root, "events", "events"), None)? {
        let read = r.each(r.list_maps(&list, "events")?, |_, (i, m)| {
            let path = format!("events[{i}]");
            let kind = r.required_str(&m, "kind", &format!("{path}.kind"))?;
            // An event kind from a newer peer is kept in the document but not shown.
            let Some(kind) = CandidateEventKind::parse(&kind) else { return Ok(None) };
            Ok(Some(CandidateEvent {
                kind,
                at: r.time(&m, "at", &format!("{path}.at"))?.ok_or(Error::InvalidField {
                    id,
                    path: format!("{path}.at"),
                    expected: "a timestamp (missing)",
                })?,
                by: r.or(r.interviewer(&m, "by", &format!("{path}.by")), None)?,
                note: r.or(r.str(&m, "note", &format!("{path}.note")), None)?,
                debrief: if kind == CandidateEventKind::DebriefBooked { read_debrief_slot(&r, &m, &path)? } else { None },
            }))
        })?;
        events = read.into_iter().flatten().collect();
    }
    let mut interviews = Vec::new();
    if let Some(list) = r.or(r.list(&root, "interviews", "interviews"), None)? {
        let ids = r.each(r.list_strings(&list, "interviews")?, |_, (i, s)| {
            s.parse::<DocumentId>().map_err(|_| Error::InvalidField {
                id,
                path: format!("interviews[{i}]"),
                expected: "a document id",
            })
        })?;
        for iid in ids {
            if !interviews.contains(&iid) {
                interviews.push(iid);
            }
        }
    }
    let decision = r.or(
        r.map(&root, "decision", "decision").and_then(|m| m.map(|m| read_decision(&r, &m)).transpose()),
        None,
    )?;
    let applied_at = r.or(
        r.time(&root, "appliedAt", "appliedAt").and_then(|t| {
            t.ok_or(Error::InvalidField {
                id,
                path: "appliedAt".into(),
                expected: "a timestamp (missing)",
            })
        }),
        // The earliest thing known to have happened, so durations stay sensible.
        events.iter().map(|e| e.at).min().unwrap_or_default(),
    )?;
    let lead = r.or(r.interviewer(&root, "lead", "lead"), None)?.or_else(|| {
        events.iter().find(|e| e.kind == CandidateEventKind::Applied).and_then(|e| e.by.clone())
    });
    let (name, role, source, contact) = match &profile {
        None => (String::new(), String::new(), None, None),
        Some(p) => (
            r.or(r.required_str(p, "name", "profile.name"), String::new())?,
            r.or(r.str(p, "role", "profile.role"), None)?.unwrap_or_default(),
            r.or(r.str(p, "source", "profile.source"), None)?,
            r.or(r.str(p, "contact", "profile.contact"), None)?,
        ),
    };
    let candidate = Candidate {
        id,
        schema_version: r.or(r.schema_version(), 0)?,
        name,
        role,
        source,
        contact,
        applied_at,
        events,
        logistics: read_logistics(&r)?,
        interviews,
        decision,
        lead,
    };
    Ok((candidate, r.into_problems()))
}
