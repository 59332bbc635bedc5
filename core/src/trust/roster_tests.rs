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

fn link(by: &DeviceKeys, parent: Hash, who: &str, d: &DeviceKeys, countersigner: &DeviceKeys, panel: [u8; 16]) -> Entry {
    let wrapped = wrap_to(&d.public().agreement, &Secret([9; 32]), b"e0", [1; 32], [1; 24]);
    let countersignature = countersigner.sign(&crate::trust::linking::countersigned_bytes(&panel, &seat(who), &d.public()));
    Entry::sign(
        by,
        parent,
        Action::Link { seat: seat(who), device: d.public(), label: "tablet".into(), wrapped, earlier: vec![], countersigner: countersigner.public().signing, countersignature },
    )
}

fn transfer(by: &DeviceKeys, parent: Hash, who: &str, to: &DeviceKeys, keep_admin: bool) -> Entry {
    Entry::sign(by, parent, Action::TransferLead { seat: seat(who), device: to.public().signing, keep_admin })
}

#[test]
fn a_linked_device_joins_its_seat_only_with_a_countersignature_from_that_seat() {
    let (ana, ben, cy, tablet, eve) = (device(1), device(2), device(3), device(6), device(4));
    let mut r = Roster::new(genesis(&ana)).unwrap();
    r.append(admit(&ana, r.head(), "ben", &ben)).unwrap();
    r.append(admit(&ana, r.head(), "cy", &cy)).unwrap();
    let h = r.head();
    let panel = r.state().panel;
    // Countersigned by a device of another seat, by a stranger, over another device or seat,
    // or for a seat with no device: refused, and the roster does not move.
    for bad in [
        link(&ana, h, "ben", &tablet, &cy, panel),
        link(&ana, h, "ben", &tablet, &eve, panel),
        link(&ana, h, "ben", &tablet, &ben, [7; 16]),
        link(&ana, h, "dee", &tablet, &ana, panel),
    ] {
        assert!(matches!(r.append(bad), Err(RosterError::Countersignature(_))));
    }
    let mut swapped = link(&ana, h, "ben", &eve, &ben, panel);
    if let Action::Link { countersignature, .. } = &mut swapped.action {
        *countersignature = ben.sign(&crate::trust::linking::countersigned_bytes(&panel, &seat("ben"), &tablet.public()));
    }
    let swapped = Entry::sign(&ana, h, swapped.action);
    assert!(matches!(r.append(swapped), Err(RosterError::Countersignature(_))));
    // Ben himself cannot link a device: only an admin appends the entry.
    assert!(matches!(r.append(link(&ben, h, "ben", &tablet, &ben, panel)), Err(RosterError::NotAdmin(_))));
    assert_eq!(r.head(), h);

    r.append(link(&ana, h, "ben", &tablet, &ben, panel)).unwrap();
    let s = r.state();
    assert_eq!(s.current(&tablet.public().signing).unwrap().seat, seat("ben"));
    assert!(!s.is_admin(&tablet.public().signing));
    assert!(s.wrapped.contains_key(&tablet.public().signing), "the link carries its welcome");
    assert!(matches!(r.append(link(&ana, r.head(), "ben", &tablet, &ben, panel)), Err(RosterError::AlreadyAdmitted(_))));
    // A seat with two devices is taken; removing the phone leaves the tablet in the seat,
    // and the tablet may then vouch for another device.
    assert!(matches!(r.append(admit(&ana, r.head(), "ben", &eve)), Err(RosterError::SeatTaken(_))));
    r.append(Entry::sign(&ana, r.head(), Action::Remove { device: ben.public().signing, cutoffs: vec![] })).unwrap();
    assert_eq!(r.state().device_in(&seat("ben")).unwrap().device, tablet.public());
    r.append(link(&ana, r.head(), "ben", &eve, &tablet, panel)).unwrap();
    // The whole chain folds the same from its entries, so the countersignatures survive a
    // round trip through the wire encoding.
    let g = r.entries()[0].hash();
    let decoded: Vec<Entry> = r.entries().iter().map(|e| Entry::decode(&e.encode()).unwrap()).collect();
    assert_eq!(decoded, r.entries());
    assert_eq!(Roster::from_entries(&g, decoded).unwrap().0.head(), r.head());
}

