//! What is wrong with a document, as data the apps can put in their own words: why a
//! document is quarantined, and why a candidate's row shows its last good state. The index
//! keeps each as a short stable code, never a sentence; rows written by builds that kept the
//! English sentence still read.

/// Why a document was quarantined (it failed to load; its bytes are kept, and the next sync
/// with a panel member restores it).
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuarantineReason {
    /// The stored bytes do not decode as an Automerge document (damaged on disk or in transit).
    Undecodable,
    /// The stored changes depend on changes that are not there.
    MissingDependencies,
}

/// What the decoder says when stored changes lack their dependencies; also how a stored
/// reason is told apart from the others.
pub(crate) const MISSING_DEPENDENCIES: &str = "changes whose dependencies are missing";

impl QuarantineReason {
    pub fn code(self) -> &'static str {
        match self {
            QuarantineReason::Undecodable => "undecodable",
            QuarantineReason::MissingDependencies => "missing_dependencies",
        }
    }

    /// From a stored code, or from the decoder's message (what older builds stored, and what
    /// the store is handed when it quarantines). Anything else failed to decode.
    pub fn parse(s: &str) -> Self {
        if s == QuarantineReason::MissingDependencies.code() || s.contains(MISSING_DEPENDENCIES) {
            QuarantineReason::MissingDependencies
        } else {
            QuarantineReason::Undecodable
        }
    }
}

/// Why a candidate's row shows its last good state instead of the document's current one.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CandidateProblem {
    /// The candidate's document is quarantined.
    Quarantined { reason: QuarantineReason },
    /// A peer wrote a field the list needs with the wrong type (or left it out); `path` names
    /// it in the document, such as `appliedAt`.
    InvalidField { path: String },
}

const INVALID_FIELD: &str = "invalid_field:";
const QUARANTINED: &str = "quarantined:";

impl CandidateProblem {
    pub fn code(&self) -> String {
        match self {
            CandidateProblem::Quarantined { reason } => format!("{QUARANTINED}{}", reason.code()),
            CandidateProblem::InvalidField { path } => format!("{INVALID_FIELD}{path}"),
        }
    }

    /// From the index: a code, a document's quarantine reason, or the sentence older builds
    /// stored (`document … has an invalid field PATH: expected …`).
    pub fn parse(s: &str) -> Self {
        if let Some(path) = s.strip_prefix(INVALID_FIELD) {
            return CandidateProblem::InvalidField { path: path.to_owned() };
        }
        if let Some(reason) = s.strip_prefix(QUARANTINED) {
            return CandidateProblem::Quarantined { reason: QuarantineReason::parse(reason) };
        }
        if let Some((_, rest)) = s.split_once(" has an invalid field ") {
            let path = rest.split_once(": expected").map_or(rest, |(p, _)| p);
            return CandidateProblem::InvalidField { path: path.to_owned() };
        }
        CandidateProblem::Quarantined { reason: QuarantineReason::parse(s) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_and_old_sentences_still_read() {
        for p in [
            CandidateProblem::InvalidField { path: "appliedAt".into() },
            CandidateProblem::Quarantined { reason: QuarantineReason::MissingDependencies },
            CandidateProblem::Quarantined { reason: QuarantineReason::Undecodable },
        ] {
            assert_eq!(CandidateProblem::parse(&p.code()), p);
        }
        assert_eq!(
            CandidateProblem::parse("document 2kGx has an invalid field profile.name: expected a string"),
            CandidateProblem::InvalidField { path: "profile.name".into() }
        );
        assert_eq!(
            CandidateProblem::parse("document 2kGx is corrupt: changes whose dependencies are missing"),
            CandidateProblem::Quarantined { reason: QuarantineReason::MissingDependencies }
        );
        assert_eq!(QuarantineReason::parse("document 2kGx is corrupt: not an Automerge document"), QuarantineReason::Undecodable);
    }
}
