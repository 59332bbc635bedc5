import Foundation
import PanelNotesFFI

// Sync: the LAN listener, and running a session over a platform byte pipe (a rostered
// panel's LAN syncs and sessions are in Trust.swift). Cancelling the Task that runs a session
// cancels it in the core.
extension PanelNotesStore {
    public func serveLan(address: String) async throws -> LanServer { try await call { try $0.serveLan(address: address) } }

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
