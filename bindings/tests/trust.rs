//! The trust API as the apps call it: the lead starts a panel and shows seat invites, phones
//! join over the LAN (a scheduled panelist on its own, anyone else once the lead admits
//! them), a photo of a used code is refused, and members sync the panel's sealed mailboxes.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use panelnotes_ffi::{
    JoinCallback, JoinDecision, JoinRefusalReason, JoinResult, PanelNotes, PanelNotesError, SyncCallback, SyncReport,
};

fn open(dir: &tempfile::TempDir, who: &str) -> Arc<PanelNotes> {
    PanelNotes::open(dir.path().join(format!("{who}.sqlite3")).display().to_string(), format!("{who}@acme"), who.into(), vec![7u8; 32]).unwrap()
}

struct Answer<T>(mpsc::Sender<Result<T, PanelNotesError>>);

impl JoinCallback for Answer<JoinResult> {
    fn on_done(&self, result: JoinResult) {
        let _ = self.0.send(Ok(result));
    }
    fn on_error(&self, error: PanelNotesError) {
        let _ = self.0.send(Err(error));
    }
}

impl SyncCallback for Answer<SyncReport> {
    fn on_done(&self, report: SyncReport) {
        let _ = self.0.send(Ok(report));
    }
    fn on_error(&self, error: PanelNotesError) {
        let _ = self.0.send(Err(error));
    }
}

fn join(s: &PanelNotes, uri: &str, address: &str, label: &str) -> JoinResult {
    let (tx, rx) = mpsc::channel();
    s.join_via_lan(uri.into(), address.into(), label.into(), Arc::new(Answer(tx))).unwrap();
    rx.recv_timeout(Duration::from_secs(60)).unwrap().unwrap()
}

fn sync(s: &PanelNotes, address: &str, interview: &str) -> SyncReport {
    let (tx, rx) = mpsc::channel();
    let _handle = s.sync_panel_lan(address.into(), interview.into(), Arc::new(Answer(tx))).unwrap();
    rx.recv_timeout(Duration::from_secs(60)).unwrap().unwrap()
}

#[test]
fn a_panelist_joins_over_the_lan_a_photo_of_the_code_is_refused_and_the_lead_admits_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, ben, cy, eve) = (open(&dir, "ana"), open(&dir, "ben"), open(&dir, "cy"), open(&dir, "eve"));
    let c = ana.create_candidate("Dana".into(), "Data engineer".into(), None, None, SystemTime::now()).unwrap();
    let i = ana
        .schedule_interview(c, None, None, SystemTime::now(), None, vec!["ana@acme".into(), "ben@acme".into(), "cy@acme".into()], "ana@acme".into())
        .unwrap();
    ana.splice_notes(i.clone(), "learn".into(), 0, 0, "Ran Spark on 200 nodes 🚀".into()).unwrap();
    let roster = ana.start_panel(i.clone(), None).unwrap();
    assert_eq!(roster, ana.start_panel(i.clone(), None).unwrap(), "starting twice returns the same panel");
    assert_eq!(roster.lead_fingerprint, ana.this_device_fingerprint());
    // A panelist's install cannot start the lead's panel.
    assert!(matches!(ben.start_panel(i.clone(), None), Err(PanelNotesError::NotFound { .. } | PanelNotesError::NotPermitted { .. })));

    let for_ben = ana.invite_seat(i.clone(), Some("ben@acme".into()), None).unwrap();
    assert_eq!(for_ben.seat.as_deref(), Some("ben@acme"));
    assert!(for_ben.expires_at > SystemTime::now());
    assert!(!for_ben.uri.contains(&i), "the code names no document");
    let open_invite = ana.invite_seat(i.clone(), None, Some(SystemTime::now() + Duration::from_secs(3600))).unwrap();
    // The listener answers the invites that existed when it started.
    let server = ana.serve_lan("127.0.0.1:0".into()).unwrap();
    let addr = server.address();

    assert_eq!(join(&ben, &for_ben.uri, &addr, "Pixel 8"), JoinResult::Welcomed { interview_id: i.clone(), seat: "ben@acme".into() });
    assert!(ana.join_requests().unwrap().is_empty(), "a scheduled panelist is admitted without asking the lead");
    let seen = ana.panel_roster(i.clone()).unwrap().unwrap();
    let ben_seat = seen.seats.iter().find(|s| s.interviewer_id == "ben@acme").unwrap();
    assert_eq!(ben_seat.devices.len(), 1);
    assert_eq!(ben_seat.devices[0].label, "Pixel 8");
    assert_eq!(ben_seat.devices[0].fingerprint, ben.this_device_fingerprint());
    assert!(!ben_seat.admin && !ben_seat.devices[0].removed && !ben_seat.devices[0].this_device);

    sync(&ben, &addr, &i);
    assert_eq!(ben.notes(i.clone(), "learn".into()).unwrap(), "Ran Spark on 200 nodes 🚀");
    let bens_view = ben.panel_roster(i.clone()).unwrap().unwrap();
    assert!(bens_view.seats.iter().flat_map(|s| &s.devices).any(|d| d.this_device && d.label == "Pixel 8"));

    // Eve photographed Ben's code.
    assert_eq!(join(&eve, &for_ben.uri, &addr, "Eve"), JoinResult::Refused { reason: JoinRefusalReason::AlreadyUsed });
    assert!(eve.panel_roster(i.clone()).unwrap().is_none());

    // An invite without a seat waits for the lead, who admits it; the phone then asks again.
    assert_eq!(join(&cy, &open_invite.uri, &addr, "iPhone"), JoinResult::Pending);
    let waiting = ana.join_requests().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].label.as_str(), waiting[0].interview_id.as_str()), ("iPhone", i.as_str()));
    assert_eq!(waiting[0].device_fingerprint, cy.this_device_fingerprint());
    ana.admit_join_request(waiting[0].id, "cy@acme".into()).unwrap();
    assert!(ana.join_requests().unwrap().is_empty());
    assert_eq!(join(&cy, &open_invite.uri, &addr, "iPhone"), JoinResult::Welcomed { interview_id: i.clone(), seat: "cy@acme".into() });

    std::thread::sleep(Duration::from_millis(300)); // the listener records a session after it ends
    let decisions = server.join_decisions();
    assert!(decisions.contains(&JoinDecision::Admitted { seat: "ben@acme".into(), device_fingerprint: ben.this_device_fingerprint(), label: "Pixel 8".into() }));
    assert!(decisions.contains(&JoinDecision::Refused { reason: JoinRefusalReason::AlreadyUsed }));
    assert!(decisions.iter().any(|d| matches!(d, JoinDecision::Pending { label, .. } if label == "iPhone")));

    // Removing Cy's device starts a new epoch; the roster keeps it, marked.
    let after = ana.remove_device(i.clone(), cy.this_device_fingerprint()).unwrap();
    assert_eq!(after.epoch, 1);
    assert!(after.seats.iter().flat_map(|s| &s.devices).any(|d| d.fingerprint == cy.this_device_fingerprint() && d.removed));
    assert!(matches!(ana.remove_device(i.clone(), "0000000000000000".into()), Err(PanelNotesError::NotFound { .. })));
    assert!(ana.envelope_problems(i.clone()).unwrap().is_empty());
    server.stop();
}

