//! Reading Automerge documents with validation. A peer running a buggy or newer build can
//! write anything into a shared document; every read here checks the type it finds and turns a
//! mismatch into `Error::InvalidField` naming the path, never a panic. Fields we don't know
//! are simply never touched, so a newer peer's additions survive our edits.

use std::cell::RefCell;
use std::collections::HashMap;

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, Value, ValueRef};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};

/// The schema version this build writes. Readers accept newer versions (and keep their
/// unknown fields); they only fail on fields whose type is wrong.
pub const SCHEMA_VERSION: i64 = 1;

/// A value a peer wrote with the wrong type, or a list item missing what it needs: skipped
/// by the reader, which carries on with the rest of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub path: String,
    pub expected: &'static str,
    /// The operation that wrote the value, when the reader saw it (its actor names the
    /// author, its change says when).
    pub op: Option<ObjId>,
}

/// A typed view over one document, carrying its id so errors can name it. Reads are
/// tolerant where the caller says so (`or`, `each`): a bad value is recorded as a
/// `FieldProblem` and skipped, and one bad value never makes the document unreadable.
pub struct Reader<'a> {
    pub doc: &'a AutoCommit,
    pub id: DocumentId,
    problems: RefCell<Vec<FieldProblem>>,
    /// The op behind each invalid value seen, by path, for the problem it becomes.
    ops: RefCell<HashMap<String, ObjId>>,
}

impl<'a> Reader<'a> {
    pub fn new(doc: &'a AutoCommit, id: DocumentId) -> Self {
        Reader {
            doc,
            id,
            problems: RefCell::new(Vec::new()),
            ops: RefCell::new(HashMap::new()),
        }
    }

    fn invalid(&self, path: &str, expected: &'static str) -> Error {
        Error::InvalidField {
            id: self.id,
            path: path.to_owned(),
            expected,
        }
    }

    fn invalid_at(&self, path: &str, expected: &'static str, op: ObjId) -> Error {
        self.ops.borrow_mut().insert(path.to_owned(), op);
        self.invalid(path, expected)
    }

    /// `result`, or `fallback` with the invalid field recorded as a problem. Errors other
    /// than an invalid field (the document itself failing) still propagate.
    pub fn or<T>(&self, result: Result<T>, fallback: T) -> Result<T> {
        match result {
            Ok(v) => Ok(v),
            Err(Error::InvalidField { path, expected, .. }) => {
                // A missing field has no op of its own: the item that lacks it names the author.
                let op = {
                    let ops = self.ops.borrow();
                    let mut p = path.as_str();
                    loop {
                        if let Some(op) = ops.get(p) {
                            break Some(op.clone());
                        }
                        match p.rfind(['.', '[']) {
                            Some(n) => p = &p[..n],
                            None => break None,
                        }
                    }
                };
                self.problems.borrow_mut().push(FieldProblem { path, expected, op });
                Ok(fallback)
            }
            Err(e) => Err(e),
        }
    }

