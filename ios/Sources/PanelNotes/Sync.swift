import Foundation
import PanelNotesFFI

// Sync: LAN syncs on the core's threads, and sessions over a platform byte pipe. Cancelling
// the Task reaches the core: the LAN sync ends at its next read, the session is cancelled.
extension PanelNotesStore {
    /// Syncs an interview's panel with a member at `address`. Cancelling the Task ends it in
    /// the core and throws `CancellationError`.
    public func syncLan(address: String, interviewId: String) async throws -> SyncReport {
        let running = RunningSync()
        let ffi = self.ffi
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SyncReport, Error>) in
                let completion = Completion(continuation)
                do {
                    running.started(try ffi.syncLan(address: address, interviewId: interviewId, callback: completion))
                } catch {
                    completion.finish(.failure(error))
                }
            }
        } onCancel: {
            running.cancel()
        }
    }

    public func serveLan(address: String) async throws -> LanServer { try await call { try $0.serveLan(address: address) } }

    /// A session over a platform byte pipe where this side dials.
    public func startSession(interviewId: String) async throws -> SyncSession {
        try await call { try $0.startSession(interviewId: interviewId) }
    }

    /// A session over a platform byte pipe where the peer dials.
    public func acceptSession() -> SyncSession { ffi.acceptSession() }

    /// Runs `session` over a byte pipe: what `incoming` delivers goes in, what the core has to
    /// say goes to `send`, until `incoming` finishes; then the session finishes. If the Task is
    /// cancelled first, the session is cancelled in the core (it refuses any later bytes) and
    /// this throws `CancellationError`.
    public func runSession(_ session: SyncSession, incoming: AsyncStream<Data>,
                           send: @escaping @Sendable (Data) async throws -> Void) async throws {
        try await withTaskCancellationHandler {
            let first = try await call { _ in try session.poll() }
            if !first.isEmpty { try await send(first) }
            for await bytes in incoming {
                try Task.checkCancellation()
                let out = try await call { _ in
                    try session.receive(bytes: bytes)
                    return try session.poll()
                }
                if !out.isEmpty { try await send(out) }
            }
            try Task.checkCancellation()
            try await call { _ in try session.finish() }
        } onCancel: {
            session.cancel()
        }
    }
}

/// The LAN sync under way, for the cancellation handler, which may run before it started.
private final class RunningSync: @unchecked Sendable {
    private let lock = NSLock()
    private var task: LanSync?
    private var cancelled = false

    func started(_ task: LanSync) {
        lock.lock()
        self.task = task
        let cancel = cancelled
        lock.unlock()
        if cancel { task.cancel() }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = self.task
        lock.unlock()
        task?.cancel()
    }
}

/// Resumes the caller once, whichever of the core's callback or a failure to start comes.
private final class Completion: SyncCallback, @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<SyncReport, Error>?

    init(_ continuation: CheckedContinuation<SyncReport, Error>) { self.continuation = continuation }

    func finish(_ result: Result<SyncReport, Error>) {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(with: result)
    }

    func onDone(report: SyncReport) { finish(.success(report)) }

    func onError(error: PanelNotesError) {
        if case .Cancelled = error {
            finish(.failure(CancellationError()))
        } else {
            finish(.failure(error))
        }
    }
}
