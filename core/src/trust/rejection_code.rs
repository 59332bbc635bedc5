//! Why a peer's envelope was refused, as a stable code: what the store records and what the
//! apps word in their own language. The rejection's English text stays for the CLI and
//! logs; nothing maps text back to a code.

use super::envelope::Rejection;
use super::rules::Violation;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum EnvelopeRejection {
    Malformed,
    /// It does not open with the panel's secret.
    Undecryptable,
    BadSignature,
    WrongPanel,
    NotMember,
    /// It wrote to a document that is not the panel's.
    NotInPanel,
    /// It carried a change that is not its signer's own, or an unreadable one.
    ForeignChange,
    /// Its changes are not the run its signer signed.
    RunMismatch,
    /// A panelist wrote what only the lead may (the decision, the panel, the schedule).
    AdminOnly,
    /// A panelist wrote another seat's scorecard.
    OthersScorecard,
    /// A submitted scorecard was changed, replaced or written as something other than one
    /// sealed card (submitted scorecards are immutable).
    ScorecardChanged,
    /// Another write rule.
    WriteRule,
    /// Two different envelopes under one sequence number.
    Equivocation,
    /// About a panel or document erased on this device.
    Erased,
    /// An epoch's snapshot that is not a current admin's, or misstates a member's signed
    /// changes (`Store::snapshot_problems`).
    SnapshotRefused,
    /// A code this build does not know (written by a newer one).
    Other,
}

/// Each code and its stored form. The stored forms never change once released: stores keep
/// them across upgrades.
const CODES: &[(EnvelopeRejection, &str)] = &[
    (EnvelopeRejection::Malformed, "malformed"),
    (EnvelopeRejection::Undecryptable, "undecryptable"),
    (EnvelopeRejection::BadSignature, "bad_signature"),
    (EnvelopeRejection::WrongPanel, "wrong_panel"),
    (EnvelopeRejection::NotMember, "not_member"),
    (EnvelopeRejection::NotInPanel, "not_in_panel"),
    (EnvelopeRejection::ForeignChange, "foreign_change"),
    (EnvelopeRejection::RunMismatch, "run_mismatch"),
    (EnvelopeRejection::AdminOnly, "admin_only"),
    (EnvelopeRejection::OthersScorecard, "others_scorecard"),
    (EnvelopeRejection::ScorecardChanged, "scorecard_changed"),
    (EnvelopeRejection::WriteRule, "write_rule"),
    (EnvelopeRejection::Equivocation, "equivocation"),
    (EnvelopeRejection::Erased, "erased"),
    (EnvelopeRejection::SnapshotRefused, "snapshot_refused"),
    (EnvelopeRejection::Other, "other"),
];

impl EnvelopeRejection {
    pub fn of(r: &Rejection) -> Self {
        match r {
            Rejection::Malformed(_) => Self::Malformed,
            Rejection::Undecryptable => Self::Undecryptable,
            Rejection::BadSignature(_) => Self::BadSignature,
            Rejection::WrongPanel => Self::WrongPanel,
            Rejection::NotMember(_) => Self::NotMember,
            Rejection::NotInPanel { .. } => Self::NotInPanel,
            Rejection::ForeignChange { .. } => Self::ForeignChange,
            Rejection::RunMismatch { .. } => Self::RunMismatch,
            Rejection::Rule { violation, .. } => match violation {
                Violation::AdminOnly { .. } => Self::AdminOnly,
                Violation::OthersScorecard(_) => Self::OthersScorecard,
                Violation::ScorecardSubmitted(_) | Violation::ScorecardsReplaced | Violation::ScorecardNotSealed(_) => {
                    Self::ScorecardChanged
                }
                Violation::UnknownObject | Violation::Unreadable => Self::WriteRule,
            },
            Rejection::Equivocation { .. } => Self::Equivocation,
            Rejection::Erased => Self::Erased,
        }
    }

