//! The malicious peer of the trust convergence test: a modified app that holds device keys
//! of its own, speaks automerge-repo's sync protocol with plain Automerge documents (no
//! store, no checks), and forges envelopes.

use std::collections::{BTreeSet, HashMap};

use automerge::sync::{Message, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Change, ChangeHash, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use panelnotes_core::keys::{DeviceKeys, DevicePublic};
use panelnotes_core::model::DocKind;
use panelnotes_core::sync::wire::{PeerMetadata, WireMessage, PROTOCOL_V1};
use panelnotes_core::trust::envelope;
use panelnotes_core::trust::mailbox::outbox_of;
use panelnotes_core::trust::membership::wrap_context;
use panelnotes_core::trust::roster::{Hash, Roster};
use panelnotes_core::trust::seal::{unwrap, Secret};
use panelnotes_core::DocumentId;
use rand::{rngs::StdRng, RngCore, SeedableRng};

/// What every honest peer must make of a forgery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused, and the problem names the forger's device.
    Named,
    /// Refused without a name: nobody provably signed it.
    Unnamed,
    /// Held: it names an epoch nobody has. It must not hold anything else up.
    Held,
    /// One of two runs signed under one sequence number.
    Equivocal,
}

pub struct Forgery {
    pub bytes: Vec<u8>,
    pub outcome: Outcome,
    /// Part of the recorded reason, for `Named`.
    pub reason: &'static str,
}

/// One sync session with an honest peer: the rogue always dials.
pub struct Session {
    me: String,
    remote: Option<String>,
    states: HashMap<DocumentId, State>,
}

pub struct Rogue {
    keys: DeviceKeys,
    member: bool,
    secret: Secret,
    panel: [u8; 16],
    epoch: u32,
    head: Hash,
    /// Its own outbox, if the roster admitted it.
    outbox: Option<(DocumentId, ActorId)>,
    /// The honest peers' outboxes, by peer.
    targets: Vec<DocumentId>,
    docs: std::collections::BTreeMap<DocumentId, AutoCommit>,
    sessions: u64,
    pub forgeries: Vec<Forgery>,
    /// What it writes into others' outboxes only.
    smuggled: Vec<Vec<u8>>,
    /// Forgeries posted in its own outbox.
    pub posted: BTreeSet<usize>,
    posted_count: u64,
    /// Every change it forged that no honest document may ever hold.
    pub forged_changes: Vec<ChangeHash>,
}

fn mailbox_key(n: u64) -> String {
    format!("e{n:010}")
}

fn keys_from(seed: u64) -> DeviceKeys {
    let mut secret = [0u8; 64];
    StdRng::seed_from_u64(seed).fill_bytes(&mut secret);
    DeviceKeys::from_secret(&secret)
}

/// The last change made on `doc`, as the run to seal.
fn last(doc: &mut AutoCommit) -> Change {
    doc.commit();
    doc.get_last_local_change().expect("a change was made").clone()
}

impl Rogue {
    /// The rogue's keys, and those of the admitted device whose secret it uses: its own when
    /// it is a member, a leaking member's when it is not.
    pub fn keys(seed: u64, member: bool) -> (DeviceKeys, DeviceKeys) {
        let rogue = keys_from(seed ^ 0x5eed_0f_b0c5);
        let insider = if member { keys_from(seed ^ 0x5eed_0f_b0c5) } else { keys_from(seed ^ 0x1ea6) };
        (rogue, insider)
    }

    pub fn new(keys: DeviceKeys, insider: &DeviceKeys, member: bool, roster: &Roster, honest: Vec<DevicePublic>) -> Rogue {
        let state = roster.state();
        let wrapped = roster.wrapped_for(&insider.public().signing, state.epoch).expect("the insider was admitted");
        let secret = unwrap(insider, wrapped, &wrap_context(&state.panel, state.epoch)).expect("the secret unwraps");
        let outbox = member.then(|| outbox_of(&secret, &state.panel, &keys.public().signing));
        let targets = honest.iter().map(|d| outbox_of(&secret, &state.panel, &d.signing).0).collect();
        Rogue {
            keys,
            member,
            panel: state.panel,
            epoch: state.epoch,
            head: roster.head(),
            secret,
            outbox,
            targets,
            docs: Default::default(),
            sessions: 0,
            forgeries: Vec::new(),
            smuggled: Vec::new(),
            posted: BTreeSet::new(),
            posted_count: 0,
            forged_changes: Vec::new(),
        }
    }

    pub fn fingerprint(&self) -> String {
        self.keys.public().fingerprint()
    }

