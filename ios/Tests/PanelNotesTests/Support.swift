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

    func sync(_ a: PanelNotesStore, _ b: PanelNotesStore, _ interview: String) throws {
        let sa = try a.ffi.startSession(interviewId: interview)
        let sb = b.ffi.acceptSession()
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
