//! How a next action is kept in the index: a stable code, never a sentence, so the list reads
//! it back as the enum. Rows written by builds that stored the English sentence still read.

use chrono::{DateTime, NaiveDateTime};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use super::NextAction;

impl NextAction {
    /// The stable code: `hold_interview@<unix ms>`, `collect_scorecards:<in>/<of>`, or a name.
    pub fn code(&self) -> String {
        match self {
            NextAction::AcknowledgeApplication => "acknowledge_application".into(),
            NextAction::ScheduleInterview => "schedule_interview".into(),
            NextAction::HoldInterview { scheduled_start } => format!("hold_interview@{}", scheduled_start.timestamp_millis()),
            NextAction::CollectScorecards { submitted, panel } => format!("collect_scorecards:{submitted}/{panel}"),
            NextAction::BookDebrief => "book_debrief".into(),
            NextAction::HoldDebrief => "hold_debrief".into(),
            NextAction::RecordDecision => "record_decision".into(),
            NextAction::MakeOffer => "make_offer".into(),
            NextAction::FollowUpOnOffer => "follow_up_on_offer".into(),
        }
    }

    pub fn parse(s: &str) -> Option<NextAction> {
        let fraction = |rest: &str| {
            let (a, b) = rest.split_once('/')?;
            Some(NextAction::CollectScorecards { submitted: a.trim().parse().ok()?, panel: b.trim().parse().ok()? })
        };
        Some(match s {
            "acknowledge_application" | "Acknowledge the application" => NextAction::AcknowledgeApplication,
            "schedule_interview" | "Schedule an interview" => NextAction::ScheduleInterview,
            "book_debrief" | "Book the debrief with the whole panel" => NextAction::BookDebrief,
            "hold_debrief" | "Hold the debrief" => NextAction::HoldDebrief,
            "record_decision" | "Record the decision" => NextAction::RecordDecision,
            "make_offer" | "Make an offer" => NextAction::MakeOffer,
            "follow_up_on_offer" | "Follow up on the offer" => NextAction::FollowUpOnOffer,
            _ => {
                if let Some(ms) = s.strip_prefix("hold_interview@") {
                    NextAction::HoldInterview { scheduled_start: DateTime::from_timestamp_millis(ms.parse().ok()?)? }
                } else if let Some(rest) = s.strip_prefix("collect_scorecards:") {
                    fraction(rest)?
                } else if let Some(rest) = s.strip_prefix("Hold the interview (").and_then(|r| r.strip_suffix(" UTC)")) {
                    let t = NaiveDateTime::parse_from_str(rest, "%Y-%m-%d %H:%M").ok()?;
                    NextAction::HoldInterview { scheduled_start: t.and_utc() }
                } else if let Some(rest) = s.strip_prefix("Collect scorecards (").and_then(|r| r.strip_suffix(" in)")) {
                    fraction(&rest.replace(" of ", "/"))?
                } else {
                    return None;
                }
            }
        })
    }
}

impl ToSql for NextAction {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.code()))
    }
}

impl FromSql for NextAction {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        NextAction::parse(s).ok_or_else(|| FromSqlError::Other("an unknown next action code".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn codes_round_trip_and_old_sentences_still_read() {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 9, 0, 0).unwrap();
        let all = [
            NextAction::AcknowledgeApplication,
            NextAction::ScheduleInterview,
            NextAction::HoldInterview { scheduled_start: at },
            NextAction::CollectScorecards { submitted: 1, panel: 3 },
            NextAction::BookDebrief,
            NextAction::HoldDebrief,
            NextAction::RecordDecision,
            NextAction::MakeOffer,
            NextAction::FollowUpOnOffer,
        ];
        for a in all {
            assert_eq!(NextAction::parse(&a.code()), Some(a));
        }
        assert_eq!(NextAction::parse("Hold the interview (2026-03-04 09:00 UTC)"), Some(all[2]));
        assert_eq!(NextAction::parse("Collect scorecards (1 of 3 in)"), Some(all[3]));
        assert_eq!(NextAction::parse("Book the debrief with the whole panel"), Some(NextAction::BookDebrief));
        assert_eq!(NextAction::parse("hold_interview@x"), None);
        assert_eq!(NextAction::parse("something else"), None);
    }
}
