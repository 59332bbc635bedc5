//! Joining a panel with a seat invite: the scheduled panelist's phone is admitted on its own
//! and welcomed with the roster; a photo of a used invite, an expired invite, a second claim
//! on a taken seat and a removed device get nothing; an invite without a seat waits for the
//! lead. The welcome is trusted only from the lead the invite named.

use chrono::{Duration, TimeZone, Utc};
use panelnotes_core::trust::{JoinDecision, JoinRefusal, Receipt, SeatInvite};
use panelnotes_core::{InterviewerId, ManualClock, Store, StoreOptions};
use panelnotes_tests::fixture::{candidate_with_interview, identity};

fn seat(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    clock: ManualClock,
    phones: Vec<Store>,
}

/// Ana (lead) with Ben and Cy scheduled; Eve is no panelist. Phones 0..4: Ana, Ben, Cy, Eve.
fn world() -> (World, panelnotes_core::trust::roster::Hash, panelnotes_core::DocumentId) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 3, 8, 0, 0).unwrap());
    let mut phones: Vec<Store> = ["ana@acme", "ben@acme", "cy@acme", "eve@acme"]
        .iter()
        .enumerate()
        .map(|(n, who)| {
            let options = StoreOptions { clock: std::sync::Arc::new(clock.clone()), seed: Some(n as u64 + 10), ..Default::default() };
            Store::open_with(dir.path().join(format!("{who}.sqlite3")), identity(who), options).unwrap()
        })
        .collect();
    let applied = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let (_, i) = candidate_with_interview(&mut phones[0], &["ana@acme", "ben@acme", "cy@acme"], applied);
    let roster = phones[0].start_roster(i, None).unwrap();
    (World { _dir: dir, clock, phones }, roster, i)
}

fn scan(w: &mut World, phone: usize, invite: &SeatInvite, label: &str) -> JoinDecision {
    let uri = invite.to_uri();
    let parsed = SeatInvite::parse(&uri).unwrap();
    let request = w.phones[phone].join_request(&parsed, label).unwrap();
    w.phones[0].receive_join_request(&request).unwrap()
}

#[test]
fn the_scheduled_panelist_is_admitted_and_photos_expiry_and_second_claims_get_nothing() {
    let (mut w, roster, i) = world();
    let invite = w.phones[0].invite_seat(&roster, Some(seat("ben@acme")), None).unwrap();
    // By default it expires at the end of the interview's day (the interview is on 4 March).
    assert_eq!(invite.expires, Utc.with_ymd_and_hms(2026, 3, 4, 23, 59, 59).unwrap().timestamp());
    assert!(!invite.to_uri().contains(&i.to_string()), "no document id in the code");

    let JoinDecision::Admitted { seat: s, welcome, label, .. } = scan(&mut w, 1, &invite, "Pixel 8") else { panic!("not admitted") };
    assert_eq!((s, label.as_str()), (seat("ben@acme"), "Pixel 8"));
    assert_eq!(w.phones[1].accept_welcome(&welcome).unwrap(), roster);
    let ben_device = w.phones[1].device().signing;
    assert!(w.phones[1].roster(&roster).unwrap().state().current(&ben_device).is_some());

    // Ben's phone holds the secret now: Ana's envelopes open there.
    for e in w.phones[0].seal_outgoing(&roster).unwrap() {
        assert!(matches!(w.phones[1].receive_envelope(&roster, &e).unwrap(), Receipt::Applied { .. }));
    }
    assert_eq!(w.phones[1].interview(i).unwrap().lead, seat("ana@acme"));

    // A photo of the same code, scanned by Eve: the token is spent.
    assert_eq!(scan(&mut w, 3, &invite, "Eve's"), JoinDecision::Refused(JoinRefusal::AlreadyUsed));
    // A second claim on Ben's seat with a fresh invite.
    let again = w.phones[0].invite_seat(&roster, Some(seat("ben@acme")), None).unwrap();
    assert_eq!(scan(&mut w, 3, &again, "Eve's"), JoinDecision::Refused(JoinRefusal::SeatTaken));
    // Cy's invite, scanned after it expired.
    let cy_invite = w.phones[0].invite_seat(&roster, Some(seat("cy@acme")), None).unwrap();
    w.clock.advance(std::time::Duration::from_secs(3 * 24 * 3600));
    assert_eq!(scan(&mut w, 2, &cy_invite, "Cy's"), JoinDecision::Refused(JoinRefusal::Expired));
    assert!(w.phones[0].roster(&roster).unwrap().state().device_in(&seat("cy@acme")).is_none());
    // Garbage and a request sealed with the wrong token are refused without a trace.
    assert_eq!(w.phones[0].receive_join_request(&[0; 40]).unwrap(), JoinDecision::Refused(JoinRefusal::UnknownInvite));
    let mut forged = w.phones[2].join_request(&SeatInvite { token: [1; 16], ..cy_invite.clone() }, "x").unwrap();
    forged[..16].copy_from_slice(cy_invite.join_box().as_bytes());
    assert_eq!(w.phones[0].receive_join_request(&forged).unwrap(), JoinDecision::Refused(JoinRefusal::Malformed));
}

