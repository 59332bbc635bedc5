//! Interview templates: stages with time budgets and prompts. The playbook's 45-minute
//! interview is built in; teams define their own as shared documents. An interview copies its
//! template's stages when it is scheduled, so editing a template never rewrites history.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType};
use serde::{Deserialize, Serialize};

use super::schema::{Reader, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::ids::DocumentId;

/// What a prompt probes; the first three match the scorecard's ratings.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    TechnicalDepth,
    ReactionToChallenge,
    BusinessImpact,
}

impl Probe {
    pub fn as_str(self) -> &'static str {
        match self {
            Probe::TechnicalDepth => "technical_depth",
            Probe::ReactionToChallenge => "reaction_to_challenge",
            Probe::BusinessImpact => "business_impact",
        }
    }

    pub fn parse(s: &str) -> Option<Probe> {
        match s {
            "technical_depth" => Some(Probe::TechnicalDepth),
            "reaction_to_challenge" => Some(Probe::ReactionToChallenge),
            "business_impact" => Some(Probe::BusinessImpact),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Probe::TechnicalDepth => "Technical depth",
            Probe::ReactionToChallenge => "Reaction to a challenge",
            Probe::BusinessImpact => "Business impact",
        }
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<Probe>,
    pub text: String,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// Stable key within the template, used to address the stage's notes.
    pub key: String,
    pub title: String,
    pub minutes: u32,
    #[serde(default)]
    pub guidance: String,
    #[serde(default)]
    pub prompts: Vec<Prompt>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// `None` for the built-in playbook, which is not a stored document.
    #[serde(skip)]
    pub id: Option<DocumentId>,
    pub name: String,
    pub stages: Vec<Stage>,
}

pub const PLAYBOOK_NAME: &str = "Playbook (45 min)";

impl Template {
    pub fn total_minutes(&self) -> u32 {
        self.stages.iter().map(|s| s.minutes).sum()
    }

    pub fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }

    /// The hiring playbook's 45-minute interview.
    pub fn playbook() -> Template {
        let p = |probe: Option<Probe>, text: &str| Prompt {
            probe,
            text: text.to_owned(),
        };
        Template {
            id: None,
            name: PLAYBOOK_NAME.to_owned(),
            stages: vec![
                Stage {
                    key: "pitch".into(),
                    title: "Company and role pitch".into(),
                    minutes: 5,
                    guidance: "Who we are, what we look for, our strengths and our constraints, said \
                               out loud so the candidate can opt in."
                        .into(),
                    prompts: vec![
                        p(None, "Who we are and what we are building"),
                        p(None, "What we look for in this role"),
                        p(None, "Our strengths and our constraints"),
                    ],
                },
                Stage {
                    key: "learn".into(),
                    title: "Learn about the candidate".into(),
                    minutes: 20,
                    guidance: "Dig into their experience and probe it: technical depth, how they \
                               react to a challenge, whether they understand the business impact \
                               of their work."
                        .into(),
                    prompts: vec![
                        p(Some(Probe::TechnicalDepth), "Have you used X or anything like it?"),
                        p(
                            Some(Probe::ReactionToChallenge),
                            "Why use distributed computing at all, rather than sample and train locally?",
                        ),
                        p(Some(Probe::BusinessImpact), "Why were you doing this, for the business?"),
                    ],
                },
                Stage {
                    key: "questions".into(),
                    title: "The candidate's questions".into(),
                    minutes: 10,
                    guidance: "Generic questions (\"how is the culture?\") versus specific, informed \
                               ones is itself a signal: tag each one."
                        .into(),
                    prompts: vec![],
                },
                Stage {
                    key: "logistics".into(),
                    title: "Logistics".into(),
                    minutes: 5,
                    guidance: "Risk tolerance (early-stage startup, possible separation), salary \
                               expectations (current pay, a range, or passes), possible start \
                               date and notice period."
                        .into(),
                    prompts: vec![
                        p(None, "How do you feel about the risk of an early-stage startup?"),
                        p(None, "What are your salary expectations?"),
                        p(None, "When could you start? What is your notice period?"),
                    ],
                },
                Stage {
                    key: "next_steps".into(),
                    title: "Next steps".into(),
                    minutes: 5,
                    guidance: "Whom they will meet next; notes are shared with the team and the \
                               process lead follows up."
                        .into(),
                    prompts: vec![p(None, "Whom the candidate meets next")],
                },
            ],
        }
    }

    /// Checks what a team-defined template must satisfy before it is stored or used.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::invalid("a template needs a name"));
        }
        if self.stages.is_empty() {
            return Err(Error::invalid("a template needs at least one stage"));
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.stages {
            if s.key.is_empty()
                || !s.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(Error::invalid(format!(
                    "stage key {:?} must be non-empty ASCII letters, digits, '_' or '-'",
                    s.key
                )));
            }
            if !seen.insert(s.key.as_str()) {
                return Err(Error::invalid(format!("stage key {:?} is used twice", s.key)));
            }
            if s.minutes == 0 || s.minutes > 24 * 60 {
                return Err(Error::invalid(format!(
                    "stage {:?} needs a budget between 1 and 1440 minutes",
                    s.key
                )));
            }
        }
        Ok(())
    }
}

