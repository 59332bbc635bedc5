use super::*;
use crate::keys::DeviceKeys;
use crate::trust::seal::{wrap_to, Secret};

fn device(n: u8) -> DeviceKeys {
    DeviceKeys::from_secret(&[n; crate::keys::STORED_LEN])
}

fn seat(s: &str) -> InterviewerId {
    InterviewerId::new(s).unwrap()
}

/// Ana leads, Dee deputises, Ben and Cy are scheduled.
fn genesis(ana: &DeviceKeys) -> Entry {
    Entry::sign(
        ana,
        NO_PARENT,
        Action::Genesis {
            panel: [1; 16],
            documents: vec![(DocumentId::from_bytes([2; 16]), DocKind::Interview)],
            seats: vec![
                Seat { interviewer: seat("ana"), admin: true },
                Seat { interviewer: seat("dee"), admin: true },
                Seat { interviewer: seat("ben"), admin: false },
                Seat { interviewer: seat("cy"), admin: false },
            ],
            lead_seat: seat("ana"),
            lead_device: ana.public(),
            lead_label: "iPhone".into(),
            wrapped: wrap_to(&ana.public().agreement, &Secret([9; 32]), b"e0", [1; 32], [1; 24]),
        },
    )
}

fn admit(by: &DeviceKeys, parent: Hash, who: &str, d: &DeviceKeys) -> Entry {
    let wrapped = wrap_to(&d.public().agreement, &Secret([9; 32]), b"e0", [1; 32], [1; 24]);
    Entry::sign(by, parent, Action::Admit { seat: seat(who), device: d.public(), label: "phone".into(), wrapped, earlier: vec![] })
}

#[test]
fn only_admins_change_the_roster_and_seats_hold_one_device() {
    let (ana, ben, cy, eve) = (device(1), device(2), device(3), device(4));
    let mut r = Roster::new(genesis(&ana)).unwrap();
    let h = r.append(admit(&ana, r.head(), "ben", &ben)).unwrap();
    assert_eq!(r.state().current(&ben.public().signing).unwrap().seat, seat("ben"));
    // Ben is a member, not an admin: he cannot admit Cy, nor anyone to another seat.
    assert!(matches!(r.append(admit(&ben, h, "cy", &cy)), Err(RosterError::NotAdmin(_))));
    assert!(matches!(r.append(admit(&ana, h, "ben", &eve)), Err(RosterError::SeatTaken(_))));
    assert!(matches!(r.append(admit(&ana, h, "zed", &eve)), Err(RosterError::NoSuchSeat(_))));
    assert!(matches!(r.append(admit(&ana, [5; 32], "cy", &cy)), Err(RosterError::NotOnHead)));
    let mut forged = admit(&ana, h, "cy", &cy);
    forged.action = Action::Admit { seat: seat("cy"), device: eve.public(), label: "phone".into(), wrapped: vec![], earlier: vec![] };
    assert!(matches!(r.append(forged), Err(RosterError::BadSignature)));
    assert_eq!(r.head(), h);

    // Removal: Ben's later writes are cut off, his seat frees, and he never returns as-is.
    let cut = [(DocumentId::from_bytes([2; 16]), 7)].into_iter().collect::<Vec<_>>();
    let h2 = r.append(Entry::sign(&ana, h, Action::Remove { device: ben.public().signing, cutoffs: cut })).unwrap();
    assert!(r.state().current(&ben.public().signing).is_none());
    assert_eq!(r.state().members[&ben.public().signing].removed.as_ref().unwrap()[&DocumentId::from_bytes([2; 16])], 7);
    assert!(r.state_at(&h).unwrap().current(&ben.public().signing).is_some(), "the earlier prefix still has him");
    assert!(matches!(r.append(admit(&ana, h2, "ben", &ben)), Err(RosterError::AlreadyAdmitted(_))));
    r.append(admit(&ana, h2, "ben", &eve)).unwrap();
}

#[test]
fn an_epoch_wraps_the_secret_to_exactly_the_current_devices() {
    let (ana, ben) = (device(1), device(2));
    let mut r = Roster::new(genesis(&ana)).unwrap();
    r.append(admit(&ana, r.head(), "ben", &ben)).unwrap();
    let s = Secret([3; 32]);
    let w = |d: &DeviceKeys| (d.public().signing, wrap_to(&d.public().agreement, &s, b"e1", [2; 32], [2; 24]));
    let only_ana = Entry::sign(&ana, r.head(), Action::NewEpoch { epoch: 1, wrapped: vec![w(&ana)] });
    assert_eq!(r.append(only_ana), Err(RosterError::Epoch));
    let skip = Entry::sign(&ana, r.head(), Action::NewEpoch { epoch: 2, wrapped: vec![w(&ana), w(&ben)] });
    assert_eq!(r.append(skip), Err(RosterError::Epoch));
    r.append(Entry::sign(&ana, r.head(), Action::NewEpoch { epoch: 1, wrapped: vec![w(&ana), w(&ben)] })).unwrap();
    assert_eq!(r.state().epoch, 1);
    assert_eq!(crate::trust::seal::unwrap(&ben, &r.state().wrapped[&ben.public().signing], b"e1"), Some(s));
}

#[test]
fn every_order_of_the_same_entries_folds_to_the_same_roster() {
    let (ana, dee, ben, cy) = (device(1), device(5), device(2), device(3));
    let g = genesis(&ana);
    let mut r = Roster::new(g.clone()).unwrap();
    let a1 = admit(&ana, r.head(), "dee", &dee);
    r.append(a1.clone()).unwrap();
    // Two admins append on the same parent: Dee admits Ben, Ana admits Cy.
    let by_dee = admit(&dee, r.head(), "ben", &ben);
    let by_ana = admit(&ana, r.head(), "cy", &cy);
    let forged_genesis = genesis(&ben);
    let orders = [
        vec![g.clone(), a1.clone(), by_dee.clone(), by_ana.clone(), forged_genesis.clone()],
        vec![by_ana.clone(), forged_genesis.clone(), by_dee.clone(), a1.clone(), g.clone(), g.clone()],
        vec![by_dee.clone(), a1.clone(), g.clone(), by_ana.clone()],
    ];
    let mut heads = Vec::new();
    for o in orders {
        let (r, left) = Roster::from_entries(&g.hash(), o).unwrap();
        // The lead's entry wins the fork; Dee's must be re-appended on the new head.
        assert!(r.state().current(&cy.public().signing).is_some());
        assert!(r.state().current(&ben.public().signing).is_none());
        assert!(left.iter().any(|(e, _)| *e == by_dee));
        heads.push(r.head());
    }
    assert!(heads.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(Roster::from_entries(&g.hash(), vec![by_dee]).unwrap_err(), RosterError::Genesis);
    // Someone else's genesis for the same panel id is not this roster's.
    assert_eq!(Roster::from_entries(&g.hash(), vec![forged_genesis]).unwrap_err(), RosterError::Genesis);
}

#[test]
fn a_malformed_genesis_is_refused() {
    let ana = device(1);
    let mut g = genesis(&ana);
    if let Action::Genesis { lead_seat, .. } = &mut g.action {
        *lead_seat = seat("ben");
    }
    let g = Entry::sign(&ana, NO_PARENT, g.action);
    assert!(matches!(Roster::new(g), Err(RosterError::MalformedGenesis(_))));
    let by_other = Entry::sign(&device(2), NO_PARENT, genesis(&ana).action);
    assert!(matches!(Roster::new(by_other), Err(RosterError::MalformedGenesis(_))));
}
