//! What must come before what on a candidate's timeline. The same rules refuse an event
//! before this store records it, and flag the entries a peer recorded out of order, so the
//! timeline shows the problem instead of a negative duration.

use chrono::{DateTime, Duration, Utc};

use super::{TimelineEntry, TimelineKind};
use crate::error::{Error, Result};
use crate::model::{CandidateEventKind as E, Outcome};

/// How far ahead of the store's clock an event may be dated: a phone's clock drifts, and a
/// panelist may note "10:00" a minute early.
pub const ALLOWED_SKEW: Duration = Duration::minutes(5);

/// An entry dated before `must_follow`, which has to happen first (for a scorecard: before
/// its interview ended, or while it has not ended at all).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrderProblem {
    pub must_follow: TimelineKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// At least one such entry of the candidate comes first.
    Candidate,
    /// The entry of the same interview comes first.
    SameInterview,
    /// Every such entry of any interview comes first.
    EveryInterview,
}

struct Rule {
    after: TimelineKind,
    scope: Scope,
    /// The prerequisite must exist at all (a scorecard needs an ended interview).
    required: bool,
}

const fn rule(after: TimelineKind, scope: Scope, required: bool) -> Rule {
    Rule { after, scope, required }
}

const APPLIED: Rule = rule(TimelineKind::Candidate(E::Applied), Scope::Candidate, false);

fn rules(kind: TimelineKind) -> &'static [Rule] {
    use TimelineKind as K;
    const HELD_SAME: Rule = rule(K::InterviewStarted, Scope::SameInterview, false);
    const ENDED_REQUIRED: Rule = rule(K::InterviewHeld, Scope::SameInterview, true);
    const EVERY_ENDED: Rule = rule(K::InterviewHeld, Scope::EveryInterview, false);
    const HIRED: Rule = rule(K::Decided(Outcome::Hire), Scope::Candidate, false);
    // Informing follows the decision, whichever it was (that there is one, the service checks).
    const REJECTED: Rule = rule(K::Decided(Outcome::Reject), Scope::Candidate, false);
    const OFFERED: Rule = rule(K::Candidate(E::OfferMade), Scope::Candidate, false);
    match kind {
        K::Candidate(E::Applied) => &[],
        K::InterviewHeld => &[APPLIED, HELD_SAME],
        K::FeedbackSubmitted => &[APPLIED, ENDED_REQUIRED],
        K::Candidate(E::DebriefHeld) | K::Decided(_) => &[APPLIED, EVERY_ENDED],
        K::Candidate(E::OfferMade) => &[APPLIED, HIRED],
        K::Candidate(E::CandidateInformed) => &[APPLIED, HIRED, REJECTED],
        K::Candidate(E::OfferAccepted | E::OfferDeclined) => &[APPLIED, OFFERED],
        _ => &[APPLIED],
    }
}

/// What `e` is dated before, if anything, among `entries` (which may include `e` itself).
fn violation(entries: &[TimelineEntry], e: &TimelineEntry) -> Option<TimelineKind> {
    for r in rules(e.kind) {
        let prior = entries.iter().filter(|o| {
            o.kind == r.after && (r.scope != Scope::SameInterview || (o.interview_id.is_some() && o.interview_id == e.interview_id))
        });
        let bound = match r.scope {
            Scope::EveryInterview => prior.map(|o| o.at).max(),
            Scope::Candidate | Scope::SameInterview => prior.map(|o| o.at).min(),
        };
        match bound {
            Some(t) if e.at < t => return Some(r.after),
            None if r.required => return Some(r.after),
            _ => {}
        }
    }
    None
}

/// Marks every entry that is dated before what must precede it. Depends only on the
/// entries, so every peer flags the same ones.
pub fn flag_out_of_order(entries: &mut [TimelineEntry]) {
    let found: Vec<Option<TimelineKind>> = entries.iter().map(|e| violation(entries, e)).collect();
    for (e, f) in entries.iter_mut().zip(found) {
        e.problem = f.map(|must_follow| OrderProblem { must_follow });
    }
}

