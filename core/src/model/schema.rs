//! Reading Automerge documents with validation. A peer running a buggy or newer build can
//! write anything into a shared document; every read here checks the type it finds and turns a
//! mismatch into `Error::InvalidField` naming the path, never a panic. Fields we don't know
//! are simply never touched, so a newer peer's additions survive our edits.

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, Value, ValueRef};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};

/// The schema version this build writes. Readers accept newer versions (and keep their
/// unknown fields); they only fail on fields whose type is wrong.
pub const SCHEMA_VERSION: i64 = 1;

/// A typed view over one document, carrying its id so errors can name it.
pub struct Reader<'a> {
    pub doc: &'a AutoCommit,
    pub id: DocumentId,
}

impl<'a> Reader<'a> {
    pub fn new(doc: &'a AutoCommit, id: DocumentId) -> Self {
        Reader { doc, id }
    }

    fn invalid(&self, path: &str, expected: &'static str) -> Error {
        Error::InvalidField {
            id: self.id,
            path: path.to_owned(),
            expected,
        }
    }

    fn scalar(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<ScalarValue>> {
        match self.doc.get(obj, key)? {
            None => Ok(None),
            Some((Value::Scalar(s), _)) => Ok(Some(s.into_owned())),
            Some((Value::Object(_), _)) => Err(self.invalid(path, "a scalar value")),
        }
    }

    /// A string field. JS automerge writes plain strings as Text objects by default; those
    /// read as their content.
    pub fn str(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<String>> {
        if let Some((Value::Object(ObjType::Text), text)) = self.doc.get(obj, key)? {
            return Ok(Some(self.doc.text(&text)?));
        }
        match self.scalar(obj, key, path)? {
            None | Some(ScalarValue::Null) => Ok(None),
            Some(ScalarValue::Str(s)) => Ok(Some(s.to_string())),
            Some(_) => Err(self.invalid(path, "a string")),
        }
    }

    pub fn required_str(&self, obj: &ObjId, key: &str, path: &str) -> Result<String> {
        self.str(obj, key, path)?
            .ok_or_else(|| self.invalid(path, "a string (missing)"))
    }

    /// Integers may arrive as floats from JS peers (JSON numbers); whole floats are accepted.
    pub fn int(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<i64>> {
        match self.scalar(obj, key, path)? {
            None | Some(ScalarValue::Null) => Ok(None),
            Some(ScalarValue::Int(i)) => Ok(Some(i)),
            Some(ScalarValue::Uint(u)) => {
                i64::try_from(u).map(Some).map_err(|_| self.invalid(path, "an integer"))
            }
            Some(ScalarValue::F64(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            Some(_) => Err(self.invalid(path, "an integer")),
        }
    }

    pub fn time(&self, obj: &ObjId, key: &str, path: &str) -> Result<Option<DateTime<Utc>>> {
        let ms = match self.scalar(obj, key, path)? {
            None | Some(ScalarValue::Null) => return Ok(None),
            Some(ScalarValue::Timestamp(ms)) | Some(ScalarValue::Int(ms)) => ms,
            Some(ScalarValue::F64(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i64,
            Some(_) => return Err(self.invalid(path, "a timestamp")),
        };
        Utc.timestamp_millis_opt(ms)
            .single()
            .map(Some)
            .ok_or_else(|| self.invalid(path, "a timestamp in range"))
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
            Some(_) => Err(self.invalid(path, expected)),
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

    /// The map objects of a list; a non-map element is an invalid field.
    pub fn list_maps(&self, list: &ObjId, path: &str) -> Result<Vec<ObjId>> {
        let mut out = Vec::new();
        for (i, item) in self.doc.list_range(list, ..).enumerate() {
            match item.value {
                ValueRef::Object(ObjType::Map) | ValueRef::Object(ObjType::Table) => {
                    out.push(item.id())
                }
                _ => return Err(self.invalid(&format!("{path}[{i}]"), "a map")),
            }
        }
        Ok(out)
    }

    pub fn list_strings(&self, list: &ObjId, path: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (i, item) in self.doc.list_range(list, ..).enumerate() {
            match item.value {
                ValueRef::Scalar(ScalarValueRef::Str(s)) => out.push(s.to_string()),
                ValueRef::Object(ObjType::Text) => out.push(self.doc.text(item.id())?),
                _ => return Err(self.invalid(&format!("{path}[{i}]"), "a string")),
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
