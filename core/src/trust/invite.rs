//! Seat invites (v2): what the lead's QR code holds. A single-use token for one seat, the
//! lead's device fingerprint (so the joiner can tell the real panel from an impostor's) and
//! an expiry; no document id and no secret. The join box id names where a join request is
//! posted; it derives from the token, so the parser checks it. A v1 invite (which carried the
//! panel secret and the document ids) is refused.

use base64::Engine;
use sha2::{Digest, Sha256};

use super::panel::InviteError;
use super::seal::Secret;
use crate::ids::DocumentId;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[derive(Clone, PartialEq, Eq)]
pub struct SeatInvite {
    pub token: [u8; 16],
    /// The lead device's fingerprint (16 hex digits).
    pub lead: String,
    /// Unix seconds after which the lead's phone refuses the token.
    pub expires: i64,
}

impl std::fmt::Debug for SeatInvite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a credential: never printed.
        f.debug_struct("SeatInvite").field("lead", &self.lead).field("expires", &self.expires).finish_non_exhaustive()
    }
}

impl SeatInvite {
    /// The secret both sides derive from the token: it seals the join request and the
    /// welcome, so the relay that carries them learns nothing.
    pub fn key(&self) -> Secret {
        Secret::from_bytes(Sha256::new().chain_update(b"panelnotes join key v2\0").chain_update(self.token).finalize().into())
    }

    /// Where join requests for this token are posted (and looked up by the lead).
    pub fn join_box(&self) -> DocumentId {
        let d = Sha256::new().chain_update(b"panelnotes join box v2\0").chain_update(self.token).finalize();
        DocumentId::from_bytes(d[..16].try_into().expect("16 of 32 bytes"))
    }

    /// `panelnotes:join?v=2&t=<token>&f=<lead fingerprint>&x=<expiry>&b=<join box>`, about
    /// 110 characters: a small QR code.
    pub fn to_uri(&self) -> String {
        format!("panelnotes:join?v=2&t={}&f={}&x={}&b={}", B64.encode(self.token), self.lead, self.expires, self.join_box())
    }

    pub fn parse(uri: &str) -> Result<SeatInvite, InviteError> {
        let bad = |m: &str| InviteError(m.to_owned());
        let query = uri.trim().strip_prefix("panelnotes:join?").ok_or_else(|| bad("it does not start with panelnotes:join?"))?;
        let (mut v, mut t, mut f, mut x, mut b) = (None, None, None, None, None);
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').ok_or_else(|| bad("a parameter without a value"))?;
            match key {
                "v" => v = Some(value),
                "t" => t = Some(value),
                "f" => f = Some(value),
                "x" => x = Some(value),
                "b" => b = Some(value),
                _ => {} // parameters from newer versions
            }
        }
        match v {
            Some("2") => {}
            Some("1") => return Err(bad("this invite is from an older version that put the panel's secret in the code; ask the lead for a new one")),
            _ => return Err(bad("unsupported invite version")),
        }
        let token = B64.decode(t.ok_or_else(|| bad("the token is missing"))?).map_err(|_| bad("the token is not base64url"))?;
        let token: [u8; 16] = token.try_into().map_err(|_| bad("the token is not 128 bits"))?;
        let lead = f.ok_or_else(|| bad("the lead's fingerprint is missing"))?;
        if lead.len() != 16 || !lead.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
            return Err(bad("the lead's fingerprint is not 16 hex digits"));
        }
        let expires = x.ok_or_else(|| bad("the expiry is missing"))?.parse::<i64>().map_err(|_| bad("the expiry is not a time"))?;
        let invite = SeatInvite { token, lead: lead.to_owned(), expires };
        if let Some(b) = b {
            if b.parse::<DocumentId>().ok() != Some(invite.join_box()) {
                return Err(bad("the join box does not belong to the token"));
            }
        }
        Ok(invite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seat_invites_round_trip_hold_no_ids_and_refuse_v1_and_damage() {
        let i = SeatInvite { token: [7; 16], lead: "0123456789abcdef".into(), expires: 1_780_000_000 };
        let uri = i.to_uri();
        assert!(uri.len() < 130, "{} characters", uri.len());
        assert_eq!(SeatInvite::parse(&uri).unwrap(), i);
        assert!(!format!("{i:?}").contains(&B64.encode(i.token)));
        let v1 = "panelnotes:join?v=1&i=2j9tByZoHNfSa6hT2qvJmNkAdzmV&c=2j9tByZoHNfSa6hT2qvJmNkAdzmV&k=AAAA";
        assert!(SeatInvite::parse(v1).unwrap_err().0.contains("older version"));
        let other_box = SeatInvite { token: [8; 16], ..i.clone() }.join_box().to_string();
        for bad in [
            "".to_owned(),
            uri.replace("v=2", "v=3"),
            uri.replace("&t=", "&t=A"),
            uri.replace("&f=0123", "&f=XY23"),
            uri.replace("&x=1780", "&x=nope"),
            uri.replace(&i.join_box().to_string(), &other_box),
            uri[..uri.find("&f=").unwrap()].to_owned(),
        ] {
            assert!(SeatInvite::parse(&bad).is_err(), "{bad}");
        }
    }
}
