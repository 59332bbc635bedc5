//! Scorecards: each panelist rates independently. A draft lives only in the panelist's own
//! store (never in a shared document) until it is submitted; after that it is part of the
//! interview document as a sealed card (`trust::sealed_card`), which opens to a panelist once
//! their own is in and an admin's phone has released its key to them.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::schema::Reader;
use crate::error::{Error, Result};
use crate::ids::InterviewerId;

/// A four-point recommendation with no neutral option: the panelist has to lean.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    StrongNo,
    No,
    Yes,
    StrongYes,
}

impl Recommendation {
    pub fn as_str(self) -> &'static str {
        match self {
            Recommendation::StrongNo => "strong_no",
            Recommendation::No => "no",
            Recommendation::Yes => "yes",
            Recommendation::StrongYes => "strong_yes",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.replace('-', "_").as_str() {
            "strong_no" => Some(Recommendation::StrongNo),
            "no" => Some(Recommendation::No),
            "yes" => Some(Recommendation::Yes),
            "strong_yes" => Some(Recommendation::StrongYes),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Recommendation::StrongNo => "Strong no",
            Recommendation::No => "No",
            Recommendation::Yes => "Yes",
            Recommendation::StrongYes => "Strong yes",
        }
    }
}

/// Ratings from 1 (weak) to 4 (strong); `None` while the draft is incomplete.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub technical_depth: Option<u8>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub reaction_to_challenge: Option<u8>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub business_understanding: Option<u8>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub question_quality: Option<u8>,
}

impl Ratings {
    const FIELDS: [(&'static str, &'static str); 4] = [
        ("technicalDepth", "Technical depth"),
        ("reactionToChallenge", "Reaction to a challenge"),
        ("businessUnderstanding", "Business understanding"),
        ("questionQuality", "Quality of their questions"),
    ];

    pub fn get(&self, i: usize) -> Option<u8> {
        [
            self.technical_depth,
            self.reaction_to_challenge,
            self.business_understanding,
            self.question_quality,
        ][i]
    }

    pub fn labelled(&self) -> impl Iterator<Item = (&'static str, Option<u8>)> + '_ {
        (0..4).map(|i| (Self::FIELDS[i].1, self.get(i)))
    }

    pub fn validate(&self) -> Result<()> {
        for (label, v) in self.labelled() {
            if let Some(v) = v {
                if !(1..=4).contains(&v) {
                    return Err(Error::invalid(format!("{label} must be rated 1 to 4, not {v}")));
                }
            }
        }
        Ok(())
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorecardDraft {
    pub ratings: Ratings,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub recommendation: Option<Recommendation>,
    /// Free comments; private to the panelist until the scorecard is submitted.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub comments: String,
}

impl ScorecardDraft {
    pub fn validate(&self) -> Result<()> {
        self.ratings.validate()
    }

    /// What submitting requires: every rating and a recommendation.
    pub fn check_complete(&self) -> Result<()> {
        self.validate()?;
        for (label, v) in self.ratings.labelled() {
            if v.is_none() {
                return Err(Error::invalid(format!("rate {label} before submitting")));
            }
        }
        if self.recommendation.is_none() {
            return Err(Error::invalid("choose a recommendation before submitting"));
        }
        Ok(())
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scorecard {
    pub interviewer: InterviewerId,
    pub ratings: Ratings,
    pub recommendation: Recommendation,
    pub comments: String,
    pub submitted_at: DateTime<Utc>,
}

/// Writes a seat's sealed card (`trust::sealed_card`): one byte string, written once; the
/// write rules refuse any later change to it.
pub(crate) fn write_sealed(doc: &mut AutoCommit, seat: &InterviewerId, card: Vec<u8>) -> Result<()> {
    let cards = match doc.get(ObjId::Root, "scorecards")? {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        _ => doc.put_object(ObjId::Root, "scorecards", ObjType::Map)?,
    };
    doc.put(&cards, seat.as_str(), ScalarValue::Bytes(card))?;
    Ok(())
}

/// A submitted card as stored: its seat, the time its clear header states, its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCard {
    pub seat: InterviewerId,
    pub submitted_at: DateTime<Utc>,
    pub bytes: Vec<u8>,
}

/// The time a sealed card states, from its clear header (a version byte, then the time in
/// milliseconds, little-endian: the layout `trust::sealed_card` writes first).
pub fn submitted_at_of(bytes: &[u8]) -> Option<DateTime<Utc>> {
    if bytes.len() < 9 || bytes[0] != 1 {
        return None;
    }
    let ms = i64::from_le_bytes(bytes[1..9].try_into().ok()?);
    DateTime::from_timestamp_millis(ms)
}

/// The submitted cards; one that is not a sealed card is skipped and recorded as a problem,
/// never hiding the others.
pub(crate) fn read_submitted(r: &Reader<'_>) -> Result<Vec<StoredCard>> {
    let Some(cards) = r.or(r.map(&ObjId::Root, "scorecards", "scorecards"), None)? else {
        return Ok(Vec::new());
    };
    r.each(r.keys(&cards), |_, key| {
        let path = format!("scorecards.{key}");
        let invalid = |expected| Error::InvalidField { id: r.id, path: path.clone(), expected };
        let seat = InterviewerId::new(key.clone()).map_err(|_| invalid("an interviewer id as key"))?;
        let bytes = match r.doc.get(&cards, &key)? {
            Some((automerge::Value::Scalar(v), _)) => match v.as_ref() {
                ScalarValue::Bytes(b) => b.clone(),
                _ => return Err(invalid("a sealed scorecard")),
            },
            _ => return Err(invalid("a sealed scorecard")),
        };
        let submitted_at = submitted_at_of(&bytes).ok_or_else(|| invalid("a sealed scorecard"))?;
        Ok(StoredCard { seat, submitted_at, bytes })
    })
}

/// What is sealed: the draft's ratings, recommendation and comments.
pub(crate) fn plaintext(draft: &ScorecardDraft) -> Vec<u8> {
    serde_json::to_vec(draft).expect("plain struct serializes")
}

/// The scorecard an opened card holds, if it is a complete one.
pub(crate) fn from_plaintext(interviewer: InterviewerId, submitted_at: DateTime<Utc>, bytes: &[u8]) -> Option<Scorecard> {
    let d: ScorecardDraft = serde_json::from_slice(bytes).ok()?;
    d.check_complete().ok()?;
    Some(Scorecard { interviewer, ratings: d.ratings, recommendation: d.recommendation?, comments: d.comments, submitted_at })
}

/// What a viewer may see of an interview's submitted scorecards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScorecardView {
    /// The viewer is on the panel and has not submitted yet: others stay sealed.
    Sealed { submitted: Vec<InterviewerId>, panel_size: usize },
    Visible(Vec<Scorecard>),
}

/// The sealing rule: a panelist sees the others' scorecards only once their own is submitted.
/// Someone who is not on the panel (the process lead at the debrief) sees all submitted ones.
/// `open` holds the cards this device could open; a card still waiting for its key's release
/// is left out of `Visible` (`Store::scorecard_seals` says why).
pub fn view_for(
    viewer: &InterviewerId,
    panelists: &[InterviewerId],
    submitted: Vec<InterviewerId>,
    open: Vec<Scorecard>,
) -> ScorecardView {
    let on_panel = panelists.contains(viewer);
    let own_submitted = submitted.contains(viewer);
    if on_panel && !own_submitted {
        ScorecardView::Sealed { submitted, panel_size: panelists.len() }
    } else {
        ScorecardView::Visible(open)
    }
}