#[test]
fn a_removed_device_cannot_rejoin_and_an_open_invite_waits_for_the_lead() {
    let (mut w, roster, _) = world();
    let later = Some(Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap());
    let invite = w.phones[0].invite_seat(&roster, Some(seat("ben@acme")), later).unwrap();
    let JoinDecision::Admitted { welcome, .. } = scan(&mut w, 1, &invite, "Pixel") else { panic!() };
    w.phones[1].accept_welcome(&welcome).unwrap();
    let ben = w.phones[1].device().signing;
    w.phones[0].remove_device(&roster, ben).unwrap();
    let again = w.phones[0].invite_seat(&roster, Some(seat("ben@acme")), later).unwrap();
    assert_eq!(scan(&mut w, 1, &again, "Pixel"), JoinDecision::Refused(JoinRefusal::KnownDevice));

    // An invite without a seat: the request waits, named by device and label, until the lead
    // admits it to a seat.
    let open = w.phones[0].invite_seat(&roster, None, later).unwrap();
    let JoinDecision::Pending { request, label, .. } = scan(&mut w, 2, &open, "Cy's Pixel") else { panic!("not pending") };
    assert_eq!(label, "Cy's Pixel");
    let waiting = w.phones[0].join_requests().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].id, waiting[0].device.clone()), (request, w.phones[2].device().fingerprint()));
    assert!(w.phones[2].accept_welcome(&[0; 64]).is_err());
    let welcome = w.phones[0].admit_join_request(request, seat("cy@acme")).unwrap();
    assert!(w.phones[0].join_requests().unwrap().is_empty());
    assert_eq!(w.phones[2].accept_welcome(&welcome).unwrap(), roster);

    // Eve's open request is refused: she is never admitted.
    let other = w.phones[0].invite_seat(&roster, None, later).unwrap();
    let JoinDecision::Pending { request, .. } = scan(&mut w, 3, &other, "Eve") else { panic!() };
    w.phones[0].refuse_join_request(request).unwrap();
    assert!(w.phones[0].admit_join_request(request, seat("ben@acme")).is_err());
    let _ = Duration::zero();
}

#[test]
fn a_welcome_from_another_lead_is_refused() {
    let (mut w, roster, _) = world();
    let invite = w.phones[0].invite_seat(&roster, Some(seat("ben@acme")), None).unwrap();
    let JoinDecision::Admitted { welcome, .. } = scan(&mut w, 1, &invite, "Pixel") else { panic!() };
    // The QR code named a different lead: the same welcome is not trusted.
    let mut tampered_invite = invite.clone();
    tampered_invite.lead = "0000000000000000".into();
    let mut ben2 = {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("ben2.sqlite3"), identity("ben@acme")).unwrap();
        (dir, s)
    };
    ben2.1.join_request(&tampered_invite, "Pixel").unwrap();
    assert!(matches!(ben2.1.accept_welcome(&welcome), Err(panelnotes_core::Error::NotPermitted(m)) if m.contains("lead")));
}
