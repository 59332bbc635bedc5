//! The detail of a timeline entry, as data: the slot a booking is for, or when a commitment
//! was kept. The apps word it (and format the time) themselves. The index keeps it as a short
//! stable code; rows written by builds that kept an English phrase still read.

use chrono::{DateTime, NaiveDateTime, Utc};

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryDetail {
    /// A booking (an interview scheduled, a debrief booked): the slot it is for.
    Slot { start: DateTime<Utc>, minutes: u32 },
    /// A commitment that was kept; when, unless an older build recorded only that it was.
    Done { at: Option<DateTime<Utc>> },
}

impl EntryDetail {
    /// The index's code: `slot@<unix ms>+<minutes>`, `done@<unix ms>` or `done`.
    pub fn code(&self) -> String {
        match self {
            EntryDetail::Slot { start, minutes } => format!("slot@{}+{minutes}", start.timestamp_millis()),
            EntryDetail::Done { at: Some(at) } => format!("done@{}", at.timestamp_millis()),
            EntryDetail::Done { at: None } => "done".into(),
        }
    }

    /// A code, or the phrase older builds stored ("for 2026-03-04 11:00 UTC, 30 min", "done");
    /// `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        if let Some(rest) = s.strip_prefix("slot@") {
            let (ms, minutes) = rest.split_once('+')?;
            return Some(EntryDetail::Slot { start: DateTime::from_timestamp_millis(ms.parse().ok()?)?, minutes: minutes.parse().ok()? });
        }
        if let Some(ms) = s.strip_prefix("done@") {
            return Some(EntryDetail::Done { at: Some(DateTime::from_timestamp_millis(ms.parse().ok()?)?) });
        }
        if s == "done" {
            return Some(EntryDetail::Done { at: None });
        }
        let (when, rest) = s.strip_prefix("for ")?.split_once(" UTC, ")?;
        let start = NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M").ok()?.and_utc();
        let minutes = rest.strip_suffix(" min")?.parse().ok()?;
        Some(EntryDetail::Slot { start, minutes })
    }

    /// When the slot starts, for a booking.
    pub fn slot_start(&self) -> Option<DateTime<Utc>> {
        match self {
            EntryDetail::Slot { start, .. } => Some(*start),
            EntryDetail::Done { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_and_old_phrases_still_read() {
        let start = DateTime::from_timestamp_millis(1_772_622_000_000).unwrap();
        for d in [EntryDetail::Slot { start, minutes: 45 }, EntryDetail::Done { at: Some(start) }, EntryDetail::Done { at: None }] {
            assert_eq!(EntryDetail::parse(&d.code()), Some(d));
        }
        let old = format!("for {} UTC, 30 min", start.format("%Y-%m-%d %H:%M"));
        assert_eq!(EntryDetail::parse(&old), Some(EntryDetail::Slot { start, minutes: 30 }));
        assert_eq!(EntryDetail::parse("whatever a newer build wrote"), None);
        assert_eq!(EntryDetail::parse("slot@x+3"), None);
    }
}
