//! Interview templates: the built-in playbook and the team's own, stored as documents.

use crate::error::{Error, Result};
use crate::ids::DocumentId;
use crate::model::{template, DocKind, Template};
use crate::store::Store;

impl Store {
    /// The built-in playbook first, then the team's templates by name.
    pub fn templates(&mut self) -> Result<Vec<Template>> {
        let ids: Vec<Vec<u8>> = {
            let mut q = self.conn().prepare("SELECT id FROM idx_templates ORDER BY pn_open('idx_templates.name', id, name)")?;
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
            .filter(|t| t.id.is_some_and(|id| wanted.len() >= crate::store::MIN_ID_PREFIX && id.to_string().starts_with(wanted)))
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
