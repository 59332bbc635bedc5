//! Sealed scorecards in one store: what a peer's damaged or forged card becomes (a typed
//! refusal, never content), and what two devices of one seat submitting at once become (a
//! conflict that shows no content and cannot be "resolved" by rewriting a submitted card).

mod common;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ReadDoc, ScalarValue};
use common::*;
use panelnotes_core::model::{CardProblem, ConflictedValue, Ratings, Recommendation, ScorecardDraft, ScorecardView, SealReason, SealState};
use panelnotes_core::trust::sealed_card::SealedCard;
use panelnotes_core::{DocumentId, Error, Store};

fn draft(comment: &str) -> ScorecardDraft {
    ScorecardDraft {
        ratings: Ratings { technical_depth: Some(3), reaction_to_challenge: Some(4), business_understanding: Some(2), question_quality: Some(3) },
        recommendation: Some(Recommendation::Yes),
        comments: comment.into(),
    }
}

fn sync(from: &mut Store, to: &mut Store, id: DocumentId) {
    let bytes = from.document_bytes(id).unwrap();
    to.apply_remote(id, &bytes).unwrap();
}

fn card_bytes(doc: &AutoCommit, seat: &str) -> Vec<u8> {
    let cards = doc.get(ObjId::Root, "scorecards").unwrap().unwrap().1;
    match doc.get(&cards, seat).unwrap().unwrap().0 {
        automerge::Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Bytes(b) => b.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_damaged_or_forged_card_is_a_typed_refusal_and_never_content() {
    let dir = tempfile::tempdir().unwrap();
    let mut ana = open(&dir, "ana@acme");
    let c = ana.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = ana.schedule_interview(panel_interview(c, 600)).unwrap();
    ana.end_interview(i, t(645)).unwrap();
    ana.save_scorecard_draft(i, draft("MARKER-ana-7q")).unwrap();
    ana.submit_scorecard(i, t(700)).unwrap();
    let raw = ana.document_bytes(i).unwrap();
    assert!(!raw.windows(12).any(|w| w == b"MARKER-ana-7"), "the card is sealed in the document");

    // A faulty or hostile peer writes: Ana's card with a flipped byte, renamed to Ben's seat;
    // Ana's card copied under Cy's seat; bytes that only look like a card under Lee's.
    let mut peer = AutoCommit::load(&raw).unwrap();
    let heads = peer.get_heads();
    let mine = card_bytes(&peer, "ana@acme");
    let mut forged = SealedCard::decode(&mine).unwrap();
    forged.seat = who("ben@acme");
    forged.ciphertext[0] ^= 1;
    let cards = peer.get(ObjId::Root, "scorecards").unwrap().unwrap().1;
    peer.put(&cards, "ben@acme", ScalarValue::Bytes(forged.encode())).unwrap();
    peer.put(&cards, "cy@acme", ScalarValue::Bytes(mine.clone())).unwrap();
    let mut junk = vec![1u8];
    junk.extend_from_slice(&t(720).timestamp_millis().to_le_bytes());
    junk.extend_from_slice(b"not a card");
    peer.put(&cards, "lee@acme", ScalarValue::Bytes(junk)).unwrap();
    peer.commit();
    ana.apply_remote(i, &peer.save_after(&heads)).unwrap();

    let seals = ana.scorecard_seals(i).unwrap();
    let state = |seat: &str| seals.iter().find(|s| s.interviewer.as_str() == seat).unwrap().state.clone();
    let refused = |problem| SealState::Sealed { reason: SealReason::Refused { problem } };
    assert_eq!(state("ana@acme"), SealState::Open);
    assert_eq!(state("ben@acme"), refused(CardProblem::BadSignature));
    assert_eq!(state("cy@acme"), refused(CardProblem::WrongSeat));
    assert_eq!(state("lee@acme"), refused(CardProblem::Malformed));
    assert!(seals.iter().filter(|s| s.state != SealState::Open).all(|s| s.scorecard.is_none()));
    match ana.scorecards(i).unwrap() {
        ScorecardView::Visible(cards) => assert_eq!(cards.iter().map(|c| c.interviewer.as_str()).collect::<Vec<_>>(), ["ana@acme"]),
        v => panic!("{v:?}"),
    }
}

#[test]
fn two_devices_of_one_seat_submitting_at_once_show_a_conflict_without_content() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut ana = open(&dirs[0], "ana@acme");
    let c = ana.create_candidate(new_candidate("Dana", 0)).unwrap();
    let i = ana.schedule_interview(panel_interview(c, 600)).unwrap();
    ana.end_interview(i, t(645)).unwrap();
    // Ben's phone and Ben's tablet.
    let (mut phone, mut tablet) = (open(&dirs[1], "ben@acme"), open(&dirs[2], "ben@acme"));
    for s in [&mut phone, &mut tablet] {
        sync(&mut ana, s, c);
        sync(&mut ana, s, i);
    }
    phone.save_scorecard_draft(i, draft("MARKER-phone-3x")).unwrap();
    phone.submit_scorecard(i, t(700)).unwrap();
    tablet.save_scorecard_draft(i, draft("MARKER-tablet-9y")).unwrap();
    tablet.submit_scorecard(i, t(705)).unwrap();
    sync(&mut tablet, &mut phone, i);

    let conflicts = phone.conflicts(i).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].field, "scorecards.ben@acme");
    assert_eq!(conflicts[0].values.len(), 2);
    assert!(conflicts[0].values.iter().all(|v| v.value == ConflictedValue::Scorecard));
    let mut at: Vec<_> = conflicts[0].values.iter().map(|v| v.at).collect();
    at.sort();
    assert_eq!(at, [Some(t(700)), Some(t(705))], "each value says when it was submitted");
    let shown = format!("{conflicts:?}");
    assert!(!shown.contains("MARKER"), "{shown}");
    // Keeping one would write a submitted card again: refused, typed.
    let token = conflicts[0].values[0].token.clone();
    assert!(matches!(phone.resolve_conflict(i, "scorecards.ben@acme", &token), Err(Error::ScorecardSubmitted { id }) if id == i));
}
