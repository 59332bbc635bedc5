//! Write rules, checked on what a change really does: each operation is traced to the
//! top-level field of the document it touches (and, under `scorecards`, to the seat), and
//! that field must be one the author's seat may write. Objects are traced in the history the
//! change names as its dependencies, so every phone that can apply the change reaches the
//! same verdict, whatever else it holds.

use std::collections::{HashMap, HashSet};

use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{AutoCommit, Change, Prop, ReadDoc};

use crate::ids::InterviewerId;
use crate::model::DocKind;

/// What the author's device holds on the roster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// The lead or a deputy: may write anything in the panel's documents.
    Admin,
    /// A scheduled panelist.
    Member { seat: InterviewerId },
}

/// Which rule a change broke. Names fields of the schema, never values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("a panelist may not write the {kind} document's {field}")]
    AdminOnly { kind: &'static str, field: String },
    #[error("a panelist may write only their own scorecard, not seat {0}'s")]
    OthersScorecard(String),
    /// Scorecards are immutable sealed blobs: once a seat's is in, nobody (an admin neither)
    /// changes, replaces or deletes it.
    #[error("seat {0}'s scorecard is submitted and cannot change")]
    ScorecardSubmitted(String),
    #[error("the change replaces the map of submitted scorecards")]
    ScorecardsReplaced,
    /// A scorecard is written as one sealed card (bytes), never as an editable object.
    #[error("seat {0}'s scorecard is not written as one sealed card")]
    ScorecardNotSealed(String),
    #[error("the change touches an object its history does not have")]
    UnknownObject,
    #[error("the change could not be read")]
    Unreadable,
}

/// Where an operation lands: the root field, and the key under it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Place {
    top: String,
    second: Option<String>,
}

/// Fields of the interview document any panelist may write: what is said in the room.
const INTERVIEW_MEMBER_FIELDS: &[&str] =
    &["notes", "questions", "nextSteps", "stageStarts", "stageLog", "endedAt", "commitments", "logistics", "actors"];
/// Fields of the candidate document a panelist may write: events appended to the timeline,
/// the logistics they heard, commitments made to the candidate.
const CANDIDATE_MEMBER_FIELDS: &[&str] = &["events", "logistics", "commitments", "actors"];

fn allowed(kind: DocKind, role: &Role, place: &Place) -> Result<(), Violation> {
    let Role::Member { seat } = role else { return Ok(()) };
    let fields = match kind {
        DocKind::Interview => INTERVIEW_MEMBER_FIELDS,
        DocKind::Candidate => CANDIDATE_MEMBER_FIELDS,
        DocKind::Template | DocKind::Mailbox => &[],
    };
    if kind == DocKind::Interview && place.top == "scorecards" {
        return match &place.second {
            Some(s) if s == seat.as_str() => Ok(()),
            Some(s) => Err(Violation::OthersScorecard(s.clone())),
            // Creating or replacing the scorecards map itself is the lead's.
            None => Err(Violation::AdminOnly { kind: kind.as_str(), field: place.top.clone() }),
        };
    }
    if fields.contains(&place.top.as_str()) {
        Ok(())
    } else {
        Err(Violation::AdminOnly { kind: kind.as_str(), field: place.top.clone() })
    }
}

