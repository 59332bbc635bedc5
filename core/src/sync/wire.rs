//! automerge-repo's wire messages: CBOR maps with text keys, exactly as the JS implementation
//! (`@automerge/automerge-repo` 2.x and its websocket adapter) writes them. Decoding goes
//! through a generic CBOR value so unknown fields are ignored, numbers may be floats, and
//! every malformed input is a typed error.

use ciborium::Value;

use super::SyncError;
use crate::ids::DocumentId;

/// The only protocol version automerge-repo defines.
pub const PROTOCOL_V1: &str = "1";

/// A frame larger than this is refused before it is decoded.
pub const MAX_FRAME: usize = 16 << 20;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// Stable per store: the key under which sync state with this peer is kept.
    pub storage_id: Option<String>,
    pub is_ephemeral: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireMessage {
    Join {
        sender: String,
        versions: Vec<String>,
        metadata: PeerMetadata,
    },
    Peer {
        sender: String,
        target: String,
        version: String,
        metadata: PeerMetadata,
    },
    Request {
        sender: String,
        target: String,
        document: DocumentId,
        data: Vec<u8>,
    },
    Sync {
        sender: String,
        target: String,
        document: DocumentId,
        data: Vec<u8>,
    },
    DocUnavailable {
        sender: String,
        target: String,
        document: DocumentId,
    },
    Ephemeral {
        sender: String,
        target: String,
        document: DocumentId,
        session: String,
        count: u64,
        data: Vec<u8>,
    },
    Error {
        sender: Option<String>,
        message: String,
    },
    Leave {
        sender: String,
    },
    /// A message type we do not act on (remote-heads-changed, remote-subscription-change, or
    /// one from a newer protocol); ignored, as automerge-repo ignores what it doesn't know.
    Other {
        kind: String,
    },
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn metadata_value(m: &PeerMetadata) -> Value {
    let mut fields = Vec::new();
    if let Some(s) = &m.storage_id {
        fields.push((text("storageId"), text(s)));
    }
    fields.push((text("isEphemeral"), Value::Bool(m.is_ephemeral)));
    Value::Map(fields)
}

impl WireMessage {
    pub fn encode(&self) -> Vec<u8> {
        let mut f: Vec<(Value, Value)> = Vec::new();
        let mut put = |k: &str, v: Value| f.push((text(k), v));
        match self {
            WireMessage::Join { sender, versions, metadata } => {
                put("type", text("join"));
                put("senderId", text(sender));
                put("peerMetadata", metadata_value(metadata));
                put("supportedProtocolVersions", Value::Array(versions.iter().map(|v| text(v)).collect()));
            }
            WireMessage::Peer { sender, target, version, metadata } => {
                put("type", text("peer"));
                put("senderId", text(sender));
                put("targetId", text(target));
                put("peerMetadata", metadata_value(metadata));
                put("selectedProtocolVersion", text(version));
            }
            WireMessage::Request { sender, target, document, data } | WireMessage::Sync { sender, target, document, data } => {
                let kind = if matches!(self, WireMessage::Request { .. }) { "request" } else { "sync" };
                put("type", text(kind));
                put("senderId", text(sender));
                put("targetId", text(target));
                put("documentId", text(&document.to_string()));
                put("data", Value::Bytes(data.clone()));
            }
            WireMessage::DocUnavailable { sender, target, document } => {
                put("type", text("doc-unavailable"));
                put("senderId", text(sender));
                put("targetId", text(target));
                put("documentId", text(&document.to_string()));
            }
            WireMessage::Ephemeral { sender, target, document, session, count, data } => {
                put("type", text("ephemeral"));
                put("senderId", text(sender));
                put("targetId", text(target));
                put("documentId", text(&document.to_string()));
                put("sessionId", text(session));
                put("count", Value::Integer((*count).into()));
                put("data", Value::Bytes(data.clone()));
            }
            WireMessage::Error { sender, message } => {
                put("type", text("error"));
                if let Some(s) = sender {
                    put("senderId", text(s));
                }
                put("message", text(message));
            }
            WireMessage::Leave { sender } => {
                put("type", text("leave"));
                put("senderId", text(sender));
            }
            WireMessage::Other { kind } => {
                put("type", text(kind));
            }
        }
        let mut out = Vec::new();
        ciborium::into_writer(&Value::Map(f), &mut out).expect("writing to a Vec cannot fail");
        out
    }

    pub fn decode(frame: &[u8]) -> Result<WireMessage, SyncError> {
        if frame.is_empty() {
            return Err(SyncError::Malformed("empty frame".into()));
        }
        if frame.len() > MAX_FRAME {
            return Err(SyncError::Oversized { size: frame.len(), max: MAX_FRAME });
        }
        // Count the items before a decoder builds one value each for them.
        super::guard::check_cbor(frame, &super::guard::Limits::default())
            .map_err(|e| SyncError::Malformed(format!("frame refused: {e}")))?;
        let mut reader = frame;
        let value: Value = ciborium::from_reader(&mut reader)
            .map_err(|e| SyncError::Malformed(format!("not CBOR: {e}")))?;
        if !reader.is_empty() {
            return Err(SyncError::Malformed(format!("{} bytes after the message", reader.len())));
        }
        let Value::Map(fields) = value else {
            return Err(SyncError::Malformed("a message is a CBOR map".into()));
        };
        let m = Fields(fields);
        let kind = m.text("type")?;
        Ok(match kind.as_str() {
            "join" => WireMessage::Join {
                sender: m.text("senderId")?,
                versions: m.texts("supportedProtocolVersions")?,
                metadata: m.metadata()?,
            },
            "peer" => WireMessage::Peer {
                sender: m.text("senderId")?,
                target: m.text("targetId")?,
                version: m.text("selectedProtocolVersion")?,
                metadata: m.metadata()?,
            },
            "request" => WireMessage::Request {
                sender: m.text("senderId")?,
                target: m.text("targetId")?,
                document: m.document()?,
                data: m.bytes("data")?,
            },
            "sync" => WireMessage::Sync {
                sender: m.text("senderId")?,
                target: m.text("targetId")?,
                document: m.document()?,
                data: m.bytes("data")?,
            },
            "doc-unavailable" => WireMessage::DocUnavailable {
                sender: m.text("senderId")?,
                target: m.text("targetId")?,
                document: m.document()?,
            },
            "ephemeral" => WireMessage::Ephemeral {
                sender: m.text("senderId")?,
                target: m.text("targetId")?,
                document: m.document()?,
                session: m.text("sessionId")?,
                count: m.count("count")?,
                data: m.bytes("data")?,
            },
            "error" => WireMessage::Error {
                sender: m.opt_text("senderId")?,
                message: m.opt_text("message")?.unwrap_or_default(),
            },
            "leave" => WireMessage::Leave { sender: m.text("senderId")? },
            _ => WireMessage::Other { kind },
        })
    }
}

struct Fields(Vec<(Value, Value)>);

impl Fields {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(k, _)| matches!(k, Value::Text(t) if t == key))
            .map(|(_, v)| v)
    }

    fn opt_text(&self, key: &str) -> Result<Option<String>, SyncError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Text(t)) if t.len() <= 4096 => Ok(Some(t.clone())),
            Some(_) => Err(SyncError::Malformed(format!("{key} must be a short text"))),
        }
    }

    fn text(&self, key: &str) -> Result<String, SyncError> {
        self.opt_text(key)?
            .ok_or_else(|| SyncError::Malformed(format!("{key} is missing")))
    }

    fn texts(&self, key: &str) -> Result<Vec<String>, SyncError> {
        match self.get(key) {
            Some(Value::Array(items)) if items.len() <= 64 => items
                .iter()
                .map(|v| match v {
                    Value::Text(t) if t.len() <= 64 => Ok(t.clone()),
                    _ => Err(SyncError::Malformed(format!("{key} must hold short texts"))),
                })
                .collect(),
            _ => Err(SyncError::Malformed(format!("{key} must be a list of texts"))),
        }
    }

    fn bytes(&self, key: &str) -> Result<Vec<u8>, SyncError> {
        match self.get(key) {
            Some(Value::Bytes(b)) => Ok(b.clone()),
            // cbor-x may tag a Uint8Array (RFC 8746, tag 64).
            Some(Value::Tag(64, inner)) => match inner.as_ref() {
                Value::Bytes(b) => Ok(b.clone()),
                _ => Err(SyncError::Malformed(format!("{key} must be bytes"))),
            },
            _ => Err(SyncError::Malformed(format!("{key} must be bytes"))),
        }
    }

    /// JS numbers may arrive as floats.
    fn count(&self, key: &str) -> Result<u64, SyncError> {
        match self.get(key) {
            Some(Value::Integer(i)) => u64::try_from(i128::from(*i))
                .map_err(|_| SyncError::Malformed(format!("{key} must be a non-negative integer"))),
            Some(Value::Float(f)) if f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15 => Ok(*f as u64),
            _ => Err(SyncError::Malformed(format!("{key} must be a non-negative integer"))),
        }
    }

    fn document(&self) -> Result<DocumentId, SyncError> {
        self.text("documentId")?
            .parse()
            .map_err(|_| SyncError::Malformed("documentId is not a document id".into()))
    }

    fn metadata(&self) -> Result<PeerMetadata, SyncError> {
        match self.get("peerMetadata") {
            None | Some(Value::Null) => Ok(PeerMetadata::default()),
            Some(Value::Map(m)) => {
                let m = Fields(m.clone());
                Ok(PeerMetadata {
                    storage_id: m.opt_text("storageId")?,
                    is_ephemeral: matches!(m.get("isEphemeral"), Some(Value::Bool(true))),
                })
            }
            Some(_) => Err(SyncError::Malformed("peerMetadata must be a map".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<WireMessage> {
        let d = DocumentId::random();
        let (s, t) = ("peer-a".to_string(), "peer-b".to_string());
        vec![
            WireMessage::Join {
                sender: s.clone(),
                versions: vec!["1".into()],
                metadata: PeerMetadata { storage_id: Some("st".into()), is_ephemeral: false },
            },
            WireMessage::Peer { sender: s.clone(), target: t.clone(), version: "1".into(), metadata: PeerMetadata::default() },
            WireMessage::Request { sender: s.clone(), target: t.clone(), document: d, data: vec![1, 2, 3] },
            WireMessage::Sync { sender: s.clone(), target: t.clone(), document: d, data: vec![] },
            WireMessage::DocUnavailable { sender: s.clone(), target: t.clone(), document: d },
            WireMessage::Ephemeral { sender: s.clone(), target: t.clone(), document: d, session: "x".into(), count: 7, data: vec![9] },
            WireMessage::Error { sender: Some(s.clone()), message: "nope".into() },
            WireMessage::Leave { sender: s },
        ]
    }

    #[test]
    fn every_message_round_trips() {
        for m in all() {
            assert_eq!(WireMessage::decode(&m.encode()).unwrap(), m);
        }
    }

    #[test]
    fn js_shapes_decode_floats_tags_and_unknown_fields() {
        let d = DocumentId::random();
        let v = Value::Map(vec![
            (text("type"), text("ephemeral")),
            (text("senderId"), text("a")),
            (text("targetId"), text("b")),
            (text("documentId"), text(&d.to_string())),
            (text("sessionId"), text("s")),
            (text("count"), Value::Float(3.0)),
            (text("data"), Value::Tag(64, Box::new(Value::Bytes(vec![1])))),
            (text("somethingNew"), Value::Array(vec![])),
        ]);
        let mut bytes = Vec::new();
        ciborium::into_writer(&v, &mut bytes).unwrap();
        match WireMessage::decode(&bytes).unwrap() {
            WireMessage::Ephemeral { count: 3, data, .. } => assert_eq!(data, [1]),
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn damaged_frames_are_typed_errors() {
        let good = all()[2].encode();
        assert!(matches!(WireMessage::decode(&[]), Err(SyncError::Malformed(_))));
        for cut in 1..good.len() {
            assert!(WireMessage::decode(&good[..cut]).is_err(), "truncated at {cut}");
        }
        let mut extra = good.clone();
        extra.push(0);
        assert!(WireMessage::decode(&extra).is_err());
        assert!(matches!(
            WireMessage::decode(&vec![0u8; MAX_FRAME + 1]),
            Err(SyncError::Oversized { .. })
        ));
        let mut not_map = Vec::new();
        ciborium::into_writer(&Value::Array(vec![]), &mut not_map).unwrap();
        assert!(WireMessage::decode(&not_map).is_err());
        // Deep nesting must not overflow the stack.
        let deep: Vec<u8> = std::iter::repeat_n(0x81u8, 100_000).chain([0x00]).collect();
        assert!(WireMessage::decode(&deep).is_err());
    }
}
