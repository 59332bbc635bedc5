import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

final class PanelNotesTests: XCTestCase {
    var dir: URL!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: dir)
    }

    func open(_ name: String) throws -> PanelNotesStore {
        try PanelNotesStore(path: dir.appendingPathComponent("\(name).sqlite3").path, interviewerId: "\(name)@acme", displayName: name)
    }

    func interview(_ s: PanelNotesStore, panel: [String]) throws -> (String, String) {
        let c = try s.ffi.createCandidate(name: "Dana", role: "Data engineer", source: nil, contact: nil, appliedAt: Date(timeIntervalSince1970: 1_772_442_000))
        let i = try s.ffi.scheduleInterview(candidateId: c, template: nil, start: Date(timeIntervalSince1970: 1_772_614_800), panelists: panel, lead: panel[0])
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

    func testNotesWithEmojiAndCjkAtUtf16Positions() async throws {
        let ana = try open("ana")
        let (_, i) = try interview(ana, panel: ["ana@acme"])
        var expected = "Spark 🚀 at scale"
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: expected)
        let at = "Spark 🚀".utf16.count // 8: the rocket is two UTF-16 units
        try await ana.splice(interviewId: i, stage: "learn", position: at, delete: 0, text: " 分布式计算")
        expected = "Spark 🚀 分布式计算 at scale"
        let got = try await ana.notes(interviewId: i, stage: "learn")
        XCTAssertEqual(got, expected)
        // Delete the rocket and the space before it (3 UTF-16 units).
        try await ana.splice(interviewId: i, stage: "learn", position: "Spark".utf16.count, delete: 3, text: "")
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "👩🏽‍💻 ")
        let final = try await ana.notes(interviewId: i, stage: "learn")
        XCTAssertEqual(final, "👩🏽‍💻 Spark 分布式计算 at scale")
        XCTAssertEqual(try ana.ffi.interview(interviewId: i).notes.first { $0.stage == "learn" }?.text, final)
    }

    func testTwoStoresSyncThroughTheBytePipeWithASalaryConflictSurfacedAndResolved() throws {
        let ana = try open("ana")
        let ben = try open("ben")
        let (c, i) = try interview(ana, panel: ["ana@acme", "ben@acme"])
        XCTAssertEqual(try ben.ffi.joinPanel(invite: try ana.ffi.panelInvite(interviewId: i)), i)
        try sync(ana, ben, i)
        XCTAssertEqual(try ben.ffi.candidates().map(\.name), ["Dana"])

        try ana.ffi.setLogistics(candidateId: c, update: LogisticsUpdate(salary: .range(min: 90_000, max: 100_000, currency: "EUR")))
        try ben.ffi.setLogistics(candidateId: c, update: LogisticsUpdate(salary: .range(min: 95_000, max: 110_000, currency: "EUR")))
        try sync(ana, ben, i)
        for s in [ana, ben] {
            let conflicts = try s.ffi.conflicts(documentId: nil)
            XCTAssertEqual(conflicts.count, 1)
            XCTAssertEqual(conflicts[0].field, "logistics.salary")
            XCTAssertEqual(Set(conflicts[0].values.compactMap(\.author)), ["ana@acme", "ben@acme"])
        }
        let values = try ana.ffi.conflicts(documentId: c)[0].values
        let pick = values.firstIndex { $0.author == "ben@acme" }!
        try ana.ffi.resolveConflict(documentId: c, field: "logistics.salary", pick: UInt32(pick))
        try sync(ana, ben, i)
        for s in [ana, ben] {
            XCTAssertTrue(try s.ffi.conflicts(documentId: nil).isEmpty)
            XCTAssertEqual(try s.ffi.logistics(candidateId: c).salary, .range(min: 95_000, max: 110_000, currency: "EUR"))
        }
    }

    func testListenerUpdatesArriveOnABackgroundThreadAndStopWhenTheHandleIsDropped() async throws {
        let ana = try open("ana")
        final class Recorder: CandidateListListener, @unchecked Sendable {
            let lock = NSLock()
            var sizes: [Int] = []
            var onMain: [Bool] = []
            func onCandidates(candidates: [CandidateSummary]) {
                lock.lock(); defer { lock.unlock() }
                sizes.append(candidates.count)
                onMain.append(Thread.isMainThread)
            }
            var snapshot: ([Int], [Bool]) { lock.lock(); defer { lock.unlock() }; return (sizes, onMain) }
        }
        let recorder = Recorder()
        var handle: ObserverHandle? = try ana.ffi.observeCandidates(listener: recorder)
        let writer = Thread { _ = try? ana.ffi.createCandidate(name: "Eli", role: "SRE", source: nil, contact: nil, appliedAt: Date()) }
        writer.start()
        for _ in 0..<200 where recorder.snapshot.0.count < 2 { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertEqual(recorder.snapshot.0, [0, 1], "the current state, then the change")
        XCTAssertEqual(recorder.snapshot.1.last, false, "delivered on the writer's background thread")
        XCTAssertNotNil(handle)
        handle = nil // dropping the handle stops the listener
        _ = try ana.ffi.createCandidate(name: "Fay", role: "SRE", source: nil, contact: nil, appliedAt: Date())
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertEqual(recorder.snapshot.0, [0, 1])

        // The AsyncStream form: the current list first, then the change.
        var iterator = ana.candidates().makeAsyncIterator()
        let first = await iterator.next()
        XCTAssertEqual(first?.count, 2)
        _ = try await ana.call { try $0.createCandidate(name: "Gus", role: "SRE", source: nil, contact: nil, appliedAt: Date()) }
        let second = await iterator.next()
        XCTAssertEqual(second?.count, 3)
    }

    func testBadInputIsATypedErrorNotACrash() throws {
        let ana = try open("ana")
        let (_, i) = try interview(ana, panel: ["ana@acme"])
        XCTAssertThrowsError(try ana.ffi.timeline(candidateId: "2ewLZfLrpFhJVJhpJEAYjVsQ6Qn")) { error in
            guard case PanelNotesError.NotFound = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try ana.ffi.notes(interviewId: "not-an-id", stage: "learn")) { error in
            guard case PanelNotesError.NotFound = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try ana.ffi.spliceNotes(interviewId: i, stage: "learn", position: 5, delete: 0, text: "x")) { error in
            guard case let PanelNotesError.OutOfRange(position, length) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(position, 5)
            XCTAssertEqual(length, 0)
        }
        XCTAssertThrowsError(try ana.ffi.joinPanel(invite: "https://example.org")) { error in
            guard case PanelNotesError.InvalidArgument = error else { return XCTFail("\(error)") }
        }
        let session = ana.ffi.acceptSession()
        XCTAssertThrowsError(try session.receive(bytes: Data((0..<64).map { UInt8(($0 * 7) & 0xff) })))
        XCTAssertThrowsError(try session.receive(bytes: Data("PNL1".utf8)))
        XCTAssertEqual(try ana.ffi.candidates().count, 1)
    }

    func testScorecardsStaySealedUntilYourOwnIsSubmitted() throws {
        let ana = try open("ana")
        let ben = try open("ben")
        let (_, i) = try interview(ana, panel: ["ana@acme", "ben@acme"])
        _ = try ben.ffi.joinPanel(invite: try ana.ffi.panelInvite(interviewId: i))
        try sync(ana, ben, i)
        try ana.ffi.endInterview(interviewId: i, at: Date(timeIntervalSince1970: 1_772_617_620))
        let card = ScorecardDraft(technicalDepth: 4, reactionToChallenge: 3, businessUnderstanding: 3, questionQuality: 4, recommendation: .strongYes, comments: "sharp")
        try ana.ffi.saveScorecardDraft(interviewId: i, draft: card)
        try ana.ffi.submitScorecard(interviewId: i, at: Date(timeIntervalSince1970: 1_772_618_400))
        try sync(ana, ben, i)
        guard case let .sealed(submittedBy, panelSize) = try ben.ffi.scorecards(interviewId: i) else {
            return XCTFail("Ben must not see Ana's scorecard before submitting his own")
        }
        XCTAssertEqual(submittedBy, ["ana@acme"])
        XCTAssertEqual(panelSize, 2)
        var mine = card
        mine.recommendation = .no
        try ben.ffi.saveScorecardDraft(interviewId: i, draft: mine)
        try ben.ffi.submitScorecard(interviewId: i, at: Date(timeIntervalSince1970: 1_772_622_000))
        guard case let .visible(cards) = try ben.ffi.scorecards(interviewId: i) else { return XCTFail("still sealed") }
        XCTAssertEqual(Set(cards.map(\.interviewer)), ["ana@acme", "ben@acme"])
        XCTAssertEqual(cards.first { $0.interviewer == "ana@acme" }?.recommendation, .strongYes)
    }

    func testThePlaybookIsBuiltInAndTeamsAddTemplates() throws {
        let ana = try open("ana")
        let playbook = try ana.ffi.templates()
        XCTAssertEqual(playbook.count, 1)
        XCTAssertEqual(playbook[0].stages.map(\.key), ["pitch", "learn", "questions", "logistics", "next_steps"])
        XCTAssertEqual(playbook[0].stages.reduce(0) { $0 + $1.minutes }, 45)
        _ = try ana.ffi.createTemplate(name: "Phone screen", stages: [
            Stage(key: "intro", title: "Intro", minutes: 5, guidance: "", prompts: []),
            Stage(key: "dig", title: "Experience", minutes: 20, guidance: "", prompts: []),
        ])
        XCTAssertEqual(try ana.ffi.templates().map(\.name), ["Playbook (45 min)", "Phone screen"])
        let c = try ana.ffi.createCandidate(name: "Eli", role: "SRE", source: nil, contact: nil, appliedAt: Date())
        let i = try ana.ffi.scheduleInterview(candidateId: c, template: "Phone screen", start: Date(), panelists: ["ana@acme"], lead: "ana@acme")
        XCTAssertEqual(try ana.ffi.interview(interviewId: i).minutes, 25)
        XCTAssertThrowsError(try ana.ffi.createTemplate(name: "Phone screen", stages: [])) { error in
            guard case PanelNotesError.InvalidArgument = error else { return XCTFail("\(error)") }
        }
    }

    static let allTests = [
        ("testNotesWithEmojiAndCjkAtUtf16Positions", asyncTest(testNotesWithEmojiAndCjkAtUtf16Positions)),
        ("testTwoStoresSyncThroughTheBytePipeWithASalaryConflictSurfacedAndResolved", testTwoStoresSyncThroughTheBytePipeWithASalaryConflictSurfacedAndResolved),
        ("testListenerUpdatesArriveOnABackgroundThreadAndStopWhenTheHandleIsDropped", asyncTest(testListenerUpdatesArriveOnABackgroundThreadAndStopWhenTheHandleIsDropped)),
        ("testBadInputIsATypedErrorNotACrash", testBadInputIsATypedErrorNotACrash),
        ("testScorecardsStaySealedUntilYourOwnIsSubmitted", testScorecardsStaySealedUntilYourOwnIsSubmitted),
        ("testThePlaybookIsBuiltInAndTeamsAddTemplates", testThePlaybookIsBuiltInAndTeamsAddTemplates),
    ]
}