    fn seal(&self, doc: DocumentId, kind: DocKind, seq: u64, run: &mut [Change]) -> Vec<u8> {
        envelope::seal(&self.keys, &self.secret, self.epoch, self.panel, doc, kind, self.head, seq, run, [seq as u8; 24])
    }

    /// Builds the forgeries on the panel's documents as they are now (so no honest peer
    /// waits for what they build on). `victim` is a colleague's device.
    pub fn forge(&mut self, i: DocumentId, interview: &[u8], c: DocumentId, candidate: &[u8], victim: &DevicePublic) {
        let me = self.keys.actor();
        let (rule, foreign) = if self.member { ("write rule", "not its own") } else { ("not a member", "not a member") };
        let mut out = Vec::new();

        let mut d = AutoCommit::load(interview).unwrap().with_actor(me.clone());
        let cards = d.get(ROOT, "scorecards").unwrap().expect("the interview has scorecards").1;
        let card = d.put_object(&cards, "p1@acme", ObjType::Map).unwrap();
        d.put(&card, "comments", "forged").unwrap();
        let mut card = last(&mut d);
        self.forged_changes.push(card.hash());
        out.push(Forgery { bytes: self.seal(i, DocKind::Interview, 10, std::slice::from_mut(&mut card)), outcome: Outcome::Named, reason: rule });

        let mut d = AutoCommit::load(candidate).unwrap().with_actor(me.clone());
        d.put(ROOT, "decision", "forged").unwrap();
        let mut decision = last(&mut d);
        self.forged_changes.push(decision.hash());
        out.push(Forgery { bytes: self.seal(c, DocKind::Candidate, 11, std::slice::from_mut(&mut decision)), outcome: Outcome::Named, reason: rule });

        let mut d = AutoCommit::load(interview).unwrap().with_actor(victim.actor());
        let notes = d.get(ROOT, "notes").unwrap().unwrap().1;
        let learn = d.get(&notes, "learn").unwrap().unwrap().1;
        d.splice_text(&learn, 0, 0, "forged ").unwrap();
        let mut theirs = last(&mut d);
        self.forged_changes.push(theirs.hash());
        out.push(Forgery { bytes: self.seal(i, DocKind::Interview, 12, std::slice::from_mut(&mut theirs)), outcome: Outcome::Named, reason: foreign });

        out.push(Forgery { bytes: vec![7; 40], outcome: Outcome::Unnamed, reason: "" });
        let mut junk = vec![envelope::VERSION, 0, 0, 0, 0];
        junk.extend([3u8; 24 + 64]);
        out.push(Forgery { bytes: junk.clone(), outcome: Outcome::Unnamed, reason: "" });
        junk[1] = 9;
        out.push(Forgery { bytes: junk, outcome: Outcome::Held, reason: "" });

        if self.member {
            // Two runs under sequence number 1: a note, and the same note with more after it.
            let mut d = AutoCommit::load(interview).unwrap().with_actor(me.clone());
            let notes = d.get(ROOT, "notes").unwrap().unwrap().1;
            let learn = d.get(&notes, "learn").unwrap().unwrap().1;
            d.splice_text(&learn, 0, 0, "rogue: ").unwrap();
            let one = last(&mut d);
            d.splice_text(&learn, 0, 0, "really ").unwrap();
            let two = last(&mut d);
            out.push(Forgery { bytes: self.seal(i, DocKind::Interview, 1, &mut [one.clone()]), outcome: Outcome::Equivocal, reason: "" });
            out.push(Forgery { bytes: self.seal(i, DocKind::Interview, 1, &mut [one, two]), outcome: Outcome::Equivocal, reason: "" });
            // A run it may write, which it only ever hides in others' outboxes: read, it would
            // go in.
            let mut d = AutoCommit::load(candidate).unwrap().with_actor(me);
            let logistics = d.get(ROOT, "logistics").unwrap().expect("the candidate has logistics").1;
            d.put(&logistics, "smuggled", 1).unwrap();
            let mut hidden = last(&mut d);
            self.forged_changes.push(hidden.hash());
            self.smuggled.push(self.seal(c, DocKind::Candidate, 20, std::slice::from_mut(&mut hidden)));
        } else {
            // Sealed under a secret of its own.
            let wrong = Secret::from_bytes([5; 32]);
            let mut d = AutoCommit::load(interview).unwrap().with_actor(me);
            d.put(ROOT, "endedAt", 1).unwrap();
            let mut run = last(&mut d);
            self.forged_changes.push(run.hash());
            let bytes = envelope::seal(&self.keys, &wrong, self.epoch, self.panel, i, DocKind::Interview, self.head, 13, std::slice::from_mut(&mut run), [1; 24]);
            out.push(Forgery { bytes, outcome: Outcome::Unnamed, reason: "" });
        }
        self.smuggled.extend(out.iter().map(|f| f.bytes.clone()));
        self.forgeries = out;
    }