/// Checks a run of one author's changes against `doc`, which must hold every dependency of
/// the run. Objects the run itself makes are traced through the run. An admin may write any
/// field, but no one may change a submitted scorecard, so an admin's run on an interview is
/// traced too.
pub fn check_run(doc: &AutoCommit, kind: DocKind, role: &Role, run: &[Change]) -> Result<(), Violation> {
    if *role == Role::Admin && kind != DocKind::Interview {
        return Ok(());
    }
    let mut made: HashMap<OpId, Place> = HashMap::new();
    // An object never moves: the map keys that lead to it are fixed when it is made, so one
    // trace per object serves every later op on it (typing is thousands of ops on a handful
    // of text objects, and each trace walks the history).
    let mut traced: HashMap<OpId, Place> = HashMap::new();
    // Seats whose card this run already wrote: a second write in the same run changes it.
    let mut carded: HashSet<String> = HashSet::new();
    let mut in_run: HashMap<automerge::ChangeHash, Vec<automerge::ChangeHash>> = HashMap::new();
    for change in run {
        // Legacy expansion asserts what loading already validated; a change that still trips
        // it is unreadable, not a crash.
        let expanded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change.decode())).map_err(|_| Violation::Unreadable)?;
        // The history the change builds on, as the document has it: a dependency on an
        // earlier change of this run stands for that change's own dependencies (what the run
        // itself wrote is traced through `made` and `carded`). Asking the document about a
        // change it does not hold yet would see nothing and let a rewrite pass.
        let mut heads: Vec<automerge::ChangeHash> = Vec::new();
        for d in change.deps() {
            for h in in_run.get(d).map_or_else(|| vec![*d], |e: &Vec<automerge::ChangeHash>| e.clone()) {
                if !heads.contains(&h) {
                    heads.push(h);
                }
            }
        }
        in_run.insert(change.hash(), heads.clone());
        let start = change.start_op().get();
        for (i, op) in expanded.operations.iter().enumerate() {
            let key = match &op.key {
                Key::Map(k) => Some(k.to_string()),
                Key::Seq(_) => None,
            };
            // Whether the op sits directly in a root field's object (the scorecards map).
            let mut direct = false;
            let place = match &op.obj {
                ObjectId::Root => Place { top: key.clone().ok_or(Violation::Unreadable)?, second: None },
                ObjectId::Id(oid) => {
                    let parent = match made.get(oid).or_else(|| traced.get(oid)) {
                        Some(p) => p.clone(),
                        None => {
                            let p = trace(doc, oid, &heads)?;
                            traced.insert(oid.clone(), p.clone());
                            p
                        }
                    };
                    match parent.second {
                        Some(_) => parent,
                        None => {
                            direct = true;
                            Place { top: parent.top, second: key.clone() }
                        }
                    }
                }
            };
            allowed(kind, role, &place)?;
            if kind == DocKind::Interview && place.top == "scorecards" {
                check_card_op(doc, op, &place, direct, &heads, &made, &mut carded)?;
            }
            if let OpType::Make(_) = op.action {
                made.insert(OpId(start + i as u64, change.actor_id().clone()), place);
            }
        }
    }
    Ok(())
}

/// A scorecard is written once, as one sealed card: a put of bytes into the scorecards map
/// under a seat that has none in the change's history. Anything else under `scorecards`
/// changes a submitted card (or makes an editable one), and so does replacing the map.
fn check_card_op(
    doc: &AutoCommit,
    op: &automerge::legacy::Op,
    place: &Place,
    direct: bool,
    heads: &[automerge::ChangeHash],
    made: &HashMap<OpId, Place>,
    carded: &mut HashSet<String>,
) -> Result<(), Violation> {
    let Some(seat) = &place.second else {
        // The scorecards map itself, at the root: made once by the scheduler.
        let exists = doc.get_at(automerge::ROOT, "scorecards", heads).map_err(|_| Violation::UnknownObject)?.is_some();
        return if exists { Err(Violation::ScorecardsReplaced) } else { Ok(()) };
    };
    if !direct {
        return Err(Violation::ScorecardNotSealed(seat.clone()));
    }
    if !matches!(op.action, OpType::Put(automerge::ScalarValue::Bytes(_))) {
        return Err(if matches!(op.action, OpType::Make(_)) {
            Violation::ScorecardNotSealed(seat.clone())
        } else {
            Violation::ScorecardSubmitted(seat.clone())
        });
    }
    if !carded.insert(seat.clone()) {
        return Err(Violation::ScorecardSubmitted(seat.clone()));
    }
    let ObjectId::Id(oid) = &op.obj else { return Err(Violation::Unreadable) };
    if made.contains_key(oid) {
        // The run made this scorecards map itself (allowed only where none existed).
        return Ok(());
    }
    let (cards, _) = doc.import(&oid.to_string()).map_err(|_| Violation::UnknownObject)?;
    match doc.get_at(&cards, seat.as_str(), heads) {
        Ok(None) => Ok(()),
        Ok(Some(_)) => Err(Violation::ScorecardSubmitted(seat.clone())),
        Err(_) => Err(Violation::UnknownObject),
    }
}

/// The place of an existing object, as of `heads`.
fn trace(doc: &AutoCommit, oid: &OpId, heads: &[automerge::ChangeHash]) -> Result<Place, Violation> {
    let (id, _) = doc.import(&oid.to_string()).map_err(|_| Violation::UnknownObject)?;
    let parents = doc.parents_at(&id, heads).map_err(|_| Violation::UnknownObject)?;
    let path: Vec<Prop> = parents.map(|p| p.prop).collect();
    // Nearest first: the last step names the root field, the one before it the key under it.
    let mut from_root = path.into_iter().rev().map(|p| match p {
        Prop::Map(k) => Some(k),
        Prop::Seq(_) => None,
    });
    let top = from_root.next().flatten().ok_or(Violation::UnknownObject)?;
    Ok(Place { top, second: from_root.next().flatten() })
}