/// Refuses a time more than the allowed skew ahead of `now` (the store's clock).
pub fn not_in_future(event: &'static str, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    if at > now + ALLOWED_SKEW {
        return Err(Error::OutOfOrder {
            event,
            problem: format!("in the future (more than {} minutes ahead of this device's clock)", ALLOWED_SKEW.num_minutes()),
        });
    }
    Ok(())
}

/// Checks an entry about to be recorded against the candidate's timeline as it stands.
pub fn check_new(entries: &[TimelineEntry], new: &TimelineEntry, now: DateTime<Utc>) -> Result<()> {
    not_in_future(new.kind.noun(), new.at, now)?;
    match violation(entries, new) {
        None => Ok(()),
        Some(k) => Err(Error::OutOfOrder {
            event: new.kind.noun(),
            problem: format!("before {}", k.noun()),
        }),
    }
}

impl TimelineKind {
    /// The event as the subject or object of a sentence ("the acknowledgement"), for errors.
    pub fn noun(self) -> &'static str {
        match self {
            TimelineKind::Candidate(k) => match k {
                E::Applied => "the application",
                E::Acknowledged => "the acknowledgement",
                E::DebriefBooked => "the debrief booking",
                E::DebriefHeld => "the debrief",
                E::OfferMade => "the offer",
                E::OfferAccepted => "the offer's acceptance",
                E::OfferDeclined => "the offer's refusal",
                E::Withdrew => "the withdrawal",
                E::CandidateInformed => "informing the candidate",
                E::Note => "a note",
            },
            TimelineKind::InterviewScheduled => "the booking of an interview",
            TimelineKind::InterviewStarted => "the start of the interview",
            TimelineKind::InterviewHeld => "the end of the interview",
            TimelineKind::CommitmentDue => "a commitment's deadline",
            TimelineKind::FeedbackSubmitted => "a scorecard",
            TimelineKind::Decided(_) => "the decision",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DocumentId;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::hours(h)
    }

    fn entry(kind: TimelineKind, h: i64, interview: Option<DocumentId>) -> TimelineEntry {
        TimelineEntry { at: t(h), kind, interview_id: interview, actor: None, detail: None, problem: None }
    }

    #[test]
    fn entries_before_their_prerequisites_are_flagged_and_the_rest_are_not() {
        let i = Some(DocumentId::from_bytes([1; 16]));
        let j = Some(DocumentId::from_bytes([2; 16]));
        let mut entries = vec![
            entry(TimelineKind::Candidate(E::Acknowledged), -25, None),
            entry(TimelineKind::Candidate(E::Applied), 0, None),
            entry(TimelineKind::InterviewStarted, 48, i),
            entry(TimelineKind::InterviewHeld, 49, i),
            entry(TimelineKind::FeedbackSubmitted, 48, i),
            entry(TimelineKind::FeedbackSubmitted, 50, i),
            entry(TimelineKind::FeedbackSubmitted, 50, j),
            entry(TimelineKind::Decided(Outcome::Hire), 51, None),
        ];
        flag_out_of_order(&mut entries);
        let flagged: Vec<_> = entries.iter().map(|e| e.problem.map(|p| p.must_follow)).collect();
        assert_eq!(
            flagged,
            [
                Some(TimelineKind::Candidate(E::Applied)),
                None,
                None,
                None,
                Some(TimelineKind::InterviewHeld),
                None,
                // The other interview never ended: its scorecard cannot be in.
                Some(TimelineKind::InterviewHeld),
                None,
            ]
        );
    }

    #[test]
    fn new_events_in_the_future_or_out_of_order_are_refused() {
        let entries = vec![entry(TimelineKind::Candidate(E::Applied), 0, None)];
        let ack = entry(TimelineKind::Candidate(E::Acknowledged), -1, None);
        let e = check_new(&entries, &ack, t(10)).unwrap_err();
        assert_eq!(e.to_string(), "the acknowledgement cannot be dated before the application");
        let ack = entry(TimelineKind::Candidate(E::Acknowledged), 11, None);
        assert!(matches!(check_new(&entries, &ack, t(10)), Err(Error::OutOfOrder { .. })));
        let ack = entry(TimelineKind::Candidate(E::Acknowledged), 10, None);
        check_new(&entries, &ack, t(10) - Duration::minutes(4)).unwrap();
    }
}
