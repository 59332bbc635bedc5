//! Candidate operations: create, record timeline events, logistics, decision, templates.

use chrono::{DateTime, Utc};

use super::{DocKind, Store};
use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::timeline::{not_in_future, TimelineKind};
use crate::model::{
    candidate, template, Candidate, CandidateEvent, CandidateEventKind, Decision, LogisticsUpdate,
    NewCandidate, Outcome, Template,
};

impl Store {
    pub fn create_candidate(&mut self, c: NewCandidate) -> Result<DocumentId> {
        c.validate()?;
        not_in_future("the application", c.applied_at, self.now())?;
        let me = self.me().clone();
        self.create_doc(DocKind::Candidate, |doc| candidate::create(doc, &c, &me))
    }

    pub fn candidate(&mut self, id: DocumentId) -> Result<Candidate> {
        let od = self.open_doc(id, DocKind::Candidate)?;
        candidate::read(&od.doc, id)
    }

    /// Records a candidate-level event (acknowledged, debrief booked or held, offer...).
    /// `note` stays in the document, out of the index tables.
    pub fn record_event(
        &mut self,
        id: DocumentId,
        kind: CandidateEventKind,
        at: DateTime<Utc>,
        note: Option<String>,
    ) -> Result<()> {
        if kind == CandidateEventKind::Applied {
            return Err(Error::invalid(
                "the application is recorded when the candidate is created",
            ));
        }
        if kind == CandidateEventKind::Note && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(Error::invalid("a note event needs its text"));
        }
        if matches!(kind, CandidateEventKind::DebriefBooked | CandidateEventKind::DebriefHeld) {
            self.require_lead(id, "books and holds the debrief")?;
        } else {
            self.candidate(id)?;
        }
        self.check_event(id, TimelineKind::Candidate(kind), at, None)?;
        let e = CandidateEvent {
            kind,
            at,
            by: Some(self.me().clone()),
            note,
        };
        self.edit(id, DocKind::Candidate, |doc| candidate::add_event(doc, &e), |_| Ok(()))
    }

    /// What the candidate said, as of now.
    pub fn set_logistics(&mut self, id: DocumentId, update: LogisticsUpdate) -> Result<()> {
        let now = self.now();
        self.set_logistics_at(id, update, now)
    }

    /// What the candidate said at `at` (during the interview, say): conflicting values are
    /// shown with that time, and a possible start date may not be before that day.
    pub fn set_logistics_at(&mut self, id: DocumentId, update: LogisticsUpdate, at: DateTime<Utc>) -> Result<()> {
        update.validate()?;
        if update.is_empty() {
            return Err(Error::invalid("nothing to update"));
        }
        not_in_future("the logistics", at, self.now())?;
        if at < self.candidate(id)?.applied_at {
            return Err(Error::OutOfOrder { event: "the logistics", problem: "before the application".into() });
        }
        if update.start_date.is_some_and(|d| d < at.date_naive()) {
            return Err(Error::OutOfOrder {
                event: "a possible start date",
                problem: "before the day it was noted (it is in the past)".into(),
            });
        }
        self.edit(
            id,
            DocKind::Candidate,
            |doc| candidate::set_logistics(doc, &update, at),
            |_| Ok(()),
        )
    }

    /// Hands the process to another lead; only the current lead may.
    pub fn set_candidate_lead(&mut self, id: DocumentId, lead: InterviewerId) -> Result<()> {
        self.require_lead(id, "hands the process on")?;
        self.edit(id, DocKind::Candidate, |doc| candidate::set_lead(doc, &lead), |_| Ok(()))
    }

    pub fn decide(
        &mut self,
        id: DocumentId,
        outcome: Outcome,
        at: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<()> {
        self.require_lead(id, "records the decision")?;
        self.check_event(id, TimelineKind::Decided(outcome), at, None)?;
        let d = Decision {
            outcome,
            at,
            by: Some(self.me().clone()),
            reason,
        };
        self.edit(id, DocKind::Candidate, |doc| candidate::set_decision(doc, &d), |_| Ok(()))
    }

    /// The built-in playbook first, then the team's templates by name.
    pub fn templates(&mut self) -> Result<Vec<Template>> {
        let ids: Vec<Vec<u8>> = {
            let mut q = self.conn().prepare("SELECT id FROM idx_templates ORDER BY name")?;
            let rows = q.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = vec![Template::playbook()];
        for id in ids {
            let Ok(bytes) = <[u8; 16]>::try_from(id.as_slice()) else { continue };
            match self.template(DocumentId::from_bytes(bytes)) {
                Ok(t) => out.push(t),
                // A damaged team template must not hide the others.
                Err(Error::Corrupt { .. } | Error::Quarantined { .. } | Error::InvalidField { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    pub fn template(&mut self, id: DocumentId) -> Result<Template> {
        let od = self.open_doc(id, DocKind::Template)?;
        template::read_template(&od.doc, id)
    }

    /// Finds a template by id, by name, by the prefix of an id a list shows, or "built-in"
    /// for the playbook (which has no id).
    pub fn find_template(&mut self, name_or_id: &str) -> Result<Template> {
        if let Ok(id) = name_or_id.parse::<DocumentId>() {
            return self.template(id);
        }
        let wanted = name_or_id.trim();
        if wanted.eq_ignore_ascii_case("built-in") {
            return Ok(Template::playbook());
        }
        let templates = self.templates()?;
        if let Some(t) = templates.iter().find(|t| t.name.eq_ignore_ascii_case(wanted)) {
            return Ok(t.clone());
        }
        let by_prefix: Vec<_> = templates
            .into_iter()
            .filter(|t| t.id.is_some_and(|id| wanted.len() >= super::queries::MIN_ID_PREFIX && id.to_string().starts_with(wanted)))
            .collect();
        match <[Template; 1]>::try_from(by_prefix) {
            Ok([t]) => Ok(t),
            Err(v) if v.len() > 1 => Err(Error::invalid(format!("{wanted:?} matches several templates"))),
            Err(_) => Err(Error::NotFound {
                kind: "template",
                id: name_or_id.to_owned(),
            }),
        }
    }

    pub fn create_template(&mut self, t: Template) -> Result<DocumentId> {
        t.validate()?;
        if self.templates()?.iter().any(|o| o.name.eq_ignore_ascii_case(t.name.trim())) {
            return Err(Error::invalid(format!("a template named {:?} exists", t.name)));
        }
        self.create_doc(DocKind::Template, |doc| template::write_template(doc, &t))
    }

    /// Replaces a team template's name and stages. Interviews already scheduled keep the
    /// stages they copied.
    pub fn update_template(&mut self, id: DocumentId, t: Template) -> Result<()> {
        t.validate()?;
        self.edit(id, DocKind::Template, |doc| template::write_template(doc, &t), |_| Ok(()))
    }
}
