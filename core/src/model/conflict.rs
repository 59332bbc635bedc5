//! Concurrent values of single-valued fields. Automerge keeps every value two peers wrote to
//! the same key concurrently; for the fields where that means two people disagree (a salary
//! figure, a start date, a stage's start time, a decision, a scorecard) we surface all of them
//! until a person picks one. Notes are Texts and merge character by character: never listed.

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value};

use super::schema::Reader;
use crate::error::Result;
use crate::ids::DocumentId;
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

/// A short human-readable form of one of a field's values.
pub(crate) fn describe(doc: &AutoCommit, id: DocumentId, path: &str, value: &Value<'_>, obj: &ObjId) -> Result<String> {
    Ok(match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(t) => t.to_string(),
            ScalarValue::Timestamp(ms) => chrono::DateTime::from_timestamp_millis(*ms)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| ms.to_string()),
            ScalarValue::Int(i) => i.to_string(),
            ScalarValue::Uint(u) => u.to_string(),
            ScalarValue::F64(f) => f.to_string(),
            ScalarValue::Boolean(b) => b.to_string(),
            ScalarValue::Null => "(cleared)".into(),
            other => format!("{other}"),
        },
        Value::Object(_) => {
            let r = Reader::new(doc, id);
            if path == "logistics.salary" {
                match super::candidate::read_salary(&r, obj, path) {
                    Ok(s) => s.to_string(),
                    Err(_) => "(an unreadable salary)".into(),
                }
            } else if path == "decision" {
                match super::candidate::read_decision(&r, obj) {
                    Ok(d) => format!("{} ({})", d.outcome.as_str(), d.at.format("%Y-%m-%d %H:%M UTC")),
                    Err(_) => "(an unreadable decision)".into(),
                }
            } else {
                // A map: its scalar fields, sorted, which is enough to tell two apart.
                let mut keys: Vec<String> = doc.keys(obj).collect();
                keys.sort();
                let mut parts = Vec::new();
                for k in keys {
                    match doc.get(obj, k.as_str())? {
                        Some((Value::Scalar(s), _)) => parts.push(format!("{k}: {s}")),
                        Some((Value::Object(_), child)) => {
                            let items: Vec<String> = doc
                                .list_range(&child, ..)
                                .map(|i| match i.value {
                                    automerge::ValueRef::Scalar(s) => s.to_string(),
                                    automerge::ValueRef::Object(t) => format!("{t:?}"),
                                })
                                .collect();
                            parts.push(format!("{k}: [{}]", items.join(", ")));
                        }
                        None => {}
                    }
                }
                parts.join(", ")
            }
        }
    })
}
