//! The debrief brief: what the panel found, laid out for the debrief. It is partial (naming
//! whose scorecards are missing) until the last one arrives, by any path, and complete from
//! then on. Per rated dimension it shows the spread of the ratings, the widest disagreement
//! first, each rating beside its evidence: its author's scorecard comments and the probe's
//! passages in the notes of the interview it rated. Then the candidate's questions, the
//! logistics with their conflicts, and open next steps.
//!
//! It never suggests hire or no-hire: each panelist's own recommendation is listed as theirs,
//! and nothing sums them up.

use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::model::{Commitment, CandidateQuestion, Logistics, NextSteps, Probe, ProbeNote, QuestionKind, Ratings, Recommendation, ScorecardView};
use crate::services::kit::interview_probe_notes;
use crate::store::{Conflict, Store};

/// What a scorecard rates: the three probes and the quality of the candidate's questions.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RatedDimension {
    TechnicalDepth,
    ReactionToChallenge,
    BusinessImpact,
    QuestionQuality,
}

impl RatedDimension {
    pub const ALL: [RatedDimension; 4] = [
        RatedDimension::TechnicalDepth,
        RatedDimension::ReactionToChallenge,
        RatedDimension::BusinessImpact,
        RatedDimension::QuestionQuality,
    ];

    /// The probe whose notes are this rating's evidence; the questions' quality has none.
    pub fn probe(self) -> Option<Probe> {
        match self {
            RatedDimension::TechnicalDepth => Some(Probe::TechnicalDepth),
            RatedDimension::ReactionToChallenge => Some(Probe::ReactionToChallenge),
            RatedDimension::BusinessImpact => Some(Probe::BusinessImpact),
            RatedDimension::QuestionQuality => None,
        }
    }

    pub fn rating(self, r: &Ratings) -> Option<u8> {
        match self {
            RatedDimension::TechnicalDepth => r.technical_depth,
            RatedDimension::ReactionToChallenge => r.reaction_to_challenge,
            RatedDimension::BusinessImpact => r.business_understanding,
            RatedDimension::QuestionQuality => r.question_quality,
        }
    }
}