    /// Reads each item with `read`, skipping (and recording) the ones that are invalid.
    pub fn each<I, T>(&self, items: impl IntoIterator<Item = I>, mut read: impl FnMut(usize, I) -> Result<T>) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for (n, item) in items.into_iter().enumerate() {
            if let Some(v) = self.or(read(n, item).map(Some), None)? {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// The problems recorded so far, in the order they were met.
    pub fn into_problems(self) -> Vec<FieldProblem> {
        self.problems.into_inner()
    }

    /// A scalar with the op that wrote it, so a caller that finds its type wrong can say who.
    fn scalar(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<(ScalarValue, ObjId)>> {
        match self.doc.get(obj, key)? {
            None => Ok(None),
            Some((Value::Scalar(s), op)) => Ok(Some((s.into_owned(), op))),
            Some((Value::Object(_), op)) => Err(self.invalid_at(path, "a scalar value", op)),
        }
    }

    /// A string field. JS automerge writes plain strings as Text objects by default; those
    /// read as their content.
    pub fn str(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<String>> {
        if let Some((Value::Object(ObjType::Text), text)) = self.doc.get(obj, key)? {
            return Ok(Some(self.doc.text(&text)?));
        }
        match self.scalar(obj, key, path)? {
            None | Some((ScalarValue::Null, _)) => Ok(None),
            Some((ScalarValue::Str(s), _)) => Ok(Some(s.to_string())),
            Some((_, op)) => Err(self.invalid_at(path, "a string", op)),
        }
    }

    pub fn required_str(&self, obj: &ObjId, key: &str, path: &str) -> Result<String> {
        self.str(obj, key, path)?
            .ok_or_else(|| self.invalid(path, "a string (missing)"))
    }

    /// Integers may arrive as floats from JS peers (JSON numbers); whole floats are accepted.
    pub fn int(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<i64>> {
        match self.scalar(obj, key, path)? {
            None | Some((ScalarValue::Null, _)) => Ok(None),
            Some((ScalarValue::Int(i), _)) => Ok(Some(i)),
            Some((ScalarValue::Uint(u), op)) => {
                i64::try_from(u).map(Some).map_err(|_| self.invalid_at(path, "an integer", op))
            }
            Some((ScalarValue::F64(f), _)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            Some((_, op)) => Err(self.invalid_at(path, "an integer", op)),
        }
    }

    pub fn time(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<DateTime<Utc>>> {
        let (ms, op) = match self.scalar(obj, key, path)? {
            None | Some((ScalarValue::Null, _)) => return Ok(None),
            Some((ScalarValue::Timestamp(ms), op)) | Some((ScalarValue::Int(ms), op)) => (ms, op),
            Some((ScalarValue::F64(f), op)) if f.fract() == 0.0 && f.abs() < 9.0e15 => (f as i64, op),
            Some((_, op)) => return Err(self.invalid_at(path, "a timestamp", op)),
        };
        Utc.timestamp_millis_opt(ms)
            .single()
            .map(Some)
            .ok_or_else(|| self.invalid_at(path, "a timestamp in range", op))
    }

    pub fn date(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<NaiveDate>> {
        match self.str(obj, key, path)? {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| self.invalid(path, "a date as YYYY-MM-DD")),
        }
    }

    pub fn interviewer(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<InterviewerId>> {
        match self.str(obj, key, path)? {
            None => Ok(None),
            Some(s) => InterviewerId::new(s)
                .map(Some)
                .map_err(|_| self.invalid(path, "an interviewer id")),
        }
    }

    fn object(&self, obj: &ObjId, key: &str, path: &str, want: ObjType) -> Result<Option<ObjId>> {
        let expected = match want {
            ObjType::Map | ObjType::Table => "a map",
            ObjType::List => "a list",
            ObjType::Text => "a text",
        };
        match self.doc.get(obj, key)? {
            None => Ok(None),
            Some((Value::Object(t), id)) if t == want => Ok(Some(id)),
            Some((Value::Object(ObjType::Table), id)) if want == ObjType::Map => Ok(Some(id)),
            Some((_, op)) => Err(self.invalid_at(path, expected, op)),
        }
    }

    pub fn map(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<ObjId>> {
        self.object(obj, key, path, ObjType::Map)
    }

    pub fn list(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<ObjId>> {
        self.object(obj, key, path, ObjType::List)
    }

    pub fn text_obj(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<ObjId>> {
        self.object(obj, key, path, ObjType::Text)
    }

    pub fn text(&self, obj: &ObjId, key: &str, path: &str) -> Result<String> {
        match self.text_obj(obj, key, path)? {
            None => Ok(String::new()),
            Some(t) => Ok(self.doc.text(&t)?),
        }
    }

    /// The map objects of a list, each with its index; other elements are skipped and
    /// recorded as problems.
    pub fn list_maps(&self, list: &ObjId, path: &str) -> Result<Vec<(usize, ObjId)>> {
        let items: Vec<_> = self.doc.list_range(list, ..).map(|item| (matches!(item.value, ValueRef::Object(ObjType::Map) | ValueRef::Object(ObjType::Table)), item.id())).collect();
        let mut out = Vec::new();
        for (i, (is_map, id)) in items.into_iter().enumerate() {
            if is_map {
                self.ops.borrow_mut().insert(format!("{path}[{i}]"), id.clone());
                out.push((i, id));
            } else {
                self.or(Err::<(), _>(self.invalid_at(&format!("{path}[{i}]"), "a map", id)), ())?;
            }
        }
        Ok(out)
    }

    /// The strings of a list, each with its index; other elements are skipped and recorded.
    pub fn list_strings(&self, list: &ObjId, path: &str) -> Result<Vec<(usize, String)>> {
        let mut out = Vec::new();
        for (i, item) in self.doc.list_range(list, ..).enumerate() {
            match item.value {
                ValueRef::Scalar(ScalarValueRef::Str(s)) => out.push((i, s.to_string())),
                ValueRef::Object(ObjType::Text) => out.push((i, self.doc.text(item.id())?)),
                _ => self.or(Err::<(), _>(self.invalid_at(&format!("{path}[{i}]"), "a string", item.id())), ())?,
            }
        }
        Ok(out)
    }

    pub fn keys(&self, obj: &ObjId) -> Vec<String> {
        self.doc.keys(obj).collect()
    }

    pub fn check_kind(&self, expected: &'static str) -> Result<()> {
        let root = ObjId::Root;
        match self.str(&root, "type", "type")? {
            Some(t) if t == expected => Ok(()),
            _ => Err(self.invalid("type", expected)),
        }
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.int(&ObjId::Root, "schema", "schema")?.unwrap_or(0))
    }
}

pub fn ts(t: DateTime<Utc>) -> ScalarValue {
    ScalarValue::Timestamp(t.timestamp_millis())
}
