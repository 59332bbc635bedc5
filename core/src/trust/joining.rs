//! Joining a panel with a seat invite. The joiner's phone sends a join request (its device
//! keys and label, signed by the device, sealed under the token's key); the lead's phone
//! admits it on its own when the token is valid, unused and unexpired and its seat is free,
//! and otherwise refuses it or, for an invite without a seat, keeps it for the lead to
//! admit or refuse. The welcome (the roster, whose admit entry carries the epoch secret
//! wrapped to the new device) goes back sealed under the same key; the joiner trusts it only
//! if the roster's lead is the device the invite named.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::codec::{Reader, Writer};
use super::invite::SeatInvite;
use super::membership::{decode_entries, encode_entries};
use super::roster::{Hash, Roster};
use super::seal::NONCE_LEN;
use crate::error::{Error, Result};
use crate::ids::{DocumentId, InterviewerId};
use crate::keys::DevicePublic;
use crate::store::Store;

const MAX_REQUEST: usize = 1024;
const MAX_WELCOME: usize = 1 << 20;

/// What the lead's phone did with a join request. Names devices by fingerprint and label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinDecision {
    /// Admitted to the seat; send the welcome back.
    Admitted { seat: InterviewerId, device: String, label: String, welcome: Vec<u8> },
    /// Waiting for the lead (an invite without a seat).
    Pending { request: i64, device: String, label: String },
    Refused(JoinRefusal),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinRefusal {
    #[error("no open invite matches this request")]
    UnknownInvite,
    #[error("the request is damaged or was not made with the invite")]
    Malformed,
    #[error("the invite has expired")]
    Expired,
    #[error("the invite was already used by another device")]
    AlreadyUsed,
    #[error("the seat already has a device")]
    SeatTaken,
    #[error("this device was on the panel before and was removed, or is on it already")]
    KnownDevice,
    #[error("the lead refused this device's request")]
    Declined,
}

/// A join request waiting for the lead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinRequest {
    pub id: i64,
    pub roster: Hash,
    pub device: String,
    pub label: String,
    pub received_at: DateTime<Utc>,
}

fn sealed(invite: &SeatInvite, label: &str, nonce: [u8; NONCE_LEN], plain: &[u8]) -> Vec<u8> {
    let mut out = invite.join_box().as_bytes().to_vec();
    out.extend_from_slice(&nonce);
    let aad = out.clone();
    out.extend(invite.key().derive(label, b"").seal(&nonce, &aad, plain));
    out
}

