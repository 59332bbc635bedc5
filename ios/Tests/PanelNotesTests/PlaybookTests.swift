import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

final class PlaybookTests: StoreTestCase {
    func testTheKitShowsTheStageByProbeAndWhatIsUncovered() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        try await ana.startStage(interviewId: i, stage: "learn", at: t(48 * 60 + 5))
        try await ana.replaceNotes(interviewId: i, stage: "learn", text: "Ran Spark on 200 nodes #depth")
        let kit = try await ana.interviewKit(interviewId: i, now: t(48 * 60 + 20))
        let stage = try XCTUnwrap(kit.stage)
        XCTAssertEqual(stage.key, "learn")
        XCTAssertEqual(stage.probes.count, 3)
        XCTAssertEqual(kit.uncovered.probes, [.reactionToChallenge, .businessImpact])
        XCTAssertEqual(kit.uncovered.logistics.count, 4)
        XCTAssertTrue(kit.uncovered.candidateQuestions)
        let depth = try XCTUnwrap(stage.probes.first { $0.probe == .technicalDepth })
        XCTAssertTrue(depth.notes.first?.text.contains("Spark on 200 nodes") ?? false)
    }

    func testTheDebriefIsProposedBookedAndBriefedAndDecidingNeedsTheOverride() async throws {
        let ana = try open("ana")
        let (c, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        let proposed = try await ana.debriefProposal(candidateId: c)
        let proposal = try XCTUnwrap(proposed)
        XCTAssertEqual(Set(proposal.slot.attendees), ["ana@acme", "ben@acme"])
        try await ana.bookDebrief(candidateId: c, slot: proposal.slot, bookedAt: t(60))
        let ics = try await ana.debriefIcs(candidateId: c)
        XCTAssertTrue(ics.contains("BEGIN:VEVENT"))
        try await ana.endInterview(interviewId: i, at: t(48 * 60 + 45))
        let brief = try await ana.debriefBrief(candidateId: c)
        XCTAssertFalse(brief.complete)
        XCTAssertEqual(Set(brief.missing.map(\.interviewer)), ["ana@acme", "ben@acme"])
        let owed = try await ana.feedbackOwed(interviewer: "ben@acme", now: t(48 * 60 + 120))
        XCTAssertEqual(owed.count, 1)
        do {
            try await ana.decide(candidateId: c, outcome: .hire, at: t(49 * 60))
            XCTFail("deciding with scorecards missing needs the override")
        } catch PanelNotesError.NotPermitted {}
        try await ana.decideDespiteMissingScorecards(candidateId: c, outcome: .hire, at: t(49 * 60))
        let after = try await ana.debriefProposal(candidateId: c)
        XCTAssertNil(after)
    }

    static let allTests = [
        ("testTheKitShowsTheStageByProbeAndWhatIsUncovered", asyncTest(testTheKitShowsTheStageByProbeAndWhatIsUncovered)),
        ("testTheDebriefIsProposedBookedAndBriefedAndDecidingNeedsTheOverride", asyncTest(testTheDebriefIsProposedBookedAndBriefedAndDecidingNeedsTheOverride)),
    ]
}