    /// The indices of the two equivocating runs, when it is a member.
    pub fn equivocation(&self) -> Vec<usize> {
        self.forgeries.iter().enumerate().filter(|(_, f)| f.outcome == Outcome::Equivocal).map(|(n, _)| n).collect()
    }

    /// Posts a forgery in its own outbox; an outsider, which has none, smuggles it instead.
    pub fn post(&mut self, which: usize) {
        let which = which % self.forgeries.len();
        let Some((id, actor)) = self.outbox.clone() else {
            let peer = which % self.targets.len();
            return self.smuggle(peer, which, 0);
        };
        let n = self.posted_count;
        let doc = self.docs.entry(id).or_insert_with(AutoCommit::new);
        doc.set_actor(actor);
        doc.put(ROOT, mailbox_key(n), ScalarValue::Bytes(self.forgeries[which].bytes.clone())).unwrap();
        doc.commit();
        self.posted_count += 1;
        self.posted.insert(which);
    }

    /// Writes into an honest peer's outbox under the rogue's own actor: over the newest item
    /// it holds (the put then hides the owner's value in a merged document), else at a key
    /// the owner will use.
    pub fn smuggle(&mut self, peer: usize, which: usize, key: u64) {
        let id = self.targets[peer % self.targets.len()];
        let item = self.smuggled[which % self.smuggled.len()].clone();
        let doc = self.docs.entry(id).or_insert_with(AutoCommit::new);
        // The newest item is the one phones are least likely to have read already.
        let key = doc.keys(ROOT).max().unwrap_or_else(|| mailbox_key(key % 6));
        doc.set_actor(self.keys.actor());
        doc.put(ROOT, key, ScalarValue::Bytes(item)).unwrap();
        doc.commit();
    }

    /// An honest envelope copied out of a mailbox it holds, if any (its own forgeries go
    /// through `Action::Forge`).
    pub fn copied(&mut self, pick: usize) -> Option<Vec<u8>> {
        let mut all = Vec::new();
        for doc in self.docs.values() {
            for key in doc.keys(ROOT) {
                for (v, _) in doc.get_all(ROOT, &key).unwrap() {
                    if let Value::Scalar(s) = v {
                        if let ScalarValue::Bytes(b) = s.as_ref() {
                            if !self.smuggled.contains(b) {
                                all.push(b.clone());
                            }
                        }
                    }
                }
            }
        }
        (!all.is_empty()).then(|| all.swap_remove(pick % all.len()))
    }

    /// Starts a session: the join frame to send.
    pub fn dial(&mut self) -> (Session, Vec<u8>) {
        self.sessions += 1;
        let me = format!("rogue-{}", self.sessions);
        let join = WireMessage::Join { sender: me.clone(), versions: vec![PROTOCOL_V1.into()], metadata: PeerMetadata { storage_id: None, is_ephemeral: true } };
        (Session { me, remote: None, states: HashMap::new() }, join.encode())
    }

    /// Takes in a frame. Like an honest connection, it answers on the next poll.
    pub fn receive(&mut self, s: &mut Session, frame: &[u8]) -> Vec<Vec<u8>> {
        match WireMessage::decode(frame) {
            Ok(WireMessage::Peer { sender, .. }) => s.remote = Some(sender),
            Ok(WireMessage::Sync { document, data, .. } | WireMessage::Request { document, data, .. }) => {
                if let Ok(m) = Message::decode(&data) {
                    let doc = self.docs.entry(document).or_insert_with(AutoCommit::new);
                    let _ = doc.sync().receive_sync_message(s.states.entry(document).or_default(), m);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// A sync message for every document it holds that the peer may lack.
    pub fn poll(&mut self, s: &mut Session) -> Vec<Vec<u8>> {
        let Some(remote) = s.remote.clone() else { return Vec::new() };
        let mut out = Vec::new();
        for (id, doc) in self.docs.iter_mut() {
            if let Some(m) = doc.sync().generate_sync_message(s.states.entry(*id).or_default()) {
                out.push(WireMessage::Sync { sender: s.me.clone(), target: remote.clone(), document: *id, data: m.encode() }.encode());
            }
        }
        out
    }
}