/// One panelist's rating beside the evidence for it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatingWithEvidence {
    pub interviewer: InterviewerId,
    pub interview_id: DocumentId,
    pub rating: u8,
    /// The author's own words on their scorecard.
    pub comments: String,
    /// The probe's passages in the shared notes of the interview rated (written by the panel
    /// together: the notes do not say which panelist typed which paragraph).
    pub notes: Vec<ProbeNote>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DimensionSpread {
    pub dimension: RatedDimension,
    /// Highest minus lowest rating (0 when all agree or only one is in).
    pub spread: u8,
    pub ratings: Vec<RatingWithEvidence>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingScorecard {
    pub interview_id: DocumentId,
    pub interviewer: InterviewerId,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PanelRecommendation {
    pub interviewer: InterviewerId,
    pub interview_id: DocumentId,
    pub recommendation: Recommendation,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenNextSteps {
    pub interview_id: DocumentId,
    pub next_steps: NextSteps,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebriefBrief {
    pub candidate_id: DocumentId,
    /// Every panelist of every interview of the loop has submitted.
    pub complete: bool,
    pub missing: Vec<MissingScorecard>,
    /// Interviews whose scorecards stay sealed to this reader (a panelist who has not
    /// submitted their own): their ratings are left out.
    pub sealed: Vec<DocumentId>,
    /// Widest spread first; equal spreads in the scorecard's order.
    pub dimensions: Vec<DimensionSpread>,
    /// Each panelist's own recommendation, as theirs: the brief adds none of its own.
    pub recommendations: Vec<PanelRecommendation>,
    pub questions: Vec<CandidateQuestion>,
    pub generic_questions: u32,
    pub specific_questions: u32,
    pub logistics: Logistics,
    /// Logistics fields holding concurrent values (two salary figures...), with their authors.
    pub logistics_conflicts: Vec<Conflict>,
    pub next_steps: Vec<OpenNextSteps>,
    /// Commitments made in the room and not yet kept, by deadline.
    pub open_commitments: Vec<Commitment>,
}

impl Store {
    /// The brief as this store holds the loop now. Reading it again after a sync shows what
    /// arrived: it is computed, never stored.
    pub fn debrief_brief(&mut self, candidate: DocumentId) -> Result<DebriefBrief> {
        let c = self.candidate(candidate)?;
        let timeline = self.timeline(candidate)?;
        let mut missing = Vec::new();
        let mut sealed = Vec::new();
        let mut ratings: Vec<Vec<RatingWithEvidence>> = vec![Vec::new(); RatedDimension::ALL.len()];
        let mut recommendations = Vec::new();
        let mut questions = Vec::new();
        let mut next_steps = Vec::new();
        let mut open_commitments = Vec::new();
        let mut interviews: Vec<_> = timeline.interviews.iter().collect();
        interviews.sort_by_key(|i| i.scheduled_start);
        for summary in interviews {
            let id = summary.id;
            for p in summary.panel.iter().filter(|p| p.submitted_at.is_none()) {
                missing.push(MissingScorecard { interview_id: id, interviewer: p.interviewer.clone() });
            }
            let view = self.interview_view(id)?;
            questions.extend(view.interview.questions.iter().cloned());
            open_commitments.extend(view.interview.commitments.iter().filter(|(_, c)| c.done_at.is_none()).map(|(_, c)| c.clone()));
            if let Some(n) = &view.interview.next_steps {
                next_steps.push(OpenNextSteps { interview_id: id, next_steps: n.clone() });
            }
            let cards = match self.scorecards(id) {
                Ok(ScorecardView::Visible(cards)) => cards,
                Ok(ScorecardView::Sealed { .. }) => {
                    sealed.push(id);
                    continue;
                }
                // A damaged interview must not hide the rest of the loop.
                Err(Error::Corrupt { .. } | Error::Quarantined { .. }) => continue,
                Err(e) => return Err(e),
            };
            let notes = interview_probe_notes(&view.notes);
            for card in cards {
                for (n, d) in RatedDimension::ALL.into_iter().enumerate() {
                    let Some(rating) = d.rating(&card.ratings) else { continue };
                    ratings[n].push(RatingWithEvidence {
                        interviewer: card.interviewer.clone(),
                        interview_id: id,
                        rating,
                        comments: card.comments.clone(),
                        notes: notes.iter().filter(|p| Some(p.probe) == d.probe()).cloned().collect(),
                    });
                }
                recommendations.push(PanelRecommendation { interviewer: card.interviewer, interview_id: id, recommendation: card.recommendation });
            }
        }
        let mut dimensions: Vec<DimensionSpread> = RatedDimension::ALL
            .into_iter()
            .zip(ratings)
            .filter(|(_, r)| !r.is_empty())
            .map(|(dimension, mut ratings)| {
                ratings.sort_by_key(|r| r.rating);
                let spread = ratings.last().map(|r| r.rating).unwrap_or(0) - ratings.first().map(|r| r.rating).unwrap_or(0);
                DimensionSpread { dimension, spread, ratings }
            })
            .collect();
        // Stable: equal spreads keep the scorecard's order.
        dimensions.sort_by_key(|d| std::cmp::Reverse(d.spread));
        questions.sort_by_key(|q| q.asked_at);
        open_commitments.sort_by_key(|c| c.due);
        let count = |k: QuestionKind| questions.iter().filter(|q| q.kind == k).count() as u32;
        let logistics_conflicts = self
            .conflicts(candidate)?
            .into_iter()
            .filter(|f| f.field.starts_with("logistics"))
            .collect();
        Ok(DebriefBrief {
            candidate_id: candidate,
            complete: missing.is_empty() && sealed.is_empty() && !timeline.interviews.is_empty(),
            missing,
            sealed,
            dimensions,
            recommendations,
            generic_questions: count(QuestionKind::Generic),
            specific_questions: count(QuestionKind::Specific),
            questions,
            logistics: c.logistics,
            logistics_conflicts,
            next_steps,
            open_commitments,
        })
    }
}
