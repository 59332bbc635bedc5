import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

/// Records which stages each of the core's interview updates says changed.
final class StageRecorder: InterviewListener, @unchecked Sendable {
    private let lock = NSLock()
    private var stages: [String] = []
    func onInterview(update: InterviewUpdate) {
        guard !update.first else { return }
        lock.lock(); stages += update.changedStages; lock.unlock()
    }
    func has(_ stage: String) -> Bool { lock.lock(); defer { lock.unlock() }; return stages.contains(stage) }
}

final class ConflatedDiffTests: StoreTestCase {
    func testASlowConsumerGetsTheUnionOfTheStagesThatChangedWhileItWasBusy() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme"])
        let stages = ["pitch", "learn", "questions"]
        let delivered = StageRecorder()
        let raw = try ana.ffi.observeInterview(interviewId: i, listener: delivered)
        var it = ana.observeInterview(id: i).makeAsyncIterator()
        let first = try await it.next()!
        XCTAssertTrue(first.first)
        // The consumer is busy: the core sends each change on its own meanwhile.
        for stage in stages {
            // A whole-text edit: the core sends it to listeners at once (keystrokes are the
            // typist's own and go out with the next fold).
            try await ana.replaceNotes(interviewId: i, stage: stage, text: "\(stage) notes")
            try await until("the core to send the change to \(stage)") { delivered.has(stage) }
        }
        var got: [InterviewUpdate] = []
        while got.last.map({ !$0.changedStages.contains("questions") }) ?? true {
            got.append(try await it.next()!)
        }
        raw.stop()
        XCTAssertLessThan(got.count, stages.count, "the busy consumer was given fewer updates than the core sent")
        XCTAssertEqual(Set(got.flatMap(\.changedStages)), Set(stages), "no changed stage was lost")
        XCTAssertEqual(got.last?.interview.notes.first { $0.stage == "questions" }?.text, "questions notes")
    }

    func testMergingKeepsTheNewerStateAndBothDiffs() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme"])
        let view = try await ana.interview(id: i)
        var later = view
        later.title = "later"
        let a = InterviewUpdate(interview: view, remote: true, first: false, changedStages: ["learn", "pitch"])
        let b = InterviewUpdate(interview: later, remote: false, first: false, changedStages: ["pitch", "questions"])
        let m = a.merged(with: b)
        XCTAssertEqual(m.interview.title, "later")
        XCTAssertEqual(m.changedStages, ["learn", "pitch", "questions"])
        XCTAssertTrue(m.remote, "one of the merged changes came from a peer")
    }

    static let allTests = [
        ("testASlowConsumerGetsTheUnionOfTheStagesThatChangedWhileItWasBusy", asyncTest(testASlowConsumerGetsTheUnionOfTheStagesThatChangedWhileItWasBusy)),
        ("testMergingKeepsTheNewerStateAndBothDiffs", asyncTest(testMergingKeepsTheNewerStateAndBothDiffs)),
    ]
}
