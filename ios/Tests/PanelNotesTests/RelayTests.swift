import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

/// Two rostered phones sync through the standard automerge-repo relay (relay/server.mjs on
/// Node, unmodified), over a minimal WebSocket client (LoopbackWebSocket.swift). The tests run
/// in a chroot without Node, so scripts/test-swift starts the relay on the host and writes its
/// address to `relay-url` in the working directory.
final class RelayTests: StoreTestCase {
    static let allTests = [
        ("testTwoPhonesSyncThroughTheRelay", asyncTest(testTwoPhonesSyncThroughTheRelay)),
        ("testKeptInSyncEditsGoBothWaysUntilCancelled", asyncTest(testKeptInSyncEditsGoBothWaysUntilCancelled)),
    ]

    func relayURL() throws -> URL {
        let path = FileManager.default.currentDirectoryPath + "/relay-url"
        let text = try XCTUnwrap(try? String(contentsOfFile: path, encoding: .utf8), "scripts/test-swift writes the relay's address to \(path)")
        return try XCTUnwrap(URL(string: text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Ana leads the panel; Ben's phone joins it over the LAN once, in the room.
    func panel(_ ana: PanelNotesStore, _ ben: PanelNotesStore) async throws -> String {
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "Ran Spark on 200 nodes 🚀")
        try await joinPanel(ana, ben, i)
        return i
    }

    /// Waits until the notes contain `text`, woken by each change the store reports.
    func waitForNotes(_ store: PanelNotesStore, _ i: String, _ text: String) async throws {
        for try await _ in store.observeInterview(id: i) {
            if try await store.notes(interviewId: i, stage: "learn").contains(text) { return }
        }
        XCTFail("the observation ended before the notes arrived")
    }

    func testTwoPhonesSyncThroughTheRelay() async throws {
        let url = try relayURL()
        let ana = try open("ana")
        let ben = try open("ben")
        let i = try await panel(ana, ben)
        let panels = try await ana.call { try $0.relayPanels() }
        XCTAssertEqual(panels, [i])
        try await ana.syncViaRelay(url: url, sockets: LoopbackWebSockets())

        var seen: [RelayStatus] = []
        for try await status in ben.relaySync(url: url, sockets: LoopbackWebSockets()) {
            seen.append(status)
        }
        XCTAssertTrue(seen.contains(.syncing), "\(seen)")
        XCTAssertEqual(seen.last, .idle, "in sync, then the socket closed: \(seen)")
        XCTAssertTrue(seen.contains(.inSync), "\(seen)")
        let notes = try await ben.notes(interviewId: i, stage: "learn")
        XCTAssertEqual(notes, "Ran Spark on 200 nodes 🚀")
    }

    func testKeptInSyncEditsGoBothWaysUntilCancelled() async throws {
        let url = try relayURL()
        let ana = try open("ana")
        let ben = try open("ben")
        let i = try await panel(ana, ben)
        // Once each first, so Ben's phone has the interview before it observes it.
        try await ana.syncViaRelay(url: url, sockets: LoopbackWebSockets())
        try await ben.syncViaRelay(url: url, sockets: LoopbackWebSockets())
        let anaSync = Task {
            for try await _ in ana.relaySync(url: url, sockets: LoopbackWebSockets(), keepInSync: true, debounceMs: 100) {}
        }
        let benSync = Task {
            for try await _ in ben.relaySync(url: url, sockets: LoopbackWebSockets(), keepInSync: true, debounceMs: 100) {}
        }
        try await waitForNotes(ben, i, "Ran Spark")

        // Nothing is called on the syncs: the core sends each edit on its own.
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "Ana: ")
        try await ana.flush()
        try await waitForNotes(ben, i, "Ana: Ran Spark")
        try await ben.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "Ben: ")
        try await ben.flush()
        try await waitForNotes(ana, i, "Ben: Ana: Ran Spark")

        anaSync.cancel()
        benSync.cancel()
        _ = await anaSync.result
        _ = await benSync.result
    }
}