    pub fn as_str(self) -> &'static str {
        CODES.iter().find(|(c, _)| *c == self).map_or("other", |(_, s)| s)
    }

    /// A stored code; one this build does not know is `Other`.
    pub fn parse(s: &str) -> Self {
        CODES.iter().find(|(_, t)| *t == s).map_or(Self::Other, |(c, _)| *c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_stored_form() {
        for (code, text) in CODES {
            assert_eq!(EnvelopeRejection::parse(text), *code);
            assert_eq!(code.as_str(), *text);
        }
        let mut texts: Vec<_> = CODES.iter().map(|(_, t)| *t).collect();
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), CODES.len(), "stored forms are distinct");
        assert_eq!(EnvelopeRejection::parse("a code from a newer build"), EnvelopeRejection::Other);
    }

    #[test]
    fn write_rule_violations_map_to_their_codes() {
        let rule = |violation| Rejection::Rule { device: "d".into(), violation };
        assert_eq!(
            EnvelopeRejection::of(&rule(Violation::AdminOnly { kind: "interview", field: "decision".into() })),
            EnvelopeRejection::AdminOnly
        );
        assert_eq!(EnvelopeRejection::of(&rule(Violation::OthersScorecard("ben".into()))), EnvelopeRejection::OthersScorecard);
        assert_eq!(EnvelopeRejection::of(&rule(Violation::ScorecardsReplaced)), EnvelopeRejection::ScorecardChanged);
        assert_eq!(EnvelopeRejection::of(&rule(Violation::Unreadable)), EnvelopeRejection::WriteRule);
        assert_eq!(EnvelopeRejection::of(&Rejection::Erased), EnvelopeRejection::Erased);
    }

    /// Stores from before codes recorded only the text: the migration gives each old row
    /// its code from the wording of the build that wrote it.
    #[test]
    fn the_migration_gives_rows_from_before_their_codes() {
        use crate::store::migrations;
        use crate::trust::DecodeError;
        use EnvelopeRejection as E;
        let d = || "0123456789abcdef".to_owned();
        let cases = [
            (Rejection::Malformed(DecodeError::Truncated("x")), E::Malformed),
            (Rejection::Undecryptable, E::Undecryptable),
            (Rejection::BadSignature(d()), E::BadSignature),
            (Rejection::WrongPanel, E::WrongPanel),
            (Rejection::NotMember(d()), E::NotMember),
            (Rejection::NotInPanel { device: d() }, E::NotInPanel),
            (Rejection::ForeignChange { device: d() }, E::ForeignChange),
            (Rejection::RunMismatch { device: d() }, E::RunMismatch),
            (Rejection::Rule { device: d(), violation: Violation::AdminOnly { kind: "interview", field: "decision".into() } }, E::AdminOnly),
            (Rejection::Rule { device: d(), violation: Violation::OthersScorecard("ben@acme".into()) }, E::OthersScorecard),
            (Rejection::Rule { device: d(), violation: Violation::ScorecardSubmitted("ben@acme".into()) }, E::ScorecardChanged),
            (Rejection::Rule { device: d(), violation: Violation::ScorecardsReplaced }, E::ScorecardChanged),
            (Rejection::Rule { device: d(), violation: Violation::ScorecardNotSealed("ben@acme".into()) }, E::ScorecardChanged),
            (Rejection::Rule { device: d(), violation: Violation::UnknownObject }, E::WriteRule),
            (Rejection::Rule { device: d(), violation: Violation::Unreadable }, E::WriteRule),
            (Rejection::Equivocation { device: d(), seq: 3 }, E::Equivocation),
            (Rejection::Erased, E::Erased),
        ];
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        migrations::migrate_to(&mut conn, migrations::version_of("ADD COLUMN code") - 1).unwrap();
        for (n, (r, _)) in cases.iter().enumerate() {
            conn.execute(
                "INSERT INTO envelope_rejections(genesis, device, reason, at) VALUES (x'00', NULL, ?1, ?2)",
                rusqlite::params![r.to_string(), n as i64],
            )
            .unwrap();
        }
        conn.execute("INSERT INTO envelope_rejections(genesis, device, reason, at) VALUES (x'00', NULL, 'from a newer build', 99)", [])
            .unwrap();
        migrations::migrate(&mut conn).unwrap();
        let mut q = conn.prepare("SELECT code FROM envelope_rejections ORDER BY at").unwrap();
        let codes: Vec<String> = q.query_map([], |r| r.get(0)).unwrap().map(|c| c.unwrap()).collect();
        for ((r, code), stored) in cases.iter().zip(&codes) {
            assert_eq!(EnvelopeRejection::parse(stored), *code, "{r}");
            assert_eq!(EnvelopeRejection::of(r), *code, "{r}");
        }
        assert_eq!(codes.last().map(String::as_str), Some("other"));
    }
}
