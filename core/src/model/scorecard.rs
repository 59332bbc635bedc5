//! Scorecards: each panelist rates independently. A draft lives only in the panelist's own
//! store (never in a shared document) until it is submitted; after that it is part of the
//! interview document and, once a panelist has submitted their own, visible to them.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::schema::{ts, Reader};
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

    fn set(&mut self, i: usize, v: Option<u8>) {
        match i {
            0 => self.technical_depth = v,
            1 => self.reaction_to_challenge = v,
            2 => self.business_understanding = v,
            _ => self.question_quality = v,
        }
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

pub(crate) fn write_submitted(
    doc: &mut AutoCommit,
    interviewer: &InterviewerId,
    draft: &ScorecardDraft,
    at: DateTime<Utc>,
) -> Result<()> {
    let cards = match doc.get(ObjId::Root, "scorecards")? {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        _ => doc.put_object(ObjId::Root, "scorecards", ObjType::Map)?,
    };
    let m = doc.put_object(&cards, interviewer.as_str(), ObjType::Map)?;
    for (i, (key, _)) in Ratings::FIELDS.iter().enumerate() {
        if let Some(v) = draft.ratings.get(i) {
            doc.put(&m, *key, v as i64)?;
        }
    }
    if let Some(r) = draft.recommendation {
        doc.put(&m, "recommendation", r.as_str())?;
    }
    doc.put(&m, "comments", draft.comments.as_str())?;
    doc.put(&m, "submittedAt", ts(at))?;
    Ok(())
}

/// The submitted scorecards; one that is malformed is skipped and recorded as a problem,
/// never hiding the others.
pub(crate) fn read_submitted(r: &Reader<'_>) -> Result<Vec<Scorecard>> {
    let Some(cards) = r.or(r.map(&ObjId::Root, "scorecards", "scorecards"), None)? else {
        return Ok(Vec::new());
    };
    r.each(r.keys(&cards), |_, key| {
        let path = format!("scorecards.{key}");
        let m = r.map(&cards, &key, &path)?.ok_or(Error::InvalidField {
            id: r.id,
            path: path.clone(),
            expected: "a map",
        })?;
        let interviewer = InterviewerId::new(key.clone()).map_err(|_| Error::InvalidField {
            id: r.id,
            path: path.clone(),
            expected: "an interviewer id as key",
        })?;
        let mut ratings = Ratings::default();
        for (i, (field, _)) in Ratings::FIELDS.iter().enumerate() {
            let p = format!("{path}.{field}");
            let v = match r.int(&m, field, &p)? {
                None => None,
                Some(v @ 1..=4) => Some(v as u8),
                Some(_) => {
                    return Err(Error::InvalidField {
                        id: r.id,
                        path: p,
                        expected: "a rating from 1 to 4",
                    })
                }
            };
            ratings.set(i, v);
        }
        let rec = r.required_str(&m, "recommendation", &format!("{path}.recommendation"))?;
        Ok(Scorecard {
            interviewer,
            ratings,
            recommendation: Recommendation::parse(&rec).ok_or(Error::InvalidField {
                id: r.id,
                path: format!("{path}.recommendation"),
                expected: "strong_no, no, yes or strong_yes",
            })?,
            comments: r.str(&m, "comments", &format!("{path}.comments"))?.unwrap_or_default(),
            submitted_at: r
                .time(&m, "submittedAt", &format!("{path}.submittedAt"))?
                .ok_or(Error::InvalidField {
                    id: r.id,
                    path: format!("{path}.submittedAt"),
                    expected: "a timestamp (missing)",
                })?,
        })
    })
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
pub fn view_for(
    viewer: &InterviewerId,
    panelists: &[InterviewerId],
    submitted: Vec<Scorecard>,
) -> ScorecardView {
    let on_panel = panelists.contains(viewer);
    let own_submitted = submitted.iter().any(|s| &s.interviewer == viewer);
    if on_panel && !own_submitted {
        ScorecardView::Sealed {
            submitted: submitted.into_iter().map(|s| s.interviewer).collect(),
            panel_size: panelists.len(),
        }
    } else {
        ScorecardView::Visible(submitted)
    }
}
