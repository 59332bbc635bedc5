//! Concurrent values of single-valued fields. Automerge keeps every value two peers wrote to
//! the same key concurrently; for the fields where that means two people disagree (a salary
//! figure, a start date, a stage's start time, a decision, a scorecard) we surface all of them
//! until a person picks one. Notes are Texts and merge character by character: never listed.

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, NaiveDate, Utc};

use super::candidate::{Decision, RiskTolerance, SalaryExpectation};
use super::interview::NextSteps;
use super::schema::Reader;
use crate::error::Result;
use crate::ids::{DocumentId, InterviewerId};
use crate::model::DocKind;

/// The token naming one value of a field: the field's path and the id of the op that wrote
/// the value (`counter@actor`), which no other value of any field shares and every peer sees
/// alike. Opaque to callers; only `token_field` and equality look inside.
pub(crate) fn token(path: &str, op: &ObjId) -> String {
    match op {
        ObjId::Id(counter, actor, _) => format!("{path}#{counter}@{}", actor.to_hex_string()),
        ObjId::Root => format!("{path}#root"),
    }
}

/// The field a token was issued for.
pub(crate) fn token_field(token: &str) -> Option<&str> {
    token.rsplit_once('#').map(|(field, _)| field)
}

/// Paths that are facts with one true value, for each kind of document.
pub(crate) fn fields(doc: &AutoCommit, kind: DocKind) -> Vec<String> {
    let fixed: &[&str] = match kind {
        DocKind::Candidate => &[
            "profile.name",
            "profile.role",
            "profile.source",
            "profile.contact",
            "appliedAt",
            "logistics.riskTolerance",
            "logistics.riskNotes",
            "logistics.salary",
            "logistics.startDate",
            "logistics.noticePeriodDays",
            "decision",
        ],
        DocKind::Interview => &["title", "scheduledStart", "minutes", "lead", "endedAt", "nextSteps"],
        DocKind::Template => &["name"],
        DocKind::Mailbox => &[],
    };
    let mut out: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    if kind == DocKind::Interview {
        for map in ["stageStarts", "scorecards"] {
            if let Ok(Some((Value::Object(ObjType::Map), id))) = doc.get(ObjId::Root, map) {
                let mut keys: Vec<String> = doc.keys(&id).collect();
                keys.sort();
                out.extend(keys.into_iter().map(|k| format!("{map}.{k}")));
            }
        }
    }
    out
}

/// The object holding a path's last key, following the winning value of each parent.
pub(crate) fn parent_of<'p>(doc: &AutoCommit, path: &'p str) -> Option<(ObjId, &'p str)> {
    let mut obj = ObjId::Root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return Some((obj, part));
        }
        match doc.get(&obj, part).ok()? {
            Some((Value::Object(ObjType::Map | ObjType::Table), id)) => obj = id,
            _ => return None,
        }
    }
    None
}

/// Fields of a document that currently hold more than one value, with how many.
pub(crate) fn scan(doc: &AutoCommit, kind: DocKind) -> Vec<(String, usize)> {
    fields(doc, kind)
        .into_iter()
        .filter_map(|path| {
            let (obj, key) = parent_of(doc, &path)?;
            let n = doc.get_all(&obj, key).ok()?.len();
            (n > 1).then_some((path, n))
        })
        .collect()
}

/// When a value says it was true: the time the person gave with it (`--at`), the same kind
/// of time the timeline shows, rather than when their device happened to write it. `None`
/// when the value carries no such time.
pub(crate) fn said_at(doc: &AutoCommit, path: &str, value: &Value<'_>, op: &ObjId) -> Option<chrono::DateTime<chrono::Utc>> {
    let time = |obj: &ObjId, key: &str| match doc.get(obj, key).ok().flatten() {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Timestamp(ms) | ScalarValue::Int(ms) => chrono::DateTime::from_timestamp_millis(*ms),
            _ => None,
        },
        _ => None,
    };
    match value {
        // A sealed card states its time in its clear header; nothing else of it is read.
        Value::Scalar(s) if path.starts_with("scorecards.") => {
            return match s.as_ref() {
                ScalarValue::Bytes(b) => super::scorecard::submitted_at_of(b),
                _ => None,
            };
        }
        Value::Scalar(s) => {
            if let ScalarValue::Timestamp(ms) = s.as_ref() {
                return chrono::DateTime::from_timestamp_millis(*ms);
            }
        }
        Value::Object(_) if path == "decision" => return time(op, "at"),
        Value::Object(_) if path.starts_with("scorecards.") => return time(op, "submittedAt"),
        Value::Object(_) => {}
    }
    // A logistics field: the time noted beside it, in the same change.
    let field = path.strip_prefix("logistics.")?;
    let (logistics, _) = parent_of(doc, path)?;
    let change = doc.hash_for_opid(op)?;
    // Every copy of the map (two peers of an older build may each have made one).
    let maps = doc.get_all(&logistics, super::candidate::NOTED_AT).ok()?;
    let values = maps.into_iter().filter_map(|(v, id)| matches!(v, Value::Object(ObjType::Map)).then_some(id)).flat_map(|noted| doc.get_all(&noted, field).unwrap_or_default());
    values.into_iter().find_map(|(v, noted_op)| {
        if doc.hash_for_opid(&noted_op)? != change {
            return None;
        }
        match v {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Timestamp(ms) => chrono::DateTime::from_timestamp_millis(*ms),
                _ => None,
            },
            _ => None,
        }
    })
}

