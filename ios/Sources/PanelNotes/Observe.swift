import Foundation
import PanelNotesFFI

// Observation as AsyncThrowingStreams. Each keeps only the newest undelivered state: a slow
// consumer skips intermediate states but always gets the latest one. A registration that
// fails finishes the stream with its error rather than ending it silently. Ending the
// iteration (or its Task) stops the listener in the core.

extension Array where Element == CandidateSummary {
    /// Applies a diff from the core to the list it was computed against.
    public func applying(_ diffs: [CandidateListDiff]) -> [CandidateSummary] {
        var out = self
        for d in diffs {
            switch d {
            case let .insert(index, value): out.insert(value, at: Int(index))
            case let .set(index, value): out[Int(index)] = value
            case let .remove(index): out.remove(at: Int(index))
            }
        }
        return out
    }
}

extension PanelNotesStore {
    /// The candidate list: the current one, then the list after every change.
    public func observeCandidates() -> AsyncThrowingStream<[CandidateSummary], Error> {
        AsyncThrowingStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            do {
                let handle = try ffi.observeCandidates(listener: ListRelay(continuation))
                continuation.onTermination = { _ in handle.stop() }
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    /// One interview with its notes: the current state, then every change.
    public func observeInterview(id: String) -> AsyncThrowingStream<InterviewUpdate, Error> {
        AsyncThrowingStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            do {
                let handle = try ffi.observeInterview(interviewId: id, listener: InterviewRelay(continuation))
                continuation.onTermination = { _ in handle.stop() }
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    /// One candidate's whole document: the current state, then every change.
    public func observeCandidate(id: String) -> AsyncThrowingStream<CandidateUpdate, Error> {
        AsyncThrowingStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            do {
                let handle = try ffi.observeCandidate(candidateId: id, listener: CandidateRelay(continuation))
                continuation.onTermination = { _ in handle.stop() }
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }
}

/// Rebuilds the list from the core's reset and diffs. The core delivers one update at a time
/// from its notifier thread; the lock makes that explicit rather than assumed.
private final class ListRelay: CandidateListListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<[CandidateSummary], Error>.Continuation
    private let lock = NSLock()
    private var list: [CandidateSummary] = []

    init(_ continuation: AsyncThrowingStream<[CandidateSummary], Error>.Continuation) {
        self.continuation = continuation
    }

    func onReset(candidates: [CandidateSummary]) {
        lock.lock(); defer { lock.unlock() }
        list = candidates
        continuation.yield(list)
    }

    func onDiff(diffs: [CandidateListDiff]) {
        lock.lock(); defer { lock.unlock() }
        list = list.applying(diffs)
        continuation.yield(list)
    }
}

private final class InterviewRelay: InterviewListener, Sendable {
    private let continuation: AsyncThrowingStream<InterviewUpdate, Error>.Continuation
    init(_ continuation: AsyncThrowingStream<InterviewUpdate, Error>.Continuation) { self.continuation = continuation }
    func onInterview(update: InterviewUpdate) { continuation.yield(update) }
}

private final class CandidateRelay: CandidateListener, Sendable {
    private let continuation: AsyncThrowingStream<CandidateUpdate, Error>.Continuation
    init(_ continuation: AsyncThrowingStream<CandidateUpdate, Error>.Continuation) { self.continuation = continuation }
    func onCandidate(update: CandidateUpdate) { continuation.yield(update) }
}
