//! Identifiers. A document id is 16 random bytes written as bs58check, exactly as
//! automerge-repo writes them, so a JS peer and ours name a document the same way. Knowing an
//! id is what lets a peer ask for the document, so ids come from a CSPRNG.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentId([u8; 16]);

impl TryFrom<String> for DocumentId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<DocumentId> for String {
    fn from(id: DocumentId) -> String {
        id.to_string()
    }
}

impl DocumentId {
    pub fn random() -> Self {
        DocumentId(rand::random())
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        DocumentId(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:` URL form used by automerge-repo.
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        let s = s.strip_prefix("automerge:").unwrap_or(s);
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|_| Error::invalid(format!("{s:?} is not a document id")))?;
        let bytes: [u8; 16] = bytes
            .try_into()
            .map_err(|_| Error::invalid(format!("{s:?} is not a 16-byte document id")))?;
        Ok(DocumentId(bytes))
    }
}

/// Who an interviewer is across devices: a stable, non-empty handle such as an email address.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InterviewerId(String);

impl TryFrom<String> for InterviewerId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        InterviewerId::new(s)
    }
}

impl From<InterviewerId> for String {
    fn from(id: InterviewerId) -> String {
        id.0
    }
}

impl InterviewerId {
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        let trimmed = id.trim();
        if trimmed.is_empty() {
            return Err(Error::invalid("an interviewer id must not be empty"));
        }
        if trimmed.len() > 200 || trimmed.chars().any(char::is_control) {
            return Err(Error::invalid(
                "an interviewer id must be at most 200 bytes without control characters",
            ));
        }
        // One token: lists of ids are written comma-separated, and "not an email, ben" is
        // two people (or none), never one.
        let bad = |c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']');
        let mut parts = trimmed.split('@');
        let well_formed = match (parts.next(), parts.next(), parts.next()) {
            (Some(handle), None, _) => !handle.is_empty(),
            (Some(local), Some(domain), None) => !local.is_empty() && !domain.is_empty(),
            _ => false,
        };
        if trimmed.chars().any(bad) || !well_formed {
            return Err(Error::invalid(
                "an interviewer id is an email address or a handle: one word, no spaces or commas",
            ));
        }
        Ok(InterviewerId(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InterviewerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_id_round_trips_through_bs58check_and_url() {
        let id = DocumentId::random();
        assert_eq!(id.to_string().parse::<DocumentId>().unwrap(), id);
        assert_eq!(id.url().parse::<DocumentId>().unwrap(), id);
    }

    #[test]
    fn document_id_rejects_a_bad_checksum_and_wrong_length() {
        let mut s = DocumentId::random().to_string().into_bytes();
        let last = s.len() - 1;
        s[last] = if s[last] == b'2' { b'3' } else { b'2' };
        assert!(matches!(
            String::from_utf8(s).unwrap().parse::<DocumentId>(),
            Err(Error::InvalidArgument(_))
        ));
        let short = bs58::encode([1u8; 8]).with_check().into_string();
        assert!(short.parse::<DocumentId>().is_err());
        assert!("".parse::<DocumentId>().is_err());
    }

    #[test]
    fn interviewer_ids_are_trimmed_and_validated() {
        assert_eq!(InterviewerId::new("  ana@acme ").unwrap().as_str(), "ana@acme");
        assert!(InterviewerId::new("   ").is_err());
        assert!(InterviewerId::new("a\u{0}b").is_err());
        assert_eq!(InterviewerId::new("ben").unwrap().as_str(), "ben");
        assert_eq!(InterviewerId::new("josé.p+x@acme.test").unwrap().as_str(), "josé.p+x@acme.test");
        for bad in ["not an email", "ana@acme,ben@acme", "a@b@c", "@acme", "ana@", "<ana@acme>"] {
            assert!(InterviewerId::new(bad).is_err(), "{bad}");
        }
    }
}