/// One of a conflicted field's values, as data: the apps and the CLI each show it in their own
/// words and language (a date in the reader's format, a salary in their currency style), so
/// no sentence is made here.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConflictedValue {
    /// A text field as written (a name, a role, a title, notes on the risk).
    Text { text: String },
    /// A point in time (an application, a scheduled start, a stage's start, an end).
    Time { at: DateTime<Utc> },
    /// A calendar date (a start date).
    Date { date: NaiveDate },
    /// A whole number (an interview's minutes, a notice period in days).
    Integer { value: i64 },
    Boolean { value: bool },
    /// An interviewer (an interview's lead).
    Interviewer { id: InterviewerId },
    RiskTolerance { value: RiskTolerance },
    Salary { salary: SalaryExpectation },
    Decision { decision: Decision },
    NextSteps { next_steps: NextSteps },
    /// A submitted scorecard: its content is left out, because a conflict list must not
    /// unseal what the sealing rule hides (the value's `at` says when it was submitted).
    Scorecard,
    /// The value was cleared.
    Cleared,
    /// A value of a type this field cannot hold (written by a faulty or newer peer).
    Unreadable,
}

/// One of a field's values as data, read by what the field holds.
pub(crate) fn value_of(doc: &AutoCommit, id: DocumentId, path: &str, value: &Value<'_>, obj: &ObjId) -> ConflictedValue {
    match value {
        // Sealed or not, a scorecard's content never shows in a conflict list.
        _ if path.starts_with("scorecards.") => ConflictedValue::Scorecard,
        Value::Scalar(s) => scalar(path, s.as_ref()),
        Value::Object(_) => {
            let r = Reader::new(doc, id);
            let read = match path {
                "logistics.salary" => super::candidate::read_salary(&r, obj, path).map(|salary| ConflictedValue::Salary { salary }),
                "decision" => super::candidate::read_decision(&r, obj).map(|decision| ConflictedValue::Decision { decision }),
                "nextSteps" => read_next_steps(&r, obj).map(|next_steps| ConflictedValue::NextSteps { next_steps }),
                _ if path.starts_with("scorecards.") => Ok(ConflictedValue::Scorecard),
                _ => Ok(ConflictedValue::Unreadable),
            };
            read.unwrap_or(ConflictedValue::Unreadable)
        }
    }
}

fn scalar(path: &str, s: &ScalarValue) -> ConflictedValue {
    match s {
        ScalarValue::Str(t) => match path {
            "logistics.riskTolerance" => RiskTolerance::parse(t).map_or(ConflictedValue::Unreadable, |value| ConflictedValue::RiskTolerance { value }),
            "logistics.startDate" => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_or(ConflictedValue::Unreadable, |date| ConflictedValue::Date { date }),
            "lead" => InterviewerId::new(t.to_string()).map_or(ConflictedValue::Unreadable, |id| ConflictedValue::Interviewer { id }),
            _ => ConflictedValue::Text { text: t.to_string() },
        },
        ScalarValue::Timestamp(ms) => DateTime::from_timestamp_millis(*ms).map_or(ConflictedValue::Unreadable, |at| ConflictedValue::Time { at }),
        ScalarValue::Int(i) => ConflictedValue::Integer { value: *i },
        ScalarValue::Uint(u) => i64::try_from(*u).map_or(ConflictedValue::Unreadable, |value| ConflictedValue::Integer { value }),
        // JavaScript peers write whole numbers as floats; no field here holds a fraction.
        ScalarValue::F64(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => ConflictedValue::Integer { value: *f as i64 },
        ScalarValue::Boolean(b) => ConflictedValue::Boolean { value: *b },
        ScalarValue::Null => ConflictedValue::Cleared,
        _ => ConflictedValue::Unreadable,
    }
}

fn read_next_steps(r: &Reader<'_>, m: &ObjId) -> Result<NextSteps> {
    Ok(NextSteps {
        meet_next: match r.list(m, "meetNext", "nextSteps.meetNext")? {
            Some(l) => r.list_strings(&l, "nextSteps.meetNext")?.into_iter().map(|(_, s)| s).collect(),
            None => Vec::new(),
        },
        owner: r.interviewer(m, "owner", "nextSteps.owner")?,
        note: r.str(m, "note", "nextSteps.note")?,
    })
}
