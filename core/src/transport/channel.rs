//! An encrypted, authenticated byte stream. Two handshakes:
//! - v1 (`PNL1`), for panels from before rosters: Noise NNpsk0 keyed by the panel secret;
//! - v2 (`PNL2`), for rostered panels: Noise XXpsk3 with each device's X25519 key as its
//!   static key and the epoch's pre-shared key, the prologue naming the protocol version.
//!   Each side learns the other's static key, which the caller checks against the roster
//!   before a single application frame is taken or sent.
//!
//! A peer without the key fails the handshake before an application byte flows; a flipped,
//! replayed or reordered record fails its authentication and closes the session. Sans-IO:
//! bytes in, frames out.
//!
//! On the wire: the initiator opens with the magic and a public tag (which panel and epoch,
//! useless without the key), then every Noise message goes as a 2-byte big-endian length and
//! the message. Inside the encrypted stream, application frames are a 4-byte big-endian
//! length and the frame.

use snow::{HandshakeState, TransportState};

use crate::trust::panel::tag_of;
use super::TransportError;
use crate::sync::wire::MAX_FRAME;

const PATTERN: &str = "Noise_NNpsk0_25519_ChaChaPoly_SHA256";
const MAGIC: &[u8; 4] = b"PNL1";
const PATTERN_V2: &str = "Noise_XXpsk3_25519_ChaChaPoly_SHA256";
const MAGIC_V2: &[u8; 4] = b"PNL2";
const PROLOGUE_V2: &[u8] = b"panelnotes sync v2";
const NOISE_MAX: usize = 65535;
const TAG_LEN: usize = 16;
const CHUNK: usize = NOISE_MAX - TAG_LEN;

enum State {
    /// Responder waiting for the opening (magic, tag, first handshake message).
    AwaitingHello,
    Handshaking(Box<HandshakeState>),
    Established(Box<TransportState>),
    Failed,
}

pub struct SecureChannel {
    state: State,
    inbuf: Vec<u8>,
    plain: Vec<u8>,
    /// Frames sent before the handshake finished.
    queued: Vec<Vec<u8>>,
    out: Vec<u8>,
    tag: Option<[u8; 8]>,
    /// This device's X25519 key, for v2 handshakes.
    local_static: Option<zeroize::Zeroizing<[u8; 32]>>,
    /// The peer's static key (v2), once the handshake revealed it.
    remote_static: Option<[u8; 32]>,
    version: u8,
}

fn builder(secret: &[u8; 32]) -> Result<snow::Builder<'_>, TransportError> {
    let params = PATTERN.parse().expect("a valid Noise pattern");
    snow::Builder::new(params)
        .psk(0, secret)
        .map_err(|e| TransportError::Malformed(e.to_string()))
}

fn builder_v2<'a>(local: &'a [u8; 32], psk: &'a [u8; 32]) -> Result<snow::Builder<'a>, TransportError> {
    let params = PATTERN_V2.parse().expect("a valid Noise pattern");
    let malformed = |e: snow::Error| TransportError::Malformed(e.to_string());
    snow::Builder::new(params)
        .local_private_key(local)
        .map_err(malformed)?
        .psk(3, psk)
        .map_err(malformed)?
        .prologue(PROLOGUE_V2)
        .map_err(malformed)
}

impl SecureChannel {
    /// The dialling side of a v2 session: this device's X25519 secret, the epoch's pre-shared
    /// key and the tag that tells the responder which panel and epoch.
    pub(crate) fn initiator_v2(local: zeroize::Zeroizing<[u8; 32]>, psk: &[u8; 32], tag: [u8; 8]) -> Result<SecureChannel, TransportError> {
        let hs = builder_v2(&local, psk)?.build_initiator().map_err(|e| TransportError::Malformed(e.to_string()))?;
        Self::opening(hs, MAGIC_V2, tag, Some(local), 2)
    }

    /// The dialler's first bytes: magic, tag, and the first handshake message.
    fn opening(mut hs: HandshakeState, magic: &[u8; 4], tag: [u8; 8], local: Option<zeroize::Zeroizing<[u8; 32]>>, version: u8) -> Result<SecureChannel, TransportError> {
        let mut msg = vec![0u8; NOISE_MAX];
        let n = hs.write_message(&[], &mut msg).map_err(|e| TransportError::Malformed(e.to_string()))?;
        let mut out = Vec::with_capacity(16 + n);
        out.extend_from_slice(magic);
        out.extend_from_slice(&tag);
        out.extend_from_slice(&(n as u16).to_be_bytes());
        out.extend_from_slice(&msg[..n]);
        Ok(SecureChannel {
            state: State::Handshaking(Box::new(hs)),
            inbuf: Vec::new(),
            plain: Vec::new(),
            queued: Vec::new(),
            out,
            tag: Some(tag),
            local_static: local,
            remote_static: None,
            version,
        })
    }