fn unseal(invite: &SeatInvite, label: &str, bytes: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    if bytes.len() < 16 + NONCE_LEN {
        return None;
    }
    let (aad, ct) = bytes.split_at(16 + NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = aad[16..].try_into().ok()?;
    invite.key().derive(label, b"").open(&nonce, aad, ct)
}

fn request_signed_bytes(join_box: &DocumentId, device: &DevicePublic, label: &str) -> Vec<u8> {
    let mut w = Writer::new();
    w.fixed(b"panelnotes join request v2\0").fixed(join_box.as_bytes()).fixed(&device.signing).fixed(&device.agreement).str(label);
    w.finish()
}

impl Store {
    /// An invite to one seat of a panel this device leads, valid until `expires` (by
    /// default the end of the interview's day, UTC, or 12 hours from now once that day is
    /// over: a panelist who joins late still has a scorecard to write).
    pub fn invite_seat(&mut self, roster: &Hash, seat: Option<InterviewerId>, expires: Option<DateTime<Utc>>) -> Result<SeatInvite> {
        let r = self.roster(roster)?;
        if !r.state().is_admin(&self.device().signing) {
            return Err(Error::NotPermitted("only an admin's device invites to a panel".into()));
        }
        if let Some(s) = &seat {
            if !r.state().seats.contains_key(s) {
                return Err(Error::invalid("that seat is not scheduled on the panel"));
            }
        }
        let expires = match expires {
            Some(t) => t,
            None => {
                let interview = self.roster_interview(roster)?;
                let start = self.interview(interview)?.scheduled_start;
                let end_of_day = start.date_naive().and_hms_opt(23, 59, 59).expect("a valid time").and_utc();
                end_of_day.max(self.now() + chrono::Duration::hours(12))
            }
        };
        let invite = SeatInvite { token: self.random_bytes(), lead: self.device().fingerprint(), expires: expires.timestamp() };
        self.conn().execute(
            "INSERT INTO seat_tokens(join_box, genesis, seat, token, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&invite.join_box().as_bytes()[..], &roster[..], seat.as_ref().map(|s| s.as_str()), &invite.token[..], invite.expires],
        )?;
        self.keyring_changed();
        Ok(invite)
    }

    fn roster_interview(&self, roster: &Hash) -> Result<DocumentId> {
        let r = self.roster(roster)?;
        r.state()
            .documents
            .iter()
            .find(|(_, k)| **k == crate::model::DocKind::Interview)
            .map(|(d, _)| *d)
            .ok_or_else(|| Error::invalid("the panel has no interview"))
    }

    /// The join request this device sends after scanning `invite`; it remembers the invite
    /// to open the welcome with.
    pub fn join_request(&mut self, invite: &SeatInvite, label: &str) -> Result<Vec<u8>> {
        let label: String = label.chars().take(16).collect();
        let me = self.device();
        let join_box = invite.join_box();
        let signature = self.device_keys().sign(&request_signed_bytes(&join_box, &me, &label));
        let mut w = Writer::new();
        w.fixed(&me.signing).fixed(&me.agreement).str(&label).fixed(&signature);
        self.conn().execute(
            "INSERT INTO joins(join_box, token, lead, expires) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(join_box) DO NOTHING",
            params![&join_box.as_bytes()[..], &invite.token[..], invite.lead, invite.expires],
        )?;
        Ok(sealed(invite, "request", self.random_bytes(), &w.finish()))
    }

    /// The lead's phone takes in a join request.
    pub fn receive_join_request(&mut self, bytes: &[u8]) -> Result<JoinDecision> {
        let refuse = |r| Ok(JoinDecision::Refused(r));
        if bytes.len() > MAX_REQUEST || bytes.len() < 16 {
            return refuse(JoinRefusal::Malformed);
        }
        let join_box = &bytes[..16];
        let row: Option<(Vec<u8>, Option<String>, Vec<u8>, i64, Option<Vec<u8>>)> = self
            .conn()
            .query_row("SELECT genesis, seat, token, expires, used_by FROM seat_tokens WHERE join_box = ?1", [join_box], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        let Some((genesis, seat, token, expires, used_by)) = row else { return refuse(JoinRefusal::UnknownInvite) };
        let (Ok(genesis), Ok(token)) = (<Hash>::try_from(genesis.as_slice()), <[u8; 16]>::try_from(token.as_slice())) else {
            return refuse(JoinRefusal::UnknownInvite);
        };
        let invite = SeatInvite { token, lead: String::new(), expires };
        let Some(plain) = unseal(&invite, "request", bytes) else { return refuse(JoinRefusal::Malformed) };
        let parsed = (|| {
            let mut r = Reader::new(&plain);
            let device = DevicePublic { signing: r.fixed("device key").ok()?, agreement: r.fixed("device key").ok()? };
            let label = r.str("label", 64).ok()?.to_owned();
            let signature: [u8; 64] = r.fixed("signature").ok()?;
            r.end().ok()?;
            Some((device, label, signature))
        })();
        let Some((device, label, signature)) = parsed else { return refuse(JoinRefusal::Malformed) };
        if !device.verify(&request_signed_bytes(&invite.join_box(), &device, &label), &signature) {
            return refuse(JoinRefusal::Malformed);
        }
        if self.now().timestamp() > expires {
            return refuse(JoinRefusal::Expired);
        }
        let roster = self.roster(&genesis)?;
        // The device this invite admitted asks again (its welcome was lost, or the lead
        // admitted it while it waited): it gets the welcome again, and nobody else does.
        if used_by.as_deref() == Some(&device.signing[..]) {
            if let Some(member) = roster.state().current(&device.signing) {
                let (seat, label) = (member.seat.clone(), member.label.clone());
                let welcome = self.welcome(&invite, &genesis)?;
                return Ok(JoinDecision::Admitted { seat, device: device.fingerprint(), label, welcome });
            }
        }
        if roster.state().members.contains_key(&device.signing) {
            return refuse(JoinRefusal::KnownDevice);
        }
        if used_by.is_some() {
            return refuse(JoinRefusal::AlreadyUsed);
        }
        let Some(seat) = seat.and_then(|s| InterviewerId::new(s).ok()) else {
            // A device that asks again (a relay's join box is read on every sync) keeps its
            // one place in the lead's queue, and a request the lead refused stays refused.
            let earlier: Option<(i64, Option<String>)> = self
                .conn()
                .query_row(
                    "SELECT id, decided FROM join_requests WHERE join_box = ?1 AND device = ?2 ORDER BY id DESC LIMIT 1",
                    params![join_box, &device.signing[..]],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match earlier {
                Some((request, None)) => return Ok(JoinDecision::Pending { request, device: device.fingerprint(), label }),
                Some((_, Some(_))) => return refuse(JoinRefusal::Declined),
                None => {}
            }
            self.conn().execute(
                "INSERT INTO join_requests(join_box, genesis, device, agreement, label, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![join_box, &genesis[..], &device.signing[..], &device.agreement[..], label, self.now_ms()],
            )?;
            return Ok(JoinDecision::Pending { request: self.conn().last_insert_rowid(), device: device.fingerprint(), label });
        };
        if roster.state().device_in(&seat).is_some() {
            return refuse(JoinRefusal::SeatTaken);
        }
        self.admit_device(&genesis, seat.clone(), device, &label)?;
        self.conn().execute("UPDATE seat_tokens SET used_by = ?2 WHERE join_box = ?1", params![join_box, &device.signing[..]])?;
        let welcome = self.welcome(&invite, &genesis)?;
        Ok(JoinDecision::Admitted { seat, device: device.fingerprint(), label, welcome })
    }

    pub(crate) fn welcome(&mut self, invite: &SeatInvite, genesis: &Hash) -> Result<Vec<u8>> {
        let mut w = Writer::new();
        w.fixed(genesis).bytes(&encode_entries(self.roster(genesis)?.entries()));
        Ok(sealed(invite, "welcome", self.random_bytes(), &w.finish()))
    }

    /// Join requests waiting for the lead, oldest first.
    pub fn join_requests(&self) -> Result<Vec<JoinRequest>> {
        let mut q = self.conn().prepare("SELECT id, genesis, device, label, received_at FROM join_requests WHERE decided IS NULL ORDER BY id")?;
        let rows = q.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?, r.get::<_, String>(3)?, r.get::<_, i64>(4)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, genesis, device, label, at) = row?;
            let (Ok(roster), Ok(signing)) = (<Hash>::try_from(genesis.as_slice()), <[u8; 32]>::try_from(device.as_slice())) else { continue };
            out.push(JoinRequest {
                id,
                roster,
                device: DevicePublic { signing, agreement: [0; 32] }.fingerprint(),
                label,
                received_at: DateTime::from_timestamp_millis(at).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// The lead admits a waiting request to a free seat; returns the welcome to send back.
    pub fn admit_join_request(&mut self, request: i64, seat: InterviewerId) -> Result<Vec<u8>> {
        let (join_box, genesis, device, label) = self.pending_request(request)?;
        let (token, used): (Vec<u8>, Option<Vec<u8>>) =
            self.conn().query_row("SELECT token, used_by FROM seat_tokens WHERE join_box = ?1", [&join_box], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if used.is_some() {
            return Err(Error::NotPermitted(JoinRefusal::AlreadyUsed.to_string()));
        }
        let token: [u8; 16] = token.try_into().map_err(|_| Error::invalid("a stored token is damaged"))?;
        self.admit_device(&genesis, seat, device, &label)?;
        self.conn().execute("UPDATE seat_tokens SET used_by = ?2 WHERE join_box = ?1", params![&join_box, &device.signing[..]])?;
        self.conn().execute("UPDATE join_requests SET decided = 'admitted' WHERE id = ?1", [request])?;
        self.welcome(&SeatInvite { token, lead: String::new(), expires: 0 }, &genesis)
    }

    pub fn refuse_join_request(&mut self, request: i64) -> Result<()> {
        self.pending_request(request)?;
        self.conn().execute("UPDATE join_requests SET decided = 'refused' WHERE id = ?1", [request])?;
        Ok(())
    }

    fn pending_request(&self, request: i64) -> Result<(Vec<u8>, Hash, DevicePublic, String)> {
        let row: Option<(Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, String)> = self
            .conn()
            .query_row("SELECT join_box, genesis, device, agreement, label FROM join_requests WHERE id = ?1 AND decided IS NULL", [request], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        let not_found = || Error::NotFound { kind: "join request", id: request.to_string() };
        let (join_box, genesis, signing, agreement, label) = row.ok_or_else(not_found)?;
        let genesis: Hash = genesis.try_into().map_err(|_| not_found())?;
        let device = DevicePublic { signing: signing.try_into().map_err(|_| not_found())?, agreement: agreement.try_into().map_err(|_| not_found())? };
        Ok((join_box, genesis, device, label))
    }

    /// The joiner's phone takes in the welcome: the roster, checked against the lead the
    /// invite named and holding this device. Returns the roster's id.
    pub fn accept_welcome(&mut self, bytes: &[u8]) -> Result<Hash> {
        let bad = || Error::invalid("the welcome is damaged or is not for an invite this phone used");
        if bytes.len() > MAX_WELCOME || bytes.len() < 16 {
            return Err(bad());
        }
        let row: Option<(Vec<u8>, String, i64)> = self
            .conn()
            .query_row("SELECT token, lead, expires FROM joins WHERE join_box = ?1", [&bytes[..16]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (token, lead, expires) = row.ok_or_else(bad)?;
        let invite = SeatInvite { token: token.try_into().map_err(|_| bad())?, lead, expires };
        let plain = unseal(&invite, "welcome", bytes).ok_or_else(bad)?;
        let mut r = Reader::new(&plain);
        let genesis: Hash = r.fixed("genesis").map_err(|_| bad())?;
        let entries = decode_entries(r.bytes("roster", MAX_WELCOME).map_err(|_| bad())?).map_err(|_| bad())?;
        r.end().map_err(|_| bad())?;
        let (roster, _) = Roster::from_entries(&genesis, entries.clone()).map_err(|_| bad())?;
        let lead_device = DevicePublic { signing: roster.state().lead_device, agreement: [0; 32] };
        if lead_device.fingerprint() != invite.lead {
            return Err(Error::NotPermitted("the welcome is not from the lead the invite named".into()));
        }
        if roster.state().current(&self.device().signing).is_none() {
            return Err(Error::NotPermitted("the panel did not admit this device".into()));
        }
        self.import_roster(&genesis, &encode_entries(&entries))?;
        self.conn().execute("UPDATE joins SET genesis = ?2 WHERE join_box = ?1", params![&bytes[..16], &genesis[..]])?;
        Ok(genesis)
    }
}
