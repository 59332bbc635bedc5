//! The debrief's slot, as a booking records it on the candidate's timeline: when it is held,
//! for how long, with whom. Stored as additive fields of the `debrief_booked` event, so an
//! older build still reads the booking (without its slot).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType};
use chrono::{DateTime, Utc};

use super::schema::{ts, Reader};
use crate::error::{Error, Result};
use crate::ids::InterviewerId;

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebriefSlot {
    pub at: DateTime<Utc>,
    pub minutes: u32,
    pub attendees: Vec<InterviewerId>,
}

impl DebriefSlot {
    pub fn end(&self) -> DateTime<Utc> {
        self.at + chrono::Duration::minutes(self.minutes as i64)
    }

    pub fn validate(&self) -> Result<()> {
        if self.minutes == 0 || self.minutes > 8 * 60 {
            return Err(Error::invalid("a debrief lasts between 1 and 480 minutes"));
        }
        if self.attendees.is_empty() {
            return Err(Error::invalid("a debrief needs its attendees"));
        }
        Ok(())
    }
}

pub(crate) fn write_debrief_slot(doc: &mut AutoCommit, m: &ObjId, d: &DebriefSlot) -> Result<()> {
    doc.put(m, "debriefAt", ts(d.at))?;
    doc.put(m, "debriefMinutes", d.minutes as i64)?;
    let list = doc.put_object(m, "debriefAttendees", ObjType::List)?;
    for (i, a) in d.attendees.iter().enumerate() {
        doc.insert(&list, i, a.as_str())?;
    }
    Ok(())
}

/// A booking's slot. Additive fields of the event map: a bad one is reported and the event
/// reads as a booking without a slot, never an unreadable candidate.
pub(crate) fn read_debrief_slot(r: &Reader<'_>, m: &ObjId, path: &str) -> Result<Option<DebriefSlot>> {
    let Some(at) = r.or(r.time(m, "debriefAt", &format!("{path}.debriefAt")), None)? else { return Ok(None) };
    let mpath = format!("{path}.debriefMinutes");
    let minutes = r.or(
        r.int(m, "debriefMinutes", &mpath).and_then(|v| match v {
            Some(v @ 1..=480) => Ok(Some(v as u32)),
            None => Ok(None),
            Some(_) => Err(Error::InvalidField { id: r.id, path: mpath.clone(), expected: "a debrief length in minutes" }),
        }),
        None,
    )?;
    let apath = format!("{path}.debriefAttendees");
    let mut attendees = Vec::new();
    if let Some(list) = r.or(r.list(m, "debriefAttendees", &apath), None)? {
        let ids = r.each(r.list_strings(&list, &apath)?, |_, (i, s)| {
            InterviewerId::new(s).map_err(|_| Error::InvalidField { id: r.id, path: format!("{apath}[{i}]"), expected: "an interviewer id" })
        })?;
        for a in ids {
            if !attendees.contains(&a) {
                attendees.push(a);
            }
        }
    }
    Ok(Some(DebriefSlot { at, minutes: minutes.unwrap_or(30), attendees }))
}

impl super::Candidate {
    /// The slot of the latest debrief booking that has one.
    pub fn debrief(&self) -> Option<&DebriefSlot> {
        self.events
            .iter()
            .filter(|e| e.kind == super::CandidateEventKind::DebriefBooked)
            .filter_map(|e| e.debrief.as_ref().map(|d| (e.at, d)))
            .max_by_key(|(at, _)| *at)
            .map(|(_, d)| d)
    }
}