#[test]
fn a_rostered_panel_syncs_over_a_platform_pipe_and_joins_through_one() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, ben) = (open(&dir, "ana"), open(&dir, "ben"));
    let c = ana.create_candidate("Dana".into(), "Data engineer".into(), None, None, SystemTime::now()).unwrap();
    let i = ana.schedule_interview(c, None, None, SystemTime::now(), None, vec!["ana@acme".into(), "ben@acme".into()], "ana@acme".into()).unwrap();
    ana.splice_notes(i.clone(), "learn".into(), 0, 0, "Kafka 👍".into()).unwrap();
    ana.start_panel(i.clone(), None).unwrap();
    let invite = ana.invite_seat(i.clone(), Some("ben@acme".into()), None).unwrap();

    let pump = |a: &panelnotes_ffi::SyncSession, b: &panelnotes_ffi::SyncSession| {
        for _ in 0..100 {
            let x = a.poll().unwrap();
            if !x.is_empty() {
                b.receive(x.clone()).unwrap();
            }
            let y = b.poll().unwrap();
            if !y.is_empty() {
                a.receive(y.clone()).unwrap();
            }
            if x.is_empty() && y.is_empty() {
                return;
            }
        }
        panic!("the sessions did not settle");
    };
    let joining = ben.start_join_session(invite.uri.clone(), "Pixel 8".into()).unwrap();
    let lead = ana.accept_panel_session().unwrap();
    pump(&joining, &lead);
    assert_eq!(joining.join_result().unwrap(), Some(JoinResult::Welcomed { interview_id: i.clone(), seat: "ben@acme".into() }));
    assert!(matches!(lead.join_decision(), Some(JoinDecision::Admitted { label, .. }) if label == "Pixel 8"));

    let (b, a) = (ben.start_panel_session(i.clone()).unwrap(), ana.accept_panel_session().unwrap());
    pump(&b, &a);
    b.finish().unwrap();
    a.finish().unwrap();
    assert_eq!(ben.notes(i.clone(), "learn".into()).unwrap(), "Kafka 👍");
    assert_eq!(b.join_result().unwrap(), None);
}
