import Foundation
import PanelNotesFFI

// Trust: an interview's panel (its signed roster), seat invites, joining, the lead's queue of
// join requests, and syncing a rostered panel's sealed mailboxes. Panels are named by their
// interview's id. Reasons are codes (JoinRefusalReason, EnvelopeRejection) for the app to word.
extension PanelNotesStore {
    /// Starts the panel of an interview this install leads, or returns the one already started.
    public func startPanel(interviewId: String, deputy: String? = nil) async throws -> PanelRoster {
        try await call { try $0.startPanel(interviewId: interviewId, deputy: deputy) }
    }

    /// The interview's panel, or nil when this install neither leads nor joined it.
    public func panelRoster(interviewId: String) async throws -> PanelRoster? {
        try await call { try $0.panelRoster(interviewId: interviewId) }
    }

    /// An invite to `seat` (admitted without asking once scanned, if the seat is free), or with
    /// no seat one the lead decides on. It lasts until `expiresAt`, by default the end of the
    /// interview's day. Show `uri` as a QR code.
    public func inviteSeat(interviewId: String, seat: String?, expiresAt: Date? = nil) async throws -> SeatInvite {
        try await call { try $0.inviteSeat(interviewId: interviewId, seat: seat, expiresAt: expiresAt) }
    }

    /// Join requests waiting for this device's decision, oldest first.
    public func joinRequests() async throws -> [JoinRequest] { try await call { try $0.joinRequests() } }

    /// Admits a waiting request to a free seat; the joining phone is welcomed when it asks again.
    public func admitJoinRequest(id: Int64, seat: String) async throws {
        try await call { try $0.admitJoinRequest(requestId: id, seat: seat) }
    }

    public func refuseJoinRequest(id: Int64) async throws { try await call { try $0.refuseJoinRequest(requestId: id) } }

    /// Removes a device by fingerprint and starts a new epoch sealed from it; returns the roster.
    public func removeDevice(interviewId: String, fingerprint: String) async throws -> PanelRoster {
        try await call { try $0.removeDevice(interviewId: interviewId, fingerprint: fingerprint) }
    }

    public func thisDeviceFingerprint() async throws -> String { try await call { $0.thisDeviceFingerprint() } }

    /// Envelopes from the panel's peers that were refused (device, reason code, time), newest first.
    public func envelopeProblems(interviewId: String) async throws -> [EnvelopeProblem] {
        try await call { try $0.envelopeProblems(interviewId: interviewId) }
    }

    public func heldEnvelopes(interviewId: String) async throws -> UInt64 {
        try await call { try $0.heldEnvelopes(interviewId: interviewId) }
    }

    /// Joins a panel from a scanned invite by dialling the lead's phone at `address`. One
    /// request and one answer, bounded by the core's LAN timeout; cancelling the Task stops
    /// waiting for the answer and throws `CancellationError` (the core finishes the short
    /// exchange on its own thread).
    public func joinViaLan(inviteUri: String, address: String, label: String) async throws -> JoinResult {
        let once = Once<JoinResult>()
        let ffi = self.ffi
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<JoinResult, Error>) in
                once.set(continuation)
                do {
                    try ffi.joinViaLan(inviteUri: inviteUri, address: address, label: label, callback: JoinAnswer(once))
                } catch {
                    once.finish(.failure(error))
                }
            }
        } onCancel: {
            once.finish(.failure(CancellationError()))
        }
    }

    /// Syncs the interview's rostered panel with a member at `address`. Cancelling the Task
    /// ends it in the core and throws `CancellationError`.
    public func syncPanelLan(address: String, interviewId: String) async throws -> SyncReport {
        let once = Once<SyncReport>()
        let running = PanelSyncHandle()
        let ffi = self.ffi
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SyncReport, Error>) in
                once.set(continuation)
                do {
                    running.started(try ffi.syncPanelLan(address: address, interviewId: interviewId, callback: PanelSyncAnswer(once)))
                } catch {
                    once.finish(.failure(error))
                }
            }
        } onCancel: {
            running.cancel()
        }
    }

    /// A session over a platform byte pipe with a member of the rostered panel (this side
    /// dials); run it with `runSession`.
    public func startPanelSession(interviewId: String) async throws -> SyncSession {
        try await call { try $0.startPanelSession(interviewId: interviewId) }
    }

    /// A session over a platform byte pipe where the peer dials: a panel member, or a phone
    /// joining with one of this device's invites (`joinDecision()` then says what became of it).
    public func acceptPanelSession() async throws -> SyncSession { try await call { try $0.acceptPanelSession() } }

    /// A join session over a platform byte pipe (this side dials); `joinResult()` says how it ended.
    public func startJoinSession(inviteUri: String, label: String) async throws -> SyncSession {
        try await call { try $0.startJoinSession(inviteUri: inviteUri, label: label) }
    }
}

/// Resumes the caller once, whichever comes first: the core's answer, a failure to start, or
/// the Task's cancellation (which may come before the continuation exists).
private final class Once<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?
    private var early: Result<T, Error>?
    private var done = false

    func set(_ c: CheckedContinuation<T, Error>) {
        lock.lock()
        if let result = early {
            early = nil
            lock.unlock()
            c.resume(with: result)
            return
        }
        continuation = c
        lock.unlock()
    }

    func finish(_ result: Result<T, Error>) {
        lock.lock()
        if done {
            lock.unlock()
            return
        }
        done = true
        guard let c = continuation else {
            early = result
            lock.unlock()
            return
        }
        continuation = nil
        lock.unlock()
        c.resume(with: result)
    }
}

private final class JoinAnswer: JoinCallback, @unchecked Sendable {
    private let once: Once<JoinResult>
    init(_ once: Once<JoinResult>) { self.once = once }
    func onDone(result: JoinResult) { once.finish(.success(result)) }
    func onError(error: PanelNotesError) { once.finish(.failure(error)) }
}

private final class PanelSyncAnswer: SyncCallback, @unchecked Sendable {
    private let once: Once<SyncReport>
    init(_ once: Once<SyncReport>) { self.once = once }
    func onDone(report: SyncReport) { once.finish(.success(report)) }

    func onError(error: PanelNotesError) {
        if case .Cancelled = error {
            once.finish(.failure(CancellationError()))
        } else {
            once.finish(.failure(error))
        }
    }
}

/// The rostered LAN sync under way, for the cancellation handler, which may run before it
/// started.
private final class PanelSyncHandle: @unchecked Sendable {
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
