import Foundation
import PanelNotesFFI

/// The Panel Notes store for Swift. Every call is `async` and runs the core on a background
/// queue, so no caller (the main actor above all) blocks on SQLite or a merge; observation is
/// an `AsyncThrowingStream` that keeps the latest state and surfaces errors (Observe.swift);
/// LAN syncs and byte-pipe sessions end in the core when their `Task` is cancelled
/// (Sync.swift). Text positions are UTF-16 code units, as `String.utf16` counts them. Bad
/// input, a negative position included, is a thrown `PanelNotesError`, never a trap.
///
/// The features live in extension files: Candidates.swift, Interviews.swift, Observe.swift,
/// Sync.swift.
public final class PanelNotesStore: Sendable {
    /// The generated bindings, for tests and for what a newer core adds before this layer.
    public let ffi: PanelNotes
    private let queue: DispatchQueue

    /// Opens the store with the app's 32-byte at-rest `key` (kept in the Keychain, this
    /// device only). A wrong key throws `PanelNotesError.WrongKey`; a store of the other form
    /// throws `PanelNotesError.EncryptionMismatch`: never an empty store.
    public init(path: String, interviewerId: String, displayName: String, key: Data,
                queue: DispatchQueue = .global(qos: .userInitiated)) throws {
        ffi = try PanelNotes.open(path: path, interviewerId: interviewerId, displayName: displayName, key: key)
        self.queue = queue
    }

    /// Opens the store off the caller's thread.
    public static func open(path: String, interviewerId: String, displayName: String, key: Data,
                            queue: DispatchQueue = .global(qos: .userInitiated)) async throws -> PanelNotesStore {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    try PanelNotesStore(path: path, interviewerId: interviewerId, displayName: displayName, key: key, queue: queue)
                })
            }
        }
    }

    /// Re-wraps the store's keys under the app's new at-rest key; afterwards only it opens
    /// the store.
    public func rotateKey(_ newKey: Data) async throws {
        try await call { try $0.rotateKey(newKey: newKey) }
    }

    /// Runs `body` against the generated API on the store's queue.
    public func call<T: Sendable>(_ body: @escaping @Sendable (PanelNotes) throws -> T) async throws -> T {
        let ffi = self.ffi
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(ffi) }) }
        }
    }

    public func identity() async throws -> Identity { try await call { $0.identity() } }

    public func setIdentity(interviewerId: String, displayName: String) async throws {
        try await call { try $0.setIdentity(interviewerId: interviewerId, displayName: displayName) }
    }

    public func rotateActor() async throws { try await call { try $0.rotateActor() } }

    public func now() async throws -> Date { try await call { $0.now() } }

    public func resolveId(_ prefix: String) async throws -> String { try await call { try $0.resolveId(text: prefix) } }

    /// Folds pending keystrokes and checkpoints: call it when the app goes to background.
    public func flush() async throws { try await call { try $0.flush() } }

    public func verify() async throws -> UInt64 { try await call { try $0.verify() } }

    public func exportMarkdown(candidateId: String) async throws -> String {
        try await call { try $0.exportMarkdown(candidateId: candidateId) }
    }

    /// Who the store at `path` was last opened for, without opening it; nil when there is none.
    public static func storedIdentity(path: String) async throws -> Identity? {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try PanelNotesFFI.storedIdentity(path: path) })
            }
        }
    }

    public func hasDocument(id: String) async throws -> Bool { try await call { try $0.hasDocument(documentId: id) } }

    public func preload(documentId: String) async throws { try await call { try $0.preload(documentId: documentId) } }

    public func unload(documentId: String) async throws { try await call { try $0.unload(documentId: documentId) } }

    /// The interview as soon as its view is read from the index (the core's async function:
    /// no queue waits for it); its document then decodes on a core thread, and keystrokes typed
    /// meanwhile are kept.
    public func openInterview(id: String) async throws -> Interview {
        try await ffi.openInterview(interviewId: id)
    }

    /// Whether the document is decoded, so an edit does not wait for a load.
    public func isDecoded(documentId: String) async throws -> Bool {
        try await call { try $0.isDecoded(documentId: documentId) }
    }

    public func problems(documentId: String? = nil) async throws -> [Problem] {
        try await call { try $0.problems(documentId: documentId) }
    }

    public func dropInvalid(documentId: String, path: String) async throws {
        try await call { try $0.dropInvalid(documentId: documentId, path: path) }
    }

    public func quarantined() async throws -> [QuarantinedDocument] { try await call { try $0.quarantined() } }
}
