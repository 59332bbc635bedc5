import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

/// 2026-03-02 09:00 UTC plus `minutes`.
func t(_ minutes: Double) -> Date { Date(timeIntervalSince1970: 1_772_442_000 + minutes * 60) }

class StoreTestCase: XCTestCase {
    var dir: URL!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: dir)
    }

    /// The at-rest key the tests' stores are opened with (the apps keep theirs in the Keychain).
    static let testKey = Data(repeating: 7, count: 32)

    func open(_ name: String, key: Data = StoreTestCase.testKey) throws -> PanelNotesStore {
        try PanelNotesStore(path: dir.appendingPathComponent("\(name).sqlite3").path, interviewerId: "\(name)@acme", displayName: name, key: key)
    }

    /// A candidate with an interview on the playbook led by the first panelist.
    func scheduled(_ s: PanelNotesStore, panel: [String]) async throws -> (String, String) {
        let c = try await s.createCandidate(name: "Dana", role: "Data engineer", appliedAt: t(0))
        let i = try await s.scheduleInterview(candidateId: c, start: t(48 * 60), panelists: panel, lead: panel[0])
        return (c, i)
    }

    func pump(_ a: SyncSession, _ b: SyncSession) throws {
        for _ in 0..<100 {
            let x = try a.poll()
            if !x.isEmpty { try b.receive(bytes: x) }
            let y = try b.poll()
            if !y.isEmpty { try a.receive(bytes: y) }
            if x.isEmpty && y.isEmpty { return }
        }
        XCTFail("the sessions did not settle")
    }

    /// Starts the interview's roster on `lead` and has `joiner`'s phone join its seat over
    /// the LAN on loopback, as a panelist does once in the room.
    @discardableResult
    func joinPanel(_ lead: PanelNotesStore, _ joiner: PanelNotesStore, _ interview: String, label: String = "Pixel 8") async throws -> SeatInvite {
        if try await lead.panelRoster(interviewId: interview) == nil {
            _ = try await lead.startPanel(interviewId: interview)
        }
        let seat = joiner.ffi.interviewerId()
        let invite = try await lead.inviteSeat(interviewId: interview, seat: seat)
        let server = try await lead.serveLan(address: "127.0.0.1:0")
        defer { server.stop() }
        let joined = try await joiner.joinViaLan(inviteUri: invite.uri, address: server.address(), label: label)
        XCTAssertEqual(joined, .welcomed(interviewId: interview, seat: seat))
        return invite
    }

    /// Syncs two members of the interview's rostered panel over an in-memory byte pipe.
    func sync(_ a: PanelNotesStore, _ b: PanelNotesStore, _ interview: String) throws {
        let sa = try a.ffi.startPanelSession(interviewId: interview)
        let sb = try b.ffi.acceptPanelSession()
        try pump(sa, sb)
        try sa.finish()
        try sb.finish()
    }

    /// Asserts that `body` throws an error `matches` accepts.
    func assertThrows(_ body: () async throws -> Void, _ matches: (Error) -> Bool, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await body()
            XCTFail("no error thrown", file: file, line: line)
        } catch {
            XCTAssertTrue(matches(error), "unexpected error \(error)", file: file, line: line)
        }
    }
}

extension StoreTestCase {
    /// Waits for `done`, checking every 10 ms; the limit only keeps a broken build from hanging.
    func until(_ what: String, seconds: Double = 30, _ done: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try await !done() {
            if Date() > deadline { return XCTFail("timed out waiting for \(what)") }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }
}
