import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

final class PanelNotesTests: StoreTestCase {
    func testNotesWithEmojiAndCjkAtUtf16Positions() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme"])
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "Spark 🚀 at scale")
        let at = "Spark 🚀".utf16.count // 8: the rocket is two UTF-16 units
        try await ana.splice(interviewId: i, stage: "learn", position: at, delete: 0, text: " 分布式计算")
        let got = try await ana.notes(interviewId: i, stage: "learn")
        XCTAssertEqual(got, "Spark 🚀 分布式计算 at scale")
        try await ana.splice(interviewId: i, stage: "learn", position: "Spark".utf16.count, delete: 3, text: "")
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "👩🏽‍💻 ")
        let final = try await ana.notes(interviewId: i, stage: "learn")
        XCTAssertEqual(final, "👩🏽‍💻 Spark 分布式计算 at scale")
        let view = try await ana.interview(id: i)
        XCTAssertEqual(view.notes.first { $0.stage == "learn" }?.text, final)
        // A negative position is a thrown error, not a trap.
        await assertThrows({ try await ana.splice(interviewId: i, stage: "learn", position: -1, delete: 0, text: "x") }) {
            if case PanelNotesError.InvalidArgument = $0 { return true } else { return false }
        }
        await assertThrows({ try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: -2, text: "") }) {
            if case PanelNotesError.InvalidArgument = $0 { return true } else { return false }
        }
    }

    func testTheInterviewCarriesStageStartsSubmissionsAndTheWholeCandidate() async throws {
        let ana = try open("ana")
        let (c, i) = try await scheduled(ana, panel: ["ana@acme"])
        try await ana.startStage(interviewId: i, stage: "pitch", at: t(48 * 60))
        let next = try await ana.advanceStage(interviewId: i, at: t(48 * 60 + 5))
        XCTAssertEqual(next, "learn")
        try await ana.endInterview(interviewId: i, at: t(48 * 60 + 44))
        try await ana.reopenInterview(interviewId: i)
        let reopened = try await ana.interview(id: i)
        XCTAssertNil(reopened.endedAt)
        try await ana.endInterview(interviewId: i, at: t(48 * 60 + 45))
        try await ana.saveScorecardDraft(interviewId: i, ScorecardDraft(ratings: Ratings(technicalDepth: 4, reactionToChallenge: 3, businessUnderstanding: 3, questionQuality: 4), recommendation: .yes, comments: "solid"))
        try await ana.submitScorecard(interviewId: i, at: t(48 * 60 + 50))
        let view = try await ana.openInterview(id: i)
        XCTAssertEqual(view.stageStarts.map(\.stage), ["pitch", "learn"])
        XCTAssertEqual(view.stageStarts[1].at, t(48 * 60 + 5))
        XCTAssertEqual(view.submitted.map(\.interviewer), ["ana@acme"])

        try await ana.setLogistics(candidateId: c, update: LogisticsUpdate(riskTolerance: .cautious, riskNotes: "wants a runway"))
        try await ana.setLogistics(candidateId: c, update: LogisticsUpdate(startDate: "2026-05-01", noticePeriodDays: 30), saidAt: t(48 * 60 + 40))
        let l = try await ana.logistics(candidateId: c)
        XCTAssertEqual(l.riskNotes, "wants a runway")
        XCTAssertEqual(l.startDate, "2026-05-01")
        await assertThrows({ try await ana.setLogistics(candidateId: c, update: LogisticsUpdate(startDate: "May 1st")) }) {
            if case PanelNotesError.InvalidDate = $0 { return true } else { return false }
        }
        try await ana.recordEvent(candidateId: c, kind: .debriefBooked, at: t(48 * 60 + 60))
        try await ana.recordEvent(candidateId: c, kind: .debriefHeld, at: t(48 * 60 + 90))
        let before = try await ana.candidateSummary(id: c)
        XCTAssertEqual(before.nextAction, .recordDecision)
        try await ana.decide(candidateId: c, outcome: .hire, at: t(48 * 60 + 95), reason: "strong panel")
        let after = try await ana.candidateList()
        XCTAssertEqual(after.first?.nextAction, .makeOffer)
        let kinds = try await ana.timeline(candidateId: c).entries.map(\.kind)
        XCTAssertTrue(kinds.contains(.decided(.hire)))
        XCTAssertTrue(kinds.contains(.candidate(.applied)))
        let here = try await ana.hasDocument(id: i)
        XCTAssertTrue(here)
        let stored = try await PanelNotesStore.storedIdentity(path: dir.appendingPathComponent("ana.sqlite3").path)
        XCTAssertEqual(stored?.interviewerId, "ana@acme")
        let none = try await PanelNotesStore.storedIdentity(path: dir.appendingPathComponent("nobody.sqlite3").path)
        XCTAssertNil(none)
    }

    func testAConflictIsResolvedByTokenAndAStaleTokenIsRefused() async throws {
        let ana = try open("ana")
        let ben = try open("ben")
        let (c, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        try await joinPanel(ana, ben, i)
        try sync(ana, ben, i)
        try await ana.setLogistics(candidateId: c, update: LogisticsUpdate(salary: .range(min: 90_000, max: 100_000, currency: "EUR")))
        try await ben.setLogistics(candidateId: c, update: LogisticsUpdate(salary: .range(min: 95_000, max: 110_000, currency: "EUR")))
        try sync(ana, ben, i)
        for s in [ana, ben] {
            let conflicts = try await s.conflicts()
            XCTAssertEqual(conflicts.map(\.field), ["logistics.salary"])
            XCTAssertEqual(Set(conflicts[0].values.compactMap(\.author)), ["ana@acme", "ben@acme"])
        }
        let values = try await ana.conflicts(documentId: c)[0].values
        try await ana.resolveConflict(documentId: c, field: "logistics.salary", token: values.first { $0.author == "ben@acme" }!.token)
        let bens = try await ben.conflicts(documentId: c)[0].values
        try sync(ana, ben, i)
        await assertThrows({ try await ben.resolveConflict(documentId: c, field: "logistics.salary", token: bens.first { $0.author == "ana@acme" }!.token) }) {
            if case PanelNotesError.ConflictChanged = $0 { return true } else { return false }
        }
        for s in [ana, ben] {
            let left = try await s.conflicts()
            XCTAssertTrue(left.isEmpty)
            let salary = try await s.logistics(candidateId: c).salary
            XCTAssertEqual(salary, .range(min: 95_000, max: 110_000, currency: "EUR"))
        }
    }

    func testBadInputIsATypedErrorNotACrash() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme"])
        await assertThrows({ _ = try await ana.timeline(candidateId: "2ewLZfLrpFhJVJhpJEAYjVsQ6Qn") }) {
            if case PanelNotesError.NotFound = $0 { return true } else { return false }
        }
        await assertThrows({ _ = try await ana.notes(interviewId: "not-an-id", stage: "learn") }) {
            if case PanelNotesError.NotFound = $0 { return true } else { return false }
        }
        await assertThrows({ try await ana.splice(interviewId: i, stage: "learn", position: 5, delete: 0, text: "x") }) {
            if case let PanelNotesError.OutOfRange(position, length) = $0 { return position == 5 && length == 0 } else { return false }
        }
        await assertThrows({ _ = try await ana.joinViaLan(inviteUri: "https://example.org", address: "127.0.0.1:9", label: "Pixel 8") }) {
            if case PanelNotesError.InvalidArgument = $0 { return true } else { return false }
        }
        await assertThrows({ _ = try await ana.scheduleInterview(candidateId: i, start: t(0), panelists: ["ana@acme"], lead: "ana@acme", minutes: -5) }) {
            if case PanelNotesError.InvalidArgument = $0 { return true } else { return false }
        }
        let count = try await ana.candidateList().count
        XCTAssertEqual(count, 1)
    }

    func testGarbageToAnOpenSessionIsATypedErrorAndClosesIt() async throws {
        let ana = try open("ana")
        let ben = try open("ben")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        try await joinPanel(ana, ben, i)
        // A working session: a genuine opening is accepted by a fresh one.
        try ben.ffi.acceptPanelSession().receive(bytes: try ana.ffi.startPanelSession(interviewId: i).poll())
        // A fresh, open session given garbage: a typed error, the store unchanged.
        let session = try ben.ffi.acceptPanelSession()
        XCTAssertFalse(session.isClosed())
        XCTAssertThrowsError(try session.receive(bytes: Data((0..<64).map { UInt8(($0 * 7) & 0xff) })))
        // That session is now closed: even a genuine opening is refused.
        XCTAssertTrue(session.isClosed())
        XCTAssertThrowsError(try session.receive(bytes: try ana.ffi.startPanelSession(interviewId: i).poll()))
        let count = try await ben.candidateList().count
        XCTAssertEqual(count, 0)
    }

    func testASessionClosedExplicitlyRefusesWhatArrivesAfter() async throws {
        let ana = try open("ana")
        let ben = try open("ben")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        try await joinPanel(ana, ben, i)
        let opening = try ana.ffi.startPanelSession(interviewId: i).poll()
        let finished = try ben.ffi.acceptPanelSession()
        try finished.finish()
        XCTAssertThrowsError(try finished.receive(bytes: opening))
        let cancelled = try ben.ffi.acceptPanelSession()
        cancelled.cancel()
        XCTAssertThrowsError(try cancelled.receive(bytes: opening)) { error in
            guard case PanelNotesError.Cancelled = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try cancelled.poll())
    }

    func testScorecardsStaySealedUntilYourOwnIsSubmitted() async throws {
        let ana = try open("ana")
        let ben = try open("ben")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        try await joinPanel(ana, ben, i)
        try sync(ana, ben, i)
        try await ana.endInterview(interviewId: i, at: t(48 * 60 + 47))
        let card = ScorecardDraft(ratings: Ratings(technicalDepth: 4, reactionToChallenge: 3, businessUnderstanding: 3, questionQuality: 4), recommendation: .strongYes, comments: "sharp")
        try await ana.saveScorecardDraft(interviewId: i, card)
        try await ana.submitScorecard(interviewId: i, at: t(48 * 60 + 60))
        try sync(ana, ben, i)
        guard case let .sealed(submittedBy, panelSize) = try await ben.scorecards(interviewId: i) else {
            return XCTFail("Ben must not see Ana's scorecard before submitting his own")
        }
        XCTAssertEqual(submittedBy, ["ana@acme"])
        XCTAssertEqual(panelSize, 2)
        let waiting = try await ben.scorecardSeals(interviewId: i)
        XCTAssertEqual(waiting.map(\.state), [.sealed(reason: .waitingForYourSubmission)])
        XCTAssertNil(waiting.first?.scorecard)
        var mine = card
        mine.recommendation = .no
        try await ben.saveScorecardDraft(interviewId: i, mine)
        try await ben.submitScorecard(interviewId: i, at: t(48 * 60 + 120))
        // Ana's card opens once her phone, the lead's, has seen Ben's and released its key.
        let released = try await ben.scorecardSeals(interviewId: i).first { $0.interviewer == "ana@acme" }
        XCTAssertEqual(released?.state, .sealed(reason: .waitingForRelease(bySeat: "ana@acme")))
        try sync(ana, ben, i)
        let open = try await ben.scorecardSeals(interviewId: i).first { $0.interviewer == "ana@acme" }
        XCTAssertEqual(open?.state, .open)
        XCTAssertEqual(open?.scorecard?.comments, "sharp")
        guard case let .visible(cards) = try await ben.scorecards(interviewId: i) else { return XCTFail("still sealed") }
        XCTAssertEqual(Set(cards.map(\.interviewer)), ["ana@acme", "ben@acme"])
        XCTAssertEqual(cards.first { $0.interviewer == "ana@acme" }?.recommendation, .strongYes)
    }

    static let allTests = [
        ("testNotesWithEmojiAndCjkAtUtf16Positions", asyncTest(testNotesWithEmojiAndCjkAtUtf16Positions)),
        ("testTheInterviewCarriesStageStartsSubmissionsAndTheWholeCandidate", asyncTest(testTheInterviewCarriesStageStartsSubmissionsAndTheWholeCandidate)),
        ("testAConflictIsResolvedByTokenAndAStaleTokenIsRefused", asyncTest(testAConflictIsResolvedByTokenAndAStaleTokenIsRefused)),
        ("testBadInputIsATypedErrorNotACrash", asyncTest(testBadInputIsATypedErrorNotACrash)),
        ("testGarbageToAnOpenSessionIsATypedErrorAndClosesIt", asyncTest(testGarbageToAnOpenSessionIsATypedErrorAndClosesIt)),
        ("testASessionClosedExplicitlyRefusesWhatArrivesAfter", asyncTest(testASessionClosedExplicitlyRefusesWhatArrivesAfter)),
        ("testScorecardsStaySealedUntilYourOwnIsSubmitted", asyncTest(testScorecardsStaySealedUntilYourOwnIsSubmitted)),
    ]
}