#[test]
fn the_lead_moves_with_a_transfer_and_the_old_lead_keeps_admin_only_when_told() {
    let (ana, dee, ben) = (device(1), device(5), device(2));
    let mut r = Roster::new(genesis(&ana)).unwrap();
    r.append(admit(&ana, r.head(), "dee", &dee)).unwrap();
    r.append(admit(&ana, r.head(), "ben", &ben)).unwrap();
    let h = r.head();
    // To the lead's own seat, to a seat whose device is not the one named, or by a member.
    assert_eq!(r.append(transfer(&ana, h, "ana", &ana, false)), Err(RosterError::Lead));
    assert_eq!(r.append(transfer(&ana, h, "dee", &ben, false)), Err(RosterError::Lead));
    assert!(matches!(r.append(transfer(&ben, h, "ben", &ben, false)), Err(RosterError::NotAdmin(_))));

    let mut kept = r.clone();
    r.append(transfer(&ana, h, "ben", &ben, false)).unwrap();
    let s = r.state();
    assert_eq!((s.lead_seat.clone(), s.lead_device), (seat("ben"), ben.public().signing));
    assert!(s.is_lead(&ben.public().signing) && s.is_admin(&ben.public().signing));
    assert!(!s.is_admin(&ana.public().signing), "the old lead stepped down");
    assert!(s.is_admin(&dee.public().signing), "the deputy stays");
    assert!(matches!(r.append(admit(&ana, r.head(), "cy", &device(3))), Err(RosterError::NotAdmin(_))));
    r.append(admit(&ben, r.head(), "cy", &device(3))).unwrap();

    kept.append(transfer(&ana, h, "ben", &ben, true)).unwrap();
    assert!(kept.state().is_admin(&ana.public().signing) && !kept.state().is_lead(&ana.public().signing));
    assert!(Entry::decode(&kept.entries().last().unwrap().encode()).unwrap() == *kept.entries().last().unwrap());
}

/// An admit by `by` on `parent` whose hash sorts below (or above) `other`'s, by varying its
/// wrapping randomness, so a test sees the lead win against the hash order.
fn admit_sorting(by: &DeviceKeys, parent: Hash, who: &str, d: &DeviceKeys, other: &Entry, below: bool) -> Entry {
    (0..64u8)
        .map(|n| {
            let wrapped = wrap_to(&d.public().agreement, &Secret([9; 32]), b"e0", [n; 32], [1; 24]);
            Entry::sign(by, parent, Action::Admit { seat: seat(who), device: d.public(), label: "phone".into(), wrapped, earlier: vec![] })
        })
        .find(|e| (e.hash() < other.hash()) == below)
        .expect("one of 64 hashes sorts that way")
}

#[test]
fn a_fork_goes_to_the_lead_as_of_its_parent() {
    let (ana, dee, ben, cy) = (device(1), device(5), device(2), device(3));
    let g = genesis(&ana);
    let mut r = Roster::new(g.clone()).unwrap();
    let a1 = admit(&ana, r.head(), "dee", &dee);
    r.append(a1.clone()).unwrap();
    // On a parent where Ana leads, Dee's transfer to herself loses to Ana's entry, even
    // with the lower hash and though it would make Dee the lead.
    let dee_takes = transfer(&dee, r.head(), "dee", &dee, true);
    let ana_admits = admit_sorting(&ana, r.head(), "ben", &ben, &dee_takes, false);
    let (f, left) = Roster::from_entries(&g.hash(), vec![g.clone(), a1.clone(), dee_takes.clone(), ana_admits.clone()]).unwrap();
    assert!(f.state().current(&ben.public().signing).is_some());
    assert_eq!(f.state().lead_seat, seat("ana"));
    assert!(left.iter().any(|(e, _)| *e == dee_takes));
    // Once the lead is Dee's, a fork on that head goes to Dee, whoever's hash is lower.
    let t = transfer(&ana, r.head(), "dee", &dee, true);
    r.append(t.clone()).unwrap();
    let by_dee = admit(&dee, r.head(), "cy", &cy);
    let by_ana = admit_sorting(&ana, r.head(), "ben", &ben, &by_dee, true);
    for order in [vec![g.clone(), a1.clone(), t.clone(), by_ana.clone(), by_dee.clone()], vec![by_dee.clone(), by_ana.clone(), t.clone(), a1.clone(), g.clone()]] {
        let (f, left) = Roster::from_entries(&g.hash(), order).unwrap();
        assert!(f.state().current(&cy.public().signing).is_some(), "the lead's entry won");
        assert!(f.state().current(&ben.public().signing).is_none());
        assert!(left.iter().any(|(e, _)| *e == by_ana));
    }
}

