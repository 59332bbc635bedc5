import Foundation
import PanelNotesFFI

/// The Panel Notes store for Swift: async functions that run the core off the caller's
/// thread, `AsyncStream`s for observation (the current state first, then every change), and
/// text positions as Swift's `String.utf16` counts them.
///
/// The generated bindings stay reachable as `ffi` for anything this layer does not wrap.
public final class PanelNotesStore: Sendable {
    public let ffi: PanelNotes

    public init(path: String, interviewerId: String, displayName: String) throws {
        ffi = try PanelNotes.open(path: path, interviewerId: interviewerId, displayName: displayName)
    }

    /// Runs `body` against the generated API on a background queue.
    public func call<T: Sendable>(_ body: @escaping @Sendable (PanelNotes) throws -> T) async throws -> T {
        let ffi = self.ffi
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try body(ffi) })
            }
        }
    }

    public func notes(interviewId: String, stage: String) async throws -> String {
        try await call { try $0.notes(interviewId: interviewId, stage: stage) }
    }

    /// Replaces `delete` UTF-16 units at `position` with `text`; durable when it returns.
    public func splice(interviewId: String, stage: String, position: Int, delete: Int, text: String) async throws {
        precondition(position >= 0 && delete >= 0, "positions are non-negative")
        try await call {
            try $0.spliceNotes(interviewId: interviewId, stage: stage, position: UInt64(position), delete: UInt64(delete), text: text)
        }
    }

    /// The candidate list: now, then after every change (local or from a peer).
    public func candidates() -> AsyncStream<[CandidateSummary]> {
        AsyncStream { continuation in
            let listener = ListListener { continuation.yield($0) }
            do {
                let handle = try ffi.observeCandidates(listener: listener)
                continuation.onTermination = { _ in handle.stop() }
            } catch {
                continuation.finish()
            }
        }
    }

    /// One interview with its notes: now, then after every change.
    public func interview(id: String) -> AsyncStream<Interview> {
        AsyncStream { continuation in
            let listener = InterviewListener { continuation.yield($0) }
            do {
                let handle = try ffi.observeDocument(documentId: id, listener: listener)
                continuation.onTermination = { _ in handle.stop() }
            } catch {
                continuation.finish()
            }
        }
    }

    /// Syncs a panel with a member on the LAN; the work runs on the core's thread.
    public func syncLan(address: String, interviewId: String) async throws -> SyncReport {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try ffi.syncLan(address: address, interviewId: interviewId, callback: Completion(continuation))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

private final class ListListener: CandidateListListener, @unchecked Sendable {
    let yield: ([CandidateSummary]) -> Void
    init(_ yield: @escaping ([CandidateSummary]) -> Void) { self.yield = yield }
    func onCandidates(candidates: [CandidateSummary]) { yield(candidates) }
}

private final class InterviewListener: DocumentListener, @unchecked Sendable {
    let yield: (Interview) -> Void
    init(_ yield: @escaping (Interview) -> Void) { self.yield = yield }
    func onInterview(interview: Interview, remote: Bool) { yield(interview) }
    func onCandidate(candidateId: String, remote: Bool) {}
}

private final class Completion: SyncCallback, @unchecked Sendable {
    let continuation: CheckedContinuation<SyncReport, Error>
    init(_ continuation: CheckedContinuation<SyncReport, Error>) { self.continuation = continuation }
    func onDone(report: SyncReport) { continuation.resume(returning: report) }
    func onError(error: PanelNotesError) { continuation.resume(throwing: error) }
}