pub(crate) fn write_stages(doc: &mut AutoCommit, parent: &ObjId, key: &str, stages: &[Stage]) -> Result<()> {
    let list = doc.put_object(parent, key, ObjType::List)?;
    for (i, s) in stages.iter().enumerate() {
        let m = doc.insert_object(&list, i, ObjType::Map)?;
        doc.put(&m, "key", s.key.as_str())?;
        doc.put(&m, "title", s.title.as_str())?;
        doc.put(&m, "minutes", s.minutes as i64)?;
        doc.put(&m, "guidance", s.guidance.as_str())?;
        let prompts = doc.put_object(&m, "prompts", ObjType::List)?;
        for (j, p) in s.prompts.iter().enumerate() {
            let pm = doc.insert_object(&prompts, j, ObjType::Map)?;
            doc.put(&pm, "text", p.text.as_str())?;
            if let Some(probe) = p.probe {
                doc.put(&pm, "probe", probe.as_str())?;
            }
        }
    }
    Ok(())
}

/// The stages of a template or interview. A stage without a usable key is skipped; a bad
/// title, budget, guidance or prompt is skipped alone; each is recorded as a problem.
pub(crate) fn read_stages(r: &Reader<'_>, parent: &ObjId, key: &str) -> Result<Vec<Stage>> {
    let Some(list) = r.or(r.list(parent, key, key), None)? else {
        return Ok(Vec::new());
    };
    let mut seen = std::collections::HashSet::new();
    let stages = r.each(r.list_maps(&list, key)?, |_, (i, m)| {
        let path = format!("{key}[{i}]");
        let mut prompts = Vec::new();
        if let Some(pl) = r.or(r.list(&m, "prompts", &format!("{path}.prompts")), None)? {
            prompts = r.each(r.list_maps(&pl, &format!("{path}.prompts"))?, |_, (j, pm)| {
                let ppath = format!("{path}.prompts[{j}]");
                Ok(Prompt {
                    text: r.str(&pm, "text", &format!("{ppath}.text"))?.unwrap_or_default(),
                    // A probe we don't know (from a newer peer) is shown as a plain prompt.
                    probe: r.or(r.str(&pm, "probe", &format!("{ppath}.probe")), None)?.as_deref().and_then(Probe::parse),
                })
            })?;
        }
        let mpath = format!("{path}.minutes");
        let minutes = r.or(
            r.int(&m, "minutes", &mpath).and_then(|v| {
                u32::try_from(v.unwrap_or(0)).map_err(|_| Error::InvalidField { id: r.id, path: mpath.clone(), expected: "a number of minutes" })
            }),
            0,
        )?;
        Ok(Stage {
            key: r.required_str(&m, "key", &format!("{path}.key"))?,
            title: r.or(r.str(&m, "title", &format!("{path}.title")), None)?.unwrap_or_default(),
            minutes,
            guidance: r.or(r.str(&m, "guidance", &format!("{path}.guidance")), None)?.unwrap_or_default(),
            prompts,
        })
    })?;
    // Two stages with one key (concurrent inserts) would share notes: the first one wins.
    Ok(stages.into_iter().filter(|s| seen.insert(s.key.clone())).collect())
}

pub(crate) fn write_template(doc: &mut AutoCommit, t: &Template) -> Result<()> {
    let root = ObjId::Root;
    doc.put(&root, "schema", SCHEMA_VERSION)?;
    doc.put(&root, "type", "template")?;
    doc.put(&root, "name", t.name.as_str())?;
    write_stages(doc, &root, "stages", &t.stages)
}

pub(crate) fn read_template(doc: &AutoCommit, id: DocumentId) -> Result<Template> {
    let r = Reader::new(doc, id);
    r.check_kind("template")?;
    let root = ObjId::Root;
    Ok(Template {
        id: Some(id),
        name: r.required_str(&root, "name", "name")?,
        stages: read_stages(&r, &root, "stages")?,
    })
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playbook_is_the_45_minute_structure() {
        let t = Template::playbook();
        t.validate().unwrap();
        assert_eq!(t.total_minutes(), 45);
        let keys: Vec<_> = t.stages.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["pitch", "learn", "questions", "logistics", "next_steps"]);
        assert_eq!(t.stage("pitch").unwrap().minutes, 5);
        assert_eq!(t.stage("learn").unwrap().minutes, 20);
        assert_eq!(t.stage("logistics").unwrap().minutes, 5);
        let probes: Vec<_> = t.stage("learn").unwrap().prompts.iter().filter_map(|p| p.probe).collect();
        assert_eq!(
            probes,
            [Probe::TechnicalDepth, Probe::ReactionToChallenge, Probe::BusinessImpact]
        );
        assert!(t.stage("learn").unwrap().prompts.iter().any(|p| p.text.contains("distributed computing")));
    }

    #[test]
    fn invalid_templates_are_rejected() {
        let mut t = Template::playbook();
        t.stages[1].key = "pitch".into();
        assert!(matches!(t.validate(), Err(Error::InvalidArgument(m)) if m.contains("twice")));
        let mut t = Template::playbook();
        t.stages[0].minutes = 0;
        assert!(t.validate().is_err());
        let mut t = Template::playbook();
        t.stages.clear();
        assert!(t.validate().is_err());
        let mut t = Template::playbook();
        t.stages[0].key = "a b".into();
        assert!(t.validate().is_err());
    }

    #[test]
    fn template_round_trips_through_a_document() {
        let mut doc = AutoCommit::new();
        let t = Template::playbook();
        write_template(&mut doc, &t).unwrap();
        let id = DocumentId::random();
        let back = read_template(&doc, id).unwrap();
        assert_eq!(back.stages, t.stages);
        assert_eq!(back.id, Some(id));
    }
}