    /// The accepting side, able to answer v1 and, with this device's X25519 secret, v2.
    pub(crate) fn responder_with_device(local: zeroize::Zeroizing<[u8; 32]>) -> SecureChannel {
        SecureChannel { local_static: Some(local), ..SecureChannel::responder() }
    }

    /// The peer's static key (v2 sessions), once the handshake is done.
    pub fn remote_static(&self) -> Option<[u8; 32]> {
        self.remote_static
    }

    /// 1 or 2: which handshake the session used (known to the responder after the hello).
    pub fn version(&self) -> u8 {
        self.version
    }

    pub fn initiator(secret: &[u8; 32]) -> Result<SecureChannel, TransportError> {
        let hs = builder(secret)?.build_initiator().map_err(|e| TransportError::Malformed(e.to_string()))?;
        Self::opening(hs, MAGIC, tag_of(secret), None, 1)
    }

    pub fn responder() -> SecureChannel {
        SecureChannel {
            state: State::AwaitingHello,
            inbuf: Vec::new(),
            plain: Vec::new(),
            queued: Vec::new(),
            out: Vec::new(),
            tag: None,
            local_static: None,
            remote_static: None,
            version: 0,
        }
    }

    pub fn is_established(&self) -> bool {
        matches!(self.state, State::Established(_))
    }

    /// The panel tag the initiator presented (responder side), once known.
    pub fn tag(&self) -> Option<[u8; 8]> {
        self.tag
    }

    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    fn fail(&mut self, e: TransportError) -> TransportError {
        self.state = State::Failed;
        self.inbuf.clear();
        self.plain.clear();
        self.queued.clear();
        e
    }

    /// Queues an application frame (held back until the handshake completes).
    pub fn send_frame(&mut self, frame: &[u8]) -> Result<(), TransportError> {
        if frame.len() > MAX_FRAME {
            return Err(TransportError::FrameTooLarge { size: frame.len(), max: MAX_FRAME });
        }
        match &mut self.state {
            State::Failed => Err(TransportError::Closed),
            State::Established(t) => {
                let mut plain = Vec::with_capacity(4 + frame.len());
                plain.extend_from_slice(&(frame.len() as u32).to_be_bytes());
                plain.extend_from_slice(frame);
                let mut msg = vec![0u8; NOISE_MAX];
                for chunk in plain.chunks(CHUNK) {
                    let n = t
                        .write_message(chunk, &mut msg)
                        .map_err(|e| TransportError::Malformed(e.to_string()))?;
                    self.out.extend_from_slice(&(n as u16).to_be_bytes());
                    self.out.extend_from_slice(&msg[..n]);
                }
                Ok(())
            }
            _ => {
                self.queued.push(frame.to_vec());
                Ok(())
            }
        }
    }

