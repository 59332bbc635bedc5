import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

final class OpenInterviewTests: StoreTestCase {
    func testOpenInterviewAwaitsTheViewAndTheDocumentDecodesInTheBackground() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme"])
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "Spark on 200 nodes 🚀")
        try await ana.unload(documentId: i)
        let decodedBefore = try await ana.isDecoded(documentId: i)
        XCTAssertFalse(decodedBefore, "the test needs an interview that is not decoded")

        let view = try await ana.openInterview(id: i)
        let indexed = try await ana.interview(id: i)
        XCTAssertEqual(view, indexed)
        XCTAssertEqual(view.notes.first { $0.stage == "learn" }?.text, "Spark on 200 nodes 🚀")
        // Typed while the decode may still be running: kept either way.
        try await ana.splice(interviewId: i, stage: "learn", position: 0, delete: 0, text: "Ran ")
        try await until("the background decode") { try await ana.isDecoded(documentId: i) }
        let notes = try await ana.notes(interviewId: i, stage: "learn")
        XCTAssertEqual(notes, "Ran Spark on 200 nodes 🚀")

        await assertThrows({ _ = try await ana.openInterview(id: "1111111111111111111111") }) {
            if case PanelNotesError.NotFound = $0 { return true } else { return false }
        }
    }

    static let allTests = [
        ("testOpenInterviewAwaitsTheViewAndTheDocumentDecodesInTheBackground", asyncTest(testOpenInterviewAwaitsTheViewAndTheDocumentDecodesInTheBackground)),
    ]
}
