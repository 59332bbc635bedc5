import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

final class ErasureTests: StoreTestCase {
    func testAHoldBlocksErasureTheExportHoldsEverythingAndRetentionErasesByRule() async throws {
        let ana = try open("ana")
        let old = try await ana.createCandidate(name: "Oswin Erasable", role: "Data engineer", appliedAt: t(0))
        try await ana.decide(candidateId: old, outcome: .reject, at: t(60))
        let fresh = try await ana.createCandidate(name: "Freya Keepme", role: "Data engineer", appliedAt: Date().addingTimeInterval(-3600))

        try await ana.setLegalHold(candidateId: old, true)
        await assertThrows({ try await ana.eraseCandidate(id: old) }) {
            if case PanelNotesError.NotPermitted = $0 { return true } else { return false }
        }
        let export = try await ana.exportAll(candidateId: old)
        XCTAssertTrue(export.json.contains("\"name\": \"Oswin Erasable\""), export.json)
        XCTAssertTrue(export.markdown.hasPrefix("# Oswin Erasable"), export.markdown)

        // The dry run lists ids and why; the run keeps the held candidate.
        let due = try await ana.retentionDryRun(RetentionRule(afterDecisionDays: 180, afterInactiveDays: nil))
        XCTAssertEqual(due.map(\.candidateId), [old])
        try await ana.setRetentionRule(afterDecisionDays: 180)
        let kept = try await ana.runRetention()
        XCTAssertTrue(kept.erased.isEmpty)
        XCTAssertEqual(kept.skipped.map(\.candidateId), [old])

        try await ana.setLegalHold(candidateId: old, false)
        let run = try await ana.runRetention()
        XCTAssertEqual(run.erased.map(\.candidateId), [old])
        let erased = try await ana.isErased(id: old)
        XCTAssertTrue(erased)
        let listed = try await ana.candidateList().map(\.id)
        XCTAssertEqual(listed, [fresh])
        let status = try await ana.erasures()
        XCTAssertEqual(status.map(\.candidateId), [old])
        XCTAssertEqual(status.first?.acknowledged, 1)
        XCTAssertEqual(status.first?.expected, 1)

        try await ana.eraseCandidate(id: fresh)
        let empty = try await ana.candidateList()
        XCTAssertTrue(empty.isEmpty)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasPrefix("ana.sqlite3") {
            let bytes = try Data(contentsOf: dir.appendingPathComponent(name))
            for marker in ["Oswin Erasable", "Freya Keepme"] {
                XCTAssertNil(bytes.range(of: Data(marker.utf8)), "\(name) holds \(marker)")
            }
        }
    }

    static let allTests = [
        ("testAHoldBlocksErasureTheExportHoldsEverythingAndRetentionErasesByRule",
         asyncTest(testAHoldBlocksErasureTheExportHoldsEverythingAndRetentionErasesByRule)),
    ]
}