    /// Feeds received bytes (any split). Returns the application frames completed by them.
    /// `secret_for` maps a panel tag to its secret (responder side).
    pub fn receive(
        &mut self,
        bytes: &[u8],
        secret_for: impl Fn(&[u8; 8]) -> Option<[u8; 32]>,
    ) -> Result<Vec<Vec<u8>>, TransportError> {
        if matches!(self.state, State::Failed) {
            return Err(TransportError::Closed);
        }
        self.inbuf.extend_from_slice(bytes);
        if self.inbuf.len() > 2 * NOISE_MAX + 16 {
            return Err(self.fail(TransportError::Malformed("unframed data".into())));
        }
        let mut frames = Vec::new();
        loop {
            if matches!(self.state, State::AwaitingHello) {
                if self.inbuf.len() < 12 {
                    return Ok(frames);
                }
                let version = match &self.inbuf[..4] {
                    m if m == MAGIC => 1,
                    m if m == MAGIC_V2 && self.local_static.is_some() => 2,
                    _ => return Err(self.fail(TransportError::Malformed("not a Panel Notes peer".into()))),
                };
                let tag: [u8; 8] = self.inbuf[4..12].try_into().expect("8 bytes");
                let Some(secret) = secret_for(&tag) else {
                    return Err(self.fail(TransportError::UnknownPanel));
                };
                let built = match (version, &self.local_static) {
                    (2, Some(local)) => builder_v2(local, &secret),
                    _ => builder(&secret),
                };
                let hs = built
                    .and_then(|b| b.build_responder().map_err(|e| TransportError::Malformed(e.to_string())))
                    .map_err(|e| self.fail(e))?;
                self.version = version;
                self.tag = Some(tag);
                self.inbuf.drain(..12);
                self.state = State::Handshaking(Box::new(hs));
            }
            // One length-prefixed Noise message.
            if self.inbuf.len() < 2 {
                return Ok(frames);
            }
            let n = u16::from_be_bytes([self.inbuf[0], self.inbuf[1]]) as usize;
            if self.inbuf.len() < 2 + n {
                return Ok(frames);
            }
            let msg: Vec<u8> = self.inbuf.drain(..2 + n).skip(2).collect();
            let mut payload = vec![0u8; NOISE_MAX];
            match std::mem::replace(&mut self.state, State::Failed) {
                State::Handshaking(mut hs) => {
                    if hs.read_message(&msg, &mut payload).is_err() {
                        return Err(self.fail(TransportError::Handshake));
                    }
                    // NNpsk0 ends with the responder's reply; XXpsk3 with the initiator's third
                    // message: write whenever it is our turn.
                    if !hs.is_handshake_finished() && hs.is_my_turn() {
                        let mut reply = vec![0u8; NOISE_MAX];
                        let m = hs
                            .write_message(&[], &mut reply)
                            .map_err(|e| self.fail(TransportError::Malformed(e.to_string())))?;
                        self.out.extend_from_slice(&(m as u16).to_be_bytes());
                        self.out.extend_from_slice(&reply[..m]);
                    }
                    if !hs.is_handshake_finished() {
                        self.state = State::Handshaking(hs);
                        continue;
                    }
                    self.remote_static = hs.get_remote_static().and_then(|k| k.try_into().ok());
                    let t = hs
                        .into_transport_mode()
                        .map_err(|e| self.fail(TransportError::Malformed(e.to_string())))?;
                    self.state = State::Established(Box::new(t));
                    for f in std::mem::take(&mut self.queued) {
                        self.send_frame(&f)?;
                    }
                }
                State::Established(mut t) => {
                    let k = match t.read_message(&msg, &mut payload) {
                        Ok(k) => k,
                        Err(_) => return Err(self.fail(TransportError::Tampered)),
                    };
                    self.state = State::Established(t);
                    self.plain.extend_from_slice(&payload[..k]);
                    while self.plain.len() >= 4 {
                        let len = u32::from_be_bytes(self.plain[..4].try_into().expect("4 bytes")) as usize;
                        if len > MAX_FRAME {
                            return Err(self.fail(TransportError::FrameTooLarge { size: len, max: MAX_FRAME }));
                        }
                        if self.plain.len() < 4 + len {
                            break;
                        }
                        frames.push(self.plain.drain(..4 + len).skip(4).collect());
                    }
                }
                State::AwaitingHello | State::Failed => unreachable!("handled above"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(secret_a: [u8; 32], secret_b: [u8; 32]) -> (SecureChannel, SecureChannel, Result<(), TransportError>) {
        let mut a = SecureChannel::initiator(&secret_a).unwrap();
        let mut b = SecureChannel::responder();
        let tag_b = tag_of(&secret_b);
        let lookup = move |t: &[u8; 8]| (*t == tag_b).then_some(secret_b);
        let r = (|| {
            b.receive(&a.take_output(), lookup)?;
            a.receive(&b.take_output(), |_| None)?;
            Ok(())
        })();
        (a, b, r)
    }

    #[test]
    fn frames_cross_in_any_split_and_size() {
        let s: [u8; 32] = rand::random();
        let (mut a, mut b, r) = pair(s, s);
        r.unwrap();
        assert!(a.is_established() && b.is_established());
        let big: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
        a.send_frame(b"hello").unwrap();
        a.send_frame(&big).unwrap();
        a.send_frame(&[]).unwrap();
        let wire = a.take_output();
        let mut got = Vec::new();
        for piece in wire.chunks(777) {
            got.extend(b.receive(piece, |_| None).unwrap());
        }
        assert_eq!(got, vec![b"hello".to_vec(), big, vec![]]);
    }

    #[test]
    fn the_wrong_secret_fails_the_handshake() {
        let s: [u8; 32] = rand::random();
        let mut other = s;
        other[0] ^= 1;
        // Same tag (the responder thinks it knows the panel) but another secret.
        let mut a = SecureChannel::initiator(&other).unwrap();
        let mut b = SecureChannel::responder();
        let mut hello = a.take_output();
        hello[4..12].copy_from_slice(&tag_of(&s));
        assert!(matches!(b.receive(&hello, |_| Some(s)), Err(TransportError::Handshake)));
        assert!(b.take_output().is_empty(), "the responder sends nothing to a peer without the secret");
        // An unknown tag.
        let (_, _, r) = pair(other, s);
        assert!(matches!(r, Err(TransportError::UnknownPanel)));
    }

    fn device(n: u8) -> crate::keys::DeviceKeys {
        crate::keys::DeviceKeys::from_secret(&[n; crate::keys::STORED_LEN])
    }

    /// A v2 handshake between two devices; the responder knows `psk_b` under `tag`.
    fn pair_v2(psk_a: [u8; 32], psk_b: [u8; 32]) -> (SecureChannel, SecureChannel, Result<(), TransportError>) {
        let (da, db) = (device(1), device(2));
        let mut a = SecureChannel::initiator_v2(da.agreement_secret(), &psk_a, [5; 8]).unwrap();
        let mut b = SecureChannel::responder_with_device(db.agreement_secret());
        let lookup = move |t: &[u8; 8]| (*t == [5; 8]).then_some(psk_b);
        let r = (|| {
            b.receive(&a.take_output(), lookup)?;
            a.receive(&b.take_output(), |_| None)?;
            b.receive(&a.take_output(), lookup)?;
            Ok(())
        })();
        (a, b, r)
    }

    #[test]
    fn v2_sessions_authenticate_both_devices_and_need_the_epoch_key() {
        let psk: [u8; 32] = rand::random();
        let (mut a, mut b, r) = pair_v2(psk, psk);
        r.unwrap();
        assert!(a.is_established() && b.is_established());
        assert_eq!((a.version(), b.version()), (2, 2));
        assert_eq!(a.remote_static(), Some(device(2).public().agreement));
        assert_eq!(b.remote_static(), Some(device(1).public().agreement));
        a.send_frame(b"mailbox").unwrap();
        assert_eq!(b.receive(&a.take_output(), |_| None).unwrap(), vec![b"mailbox".to_vec()]);
        b.send_frame(b"back").unwrap();
        assert_eq!(a.receive(&b.take_output(), |_| None).unwrap(), vec![b"back".to_vec()]);

        // Another epoch's key: the responder refuses the initiator's last message.
        let mut other = psk;
        other[0] ^= 1;
        let (a, b, r) = pair_v2(other, psk);
        assert!(matches!(r, Err(TransportError::Handshake)), "{r:?}");
        assert!(!a.is_established() || !b.is_established());
        assert_eq!(b.remote_static(), None);
        // A responder with no device key does not speak v2.
        let mut a = SecureChannel::initiator_v2(device(1).agreement_secret(), &psk, [5; 8]).unwrap();
        let mut old = SecureChannel::responder();
        assert!(matches!(old.receive(&a.take_output(), |_| Some(psk)), Err(TransportError::Malformed(_))));
    }

    #[test]
    fn flipped_and_replayed_records_close_the_session() {
        let s: [u8; 32] = rand::random();
        let (mut a, mut b, r) = pair(s, s);
        r.unwrap();
        a.send_frame(b"one").unwrap();
        let first = a.take_output();
        a.send_frame(b"two").unwrap();
        let mut second = a.take_output();
        assert_eq!(b.receive(&first, |_| None).unwrap(), vec![b"one".to_vec()]);
        // Replay.
        assert!(matches!(b.receive(&first, |_| None), Err(TransportError::Tampered)));
        assert!(matches!(b.receive(&second, |_| None), Err(TransportError::Closed)));
        // Flip.
        let (mut a, mut b, r) = pair(s, s);
        r.unwrap();
        a.send_frame(b"two").unwrap();
        second = a.take_output();
        second[5] ^= 0x10;
        assert!(matches!(b.receive(&second, |_| None), Err(TransportError::Tampered)));
    }
}