#[test]
fn an_admin_accepts_a_removed_devices_held_changes_by_moving_its_cutoff() {
    let (ana, ben) = (device(1), device(2));
    let doc = DocumentId::from_bytes([2; 16]);
    let mut r = Roster::new(genesis(&ana)).unwrap();
    r.append(admit(&ana, r.head(), "ben", &ben)).unwrap();
    let accept = |by: &DeviceKeys, parent, document, up_to| Entry::sign(by, parent, Action::AcceptHeld { device: ben.public().signing, document, up_to });
    // Not from a current member: only a removed device's changes are held.
    assert_eq!(r.append(accept(&ana, r.head(), doc, 9)), Err(RosterError::AcceptHeld));
    r.append(Entry::sign(&ana, r.head(), Action::Remove { device: ben.public().signing, cutoffs: vec![(doc, 4)] })).unwrap();
    assert_eq!(r.append(accept(&ana, r.head(), doc, 4)), Err(RosterError::AcceptHeld), "not past the cutoff");
    assert_eq!(r.append(accept(&ana, r.head(), DocumentId::from_bytes([3; 16]), 9)), Err(RosterError::AcceptHeld), "not a panel document");
    assert!(matches!(r.append(accept(&ben, r.head(), doc, 9)), Err(RosterError::NotAdmin(_))));
    let e = accept(&ana, r.head(), doc, 9);
    assert_eq!(Entry::decode(&e.encode()).unwrap(), e);
    r.append(e).unwrap();
    assert_eq!(r.state().members[&ben.public().signing].removed.as_ref().unwrap()[&doc], 9);
    assert!(r.state().current(&ben.public().signing).is_none(), "still removed");
}

#[test]
fn the_leads_linked_device_leads_when_the_leads_phone_is_removed() {
    let (ana, tablet, dee) = (device(1), device(6), device(5));
    let mut r = Roster::new(genesis(&ana)).unwrap();
    r.append(admit(&ana, r.head(), "dee", &dee)).unwrap();
    let panel = r.state().panel;
    r.append(link(&ana, r.head(), "ana", &tablet, &ana, panel)).unwrap();
    assert!(r.state().is_lead(&tablet.public().signing) && r.state().is_admin(&tablet.public().signing));
    assert_eq!(r.state().lead_device, ana.public().signing);
    // Ana's phone is lost: Dee removes it, and the lead stays with Ana's seat, on her tablet.
    r.append(Entry::sign(&dee, r.head(), Action::Remove { device: ana.public().signing, cutoffs: vec![] })).unwrap();
    assert_eq!((r.state().lead_seat.clone(), r.state().lead_device), (seat("ana"), tablet.public().signing));
    // A fork on this head goes to the tablet's entry, whatever the hashes.
    let by_tablet = admit(&tablet, r.head(), "ben", &device(2));
    let by_dee = admit_sorting(&dee, r.head(), "cy", &device(3), &by_tablet, true);
    let g = r.entries()[0].hash();
    let (f, _) = Roster::from_entries(&g, r.entries().iter().cloned().chain([by_dee, by_tablet])).unwrap();
    assert!(f.state().current(&device(2).public().signing).is_some());
    assert!(f.state().current(&device(3).public().signing).is_none());
}
