import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

/// Ben's phone joins a panel through the standard automerge-repo relay (relay/server.mjs on
/// the host, see RelayTests), never on the lead's LAN: its request waits until Ana's device
/// syncs through the relay, which admits him; his next contact takes the welcome, and the
/// notes follow. A photo of the used code gets nothing.
final class RelayJoinTests: StoreTestCase {
    static let allTests = [
        ("testBenJoinsThroughTheRelayWithHisSeatCode", asyncTest(testBenJoinsThroughTheRelayWithHisSeatCode)),
    ]

    func relayURL() throws -> URL {
        let path = FileManager.default.currentDirectoryPath + "/relay-url"
        let text = try XCTUnwrap(try? String(contentsOfFile: path, encoding: .utf8), "scripts/test-swift writes the relay's address to \(path)")
        return try XCTUnwrap(URL(string: text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    func labels(_ store: PanelNotesStore, _ i: String) async throws -> [String] {
        let roster = try await store.panelRoster(interviewId: i)
        return (roster?.seats ?? []).flatMap { seat in seat.devices.map { $0.label } }
    }

    func testBenJoinsThroughTheRelayWithHisSeatCode() async throws {
        let url = try relayURL()
        let sockets = LoopbackWebSockets()
        let ana = try open("ana")
        let ben = try open("ben")
        let eve = try open("eve")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "Asked about on-call load")
        _ = try await ana.startPanel(interviewId: i)
        let code = try await ana.inviteSeat(interviewId: i, seat: "ben@acme").uri

        var result = try await ben.joinViaRelay(inviteUri: code, url: url, label: "Pixel 8", sockets: sockets)
        XCTAssertEqual(result, .pending)
        try await ana.syncViaRelay(url: url, sockets: sockets)
        let seen = try await labels(ana, i)
        XCTAssertTrue(seen.contains("Pixel 8"), "\(seen)")
        result = try await ben.joinViaRelay(inviteUri: code, url: url, label: "Pixel 8", sockets: sockets)
        XCTAssertEqual(result, .welcomed(interviewId: i, seat: "ben@acme"))
        try await ben.syncViaRelay(url: url, sockets: sockets)
        let notes = try await ben.notes(interviewId: i, stage: "learn")
        XCTAssertEqual(notes, "Asked about on-call load")

        // Eve's phone with a photo of the used code: posted, never answered.
        result = try await eve.joinViaRelay(inviteUri: code, url: url, label: "Eve's", sockets: sockets)
        XCTAssertEqual(result, .pending)
        try await ana.syncViaRelay(url: url, sockets: sockets)
        result = try await eve.joinViaRelay(inviteUri: code, url: url, label: "Eve's", sockets: sockets)
        XCTAssertEqual(result, .pending)
        let waiting = try await ana.joinRequests()
        XCTAssertTrue(waiting.isEmpty)
        let after = try await labels(ana, i)
        XCTAssertFalse(after.contains("Eve's"), "\(after)")
    }
}
