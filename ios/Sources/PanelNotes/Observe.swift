import Foundation
import PanelNotesFFI

// Observation as AsyncThrowingStreams. Each keeps only the newest undelivered state: a slow
// consumer skips intermediate states but always gets the latest one. The list carries whole
// lists, so the latest says everything. An interview or candidate update also says what
// changed since the previous one: an update that would replace one the consumer has not taken
// is merged with it instead, so the update a slow consumer gets says everything that changed
// since the last one it took. A registration that fails finishes the stream with its error
// rather than ending it silently. Ending the iteration (or its Task) stops the listener in
// the core.

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

extension InterviewUpdate {
    /// The newer state, with the changes of both: what one update says when it stands for
    /// this one and a newer one.
    public func merged(with newer: InterviewUpdate) -> InterviewUpdate {
        var stages = changedStages
        for s in newer.changedStages where !stages.contains(s) { stages.append(s) }
        return InterviewUpdate(interview: newer.interview, remote: remote || newer.remote,
                               first: first || newer.first, changedStages: stages)
    }
}

extension CandidateUpdate {
    public func merged(with newer: CandidateUpdate) -> CandidateUpdate {
        CandidateUpdate(candidate: newer.candidate, remote: remote || newer.remote, first: first || newer.first)
    }
}

/// Yields into a stream that buffers the newest element only, merging instead of replacing:
/// when an element is dropped unseen, the merge of it and the new one is yielded again (it
/// replaces the new one, or follows it if the consumer took that in between; either way
/// nothing the dropped one said is lost). The core delivers one update at a time; the lock
/// makes that explicit rather than assumed.
final class MergingYield<T: Sendable>: @unchecked Sendable {
    private let continuation: AsyncThrowingStream<T, Error>.Continuation
    private let merge: @Sendable (T, T) -> T
    private let lock = NSLock()

    init(_ continuation: AsyncThrowingStream<T, Error>.Continuation, merge: @escaping @Sendable (T, T) -> T) {
        self.continuation = continuation
        self.merge = merge
    }

    func yield(_ value: T) {
        lock.lock(); defer { lock.unlock() }
        if case let .dropped(older) = continuation.yield(value) {
            continuation.yield(merge(older, value))
        }
    }
}

private final class InterviewRelay: InterviewListener, Sendable {
    private let out: MergingYield<InterviewUpdate>
    init(_ continuation: AsyncThrowingStream<InterviewUpdate, Error>.Continuation) {
        out = MergingYield(continuation) { $0.merged(with: $1) }
    }
    func onInterview(update: InterviewUpdate) { out.yield(update) }
}

private final class CandidateRelay: CandidateListener, Sendable {
    private let out: MergingYield<CandidateUpdate>
    init(_ continuation: AsyncThrowingStream<CandidateUpdate, Error>.Continuation) {
        out = MergingYield(continuation) { $0.merged(with: $1) }
    }
    func onCandidate(update: CandidateUpdate) { out.yield(update) }
}
