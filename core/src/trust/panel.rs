//! Panels and their invites. The lead's phone makes a 256-bit secret for an interview's panel
//! and shows it as an invite (a URI that fits a QR code); a phone that scans it can join.
//! Knowing the secret is what proves panel membership in every phone-to-phone handshake.

use base64::Engine;
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::ids::DocumentId;
use crate::store::Store;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[derive(Clone, PartialEq, Eq)]
pub struct Panel {
    pub interview: DocumentId,
    pub candidate: DocumentId,
    pub secret: [u8; 32],
}

impl std::fmt::Debug for Panel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed.
        f.debug_struct("Panel").field("interview", &self.interview).field("candidate", &self.candidate).finish()
    }
}

impl Panel {
    /// A public tag that lets a responder pick the right secret before the handshake. It
    /// reveals nothing about the secret (a hash prefix) and is useless without it.
    pub fn tag(&self) -> [u8; 8] {
        tag_of(&self.secret)
    }

    pub fn invite(&self) -> PanelInvite {
        PanelInvite(self.clone())
    }
}

pub(crate) fn tag_of(secret: &[u8; 32]) -> [u8; 8] {
    let digest = Sha256::new().chain_update(b"panelnotes panel tag v1").chain_update(secret).finalize();
    digest[..8].try_into().expect("8 of 32 bytes")
}

/// Why an invite was refused; the text names what is wrong, never what the invite holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid invite: {0}")]
pub struct InviteError(pub String);

/// `panelnotes:join?v=1&i=<interview>&c=<candidate>&k=<secret>`: about 130 characters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PanelInvite(pub Panel);

impl PanelInvite {
    pub fn to_uri(&self) -> String {
        format!(
            "panelnotes:join?v=1&i={}&c={}&k={}",
            self.0.interview,
            self.0.candidate,
            B64.encode(self.0.secret)
        )
    }

    pub fn parse(uri: &str) -> std::result::Result<PanelInvite, InviteError> {
        let bad = |m: &str| InviteError(m.to_owned());
        let query = uri
            .trim()
            .strip_prefix("panelnotes:join?")
            .ok_or_else(|| bad("it does not start with panelnotes:join?"))?;
        let (mut v, mut i, mut c, mut k) = (None, None, None, None);
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').ok_or_else(|| bad("a parameter without a value"))?;
            match key {
                "v" => v = Some(value),
                "i" => i = Some(value),
                "c" => c = Some(value),
                "k" => k = Some(value),
                _ => {} // parameters from newer versions
            }
        }
        if v != Some("1") {
            return Err(bad("unsupported invite version"));
        }
        let id = |s: Option<&str>, what: &str| -> std::result::Result<DocumentId, InviteError> {
            s.ok_or_else(|| bad(&format!("the {what} is missing")))?
                .parse()
                .map_err(|_| bad(&format!("the {what} is not a document id")))
        };
        let secret = B64
            .decode(k.ok_or_else(|| bad("the secret is missing"))?)
            .map_err(|_| bad("the secret is not base64url"))?;
        let secret: [u8; 32] = secret.try_into().map_err(|_| bad("the secret is not 256 bits"))?;
        Ok(PanelInvite(Panel {
            interview: id(i, "interview")?,
            candidate: id(c, "candidate")?,
            secret,
        }))
    }
}

impl Store {
    /// The panel of an interview this store leads, creating its secret on first use.
    pub fn panel_invite(&mut self, interview: DocumentId) -> Result<PanelInvite> {
        let candidate = self.interview(interview)?.candidate_id;
        if let Some(p) = self.panel(interview)? {
            return Ok(p.invite());
        }
        let panel = Panel {
            interview,
            candidate,
            secret: rand::random(),
        };
        self.save_panel(&panel)?;
        Ok(panel.invite())
    }

    /// Remembers a panel from an invite; its documents arrive with the first sync.
    pub fn join_panel(&mut self, invite: &PanelInvite) -> Result<Panel> {
        self.save_panel(&invite.0)?;
        Ok(invite.0.clone())
    }

    fn save_panel(&mut self, p: &Panel) -> Result<()> {
        self.conn().execute(
            "INSERT INTO panels(interview_id, candidate_id, secret, tag, created_at)
             VALUES (?1, ?2, pn_seal(NULL, 'panels.secret', ?1, ?3), ?4, ?5)
             ON CONFLICT(interview_id) DO UPDATE SET candidate_id = excluded.candidate_id,
                 secret = excluded.secret, tag = excluded.tag",
            params![
                &p.interview.as_bytes()[..],
                &p.candidate.as_bytes()[..],
                &p.secret[..],
                &p.tag()[..],
                self.now_ms()
            ],
        )?;
        self.keyring_changed();
        Ok(())
    }

    fn panel_from_row(row: (Vec<u8>, Vec<u8>, Vec<u8>)) -> Option<Panel> {
        Some(Panel {
            interview: DocumentId::from_bytes(row.0.try_into().ok()?),
            candidate: DocumentId::from_bytes(row.1.try_into().ok()?),
            secret: row.2.try_into().ok()?,
        })
    }

    pub fn panel(&self, interview: DocumentId) -> Result<Option<Panel>> {
        let row = self
            .conn()
            .query_row(
                "SELECT interview_id, candidate_id, pn_open('panels.secret', interview_id, secret) FROM panels WHERE interview_id = ?1",
                [&interview.as_bytes()[..]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row.and_then(Self::panel_from_row))
    }

    pub fn panel_by_tag(&self, tag: &[u8; 8]) -> Result<Option<Panel>> {
        let row = self
            .conn()
            .query_row(
                "SELECT interview_id, candidate_id, pn_open('panels.secret', interview_id, secret) FROM panels WHERE tag = ?1",
                [&tag[..]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row.and_then(Self::panel_from_row))
    }

    pub fn panels(&self) -> Result<Vec<Panel>> {
        let mut q = self
            .conn()
            .prepare("SELECT interview_id, candidate_id, pn_open('panels.secret', interview_id, secret) FROM panels ORDER BY created_at")?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            out.extend(Self::panel_from_row(row?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invites_round_trip_and_reject_damage() {
        let p = Panel {
            interview: DocumentId::random(),
            candidate: DocumentId::random(),
            secret: rand::random(),
        };
        let uri = p.invite().to_uri();
        assert!(uri.len() < 160, "{} characters is too long for a small QR code", uri.len());
        assert_eq!(PanelInvite::parse(&uri).unwrap().0, p);
        assert!(!format!("{p:?}").contains(&B64.encode(p.secret)));
        for bad in [
            "",
            "https://example.org",
            &uri.replace("v=1", "v=2"),
            &uri.replace("&k=", "&k=AAAA"),
            &uri[..uri.len() - 3],
            &uri.replace("&i=", "&i=x"),
        ] {
            assert!(matches!(PanelInvite::parse(bad), Err(InviteError(_))), "{bad}");
        }
    }
}
