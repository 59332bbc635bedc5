import Foundation
import PanelNotesFFI

// The relay on phones: the app's WebSocket (URLSessionWebSocketTask on iOS) carries each
// rostered panel's relay session, one socket per panel (the core presents a storage id per
// panel). The core seals and syncs; this layer moves binary frames, reports the socket's
// life, and turns the sessions' statuses into an AsyncThrowingStream.

/// One open WebSocket, as a relay session needs it.
public protocol RelaySocket: Sendable {
    /// Sends one binary message.
    func send(_ frame: Data) async throws
    func close()
}

/// Opens WebSockets: each whole binary message goes to `onMessage`, the end to `onClosed`.
public protocol RelaySockets: Sendable {
    func open(url: URL, onMessage: @escaping @Sendable (Data) -> Void,
              onClosed: @escaping @Sendable ((any Error)?) -> Void) async throws -> any RelaySocket
}

/// The relay failed for one panel; `reason` is the core's typed reason.
public struct RelaySyncError: Error, Equatable {
    public let interviewId: String
    public let reason: RelayFailure
}

/// Each panel's latest status, folded into one for the whole sync.
private actor StatusBoard {
    private var panels: [String: RelayStatus] = [:]

    func report(_ interviewId: String, _ status: RelayStatus) -> RelayStatus {
        panels[interviewId] = status
        let all = Array(panels.values)
        if let failed = all.first(where: { if case .failed = $0 { return true } else { return false } }) { return failed }
        if all.contains(.connecting) { return .connecting }
        if all.contains(.syncing) { return .syncing }
        return all.contains(.inSync) ? .inSync : .idle
    }
}

extension PanelNotesStore {
    /// Syncs every rostered panel of this device through the relay at `url` (wss:// in
    /// production), yielding the whole sync's status as it changes. Once: the stream finishes
    /// when every panel is in sync. `keepInSync`: stays connected, local changes go out within
    /// `debounceMs` and remote ones arrive, until the consumer stops iterating (which cancels
    /// the sessions in the core). A failure ends the stream with `RelaySyncError`.
    public func relaySync(url: URL, sockets: any RelaySockets, keepInSync: Bool = false,
                          debounceMs: UInt64 = 1500) -> AsyncThrowingStream<RelayStatus, any Error> {
        AsyncThrowingStream { continuation in
            let board = StatusBoard()
            let task = Task {
                do {
                    let interviews = try await self.call { try $0.relayPanels() }
                    // On a lead's device, the join boxes of its open seat codes too (phones
                    // that join through the relay). Once: before the panels, so a device
                    // admitted now gets the roster with the panel's sync. Kept in sync: beside
                    // them, answering as requests arrive.
                    let answers = try await self.call { try $0.startJoinAnswerSessions() }
                    if !keepInSync {
                        for (n, session) in answers.enumerated() {
                            try await self.runRelaySession("join \(n + 1)", session, url: url, sockets: sockets, keepInSync: false) { status in
                                continuation.yield(await board.report("join \(n + 1)", status))
                            }
                        }
                    }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        if keepInSync {
                            for (n, session) in answers.enumerated() {
                                group.addTask {
                                    try await self.runRelaySession("join \(n + 1)", session, url: url, sockets: sockets, keepInSync: true) { status in
                                        continuation.yield(await board.report("join \(n + 1)", status))
                                    }
                                }
                            }
                        }
                        for interviewId in interviews {
                            group.addTask {
                                try await self.runRelayPanel(interviewId, url: url, sockets: sockets, keepInSync: keepInSync,
                                                             debounceMs: debounceMs) { status in
                                    continuation.yield(await board.report(interviewId, status))
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Syncs every rostered panel through the relay once; see `relaySync`.
    public func syncViaRelay(url: URL, sockets: any RelaySockets) async throws {
        for try await _ in relaySync(url: url, sockets: sockets) {}
    }

    private func runRelayPanel(_ interviewId: String, url: URL, sockets: any RelaySockets, keepInSync: Bool,
                               debounceMs: UInt64, report: @escaping @Sendable (RelayStatus) async -> Void) async throws {
        let session = try await call { try $0.startRelaySession(interviewId: interviewId, keepInSync: keepInSync, debounceMs: debounceMs) }
        try await runRelaySession(interviewId, session, url: url, sockets: sockets, keepInSync: keepInSync, report: report)
    }

    /// Joins a panel through the relay at `url` with a scanned seat code, away from the lead's
    /// phone: posts the join request (once, however often this runs) and returns `.welcomed`
    /// once the lead's device has answered it (it does when it next syncs through the relay),
    /// `.pending` until then: call again later. Once welcomed, the panel syncs with
    /// `syncViaRelay`.
    public func joinViaRelay(inviteUri: String, url: URL, label: String, sockets: any RelaySockets) async throws -> JoinResult {
        let session = try await call { try $0.startRelayJoinSession(inviteUri: inviteUri, label: label) }
        try await runRelaySession("join", session, url: url, sockets: sockets, keepInSync: false) { _ in }
        return try await call { try $0.relayJoinResult(session: session) }
    }

    private func runRelaySession(_ interviewId: String, _ session: RelaySession, url: URL, sockets: any RelaySockets, keepInSync: Bool,
                                 report: @escaping @Sendable (RelayStatus) async -> Void) async throws {
        defer {
            session.disconnected()
        }
        try await withTaskCancellationHandler {
            try session.connecting()
            await report(session.status())
            let socket = try await sockets.open(url: url, onMessage: { frame in
                // A hostile frame fails the session; its status says why and ends the loop.
                try? session.receive(frame: frame)
            }, onClosed: { _ in session.disconnected() })
            defer { socket.close() }
            try session.connected()
            while true {
                try Task.checkCancellation()
                // Blocks a thread of the store's queue for at most a second; a cancel wakes it.
                let frame = try await call { _ in try session.nextOutgoing(timeoutMs: 1000) }
                if let frame { try await socket.send(frame) }
                let status = session.status()
                await report(status)
                switch status {
                case .failed(let reason): throw RelaySyncError(interviewId: interviewId, reason: reason)
                case .idle where frame == nil: throw RelaySyncError(interviewId: interviewId, reason: .connectionLost)
                case .inSync where !keepInSync: return
                default: continue
                }
            }
        } onCancel: {
            session.cancel()
        }
        await report(.idle)
    }
}
