import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

final class AtRestTests: StoreTestCase {
    private func write() async throws {
        let ana = try open("ana")
        _ = try await ana.createCandidate(name: "Zorblat Quexmarker", role: "Data engineer", appliedAt: t(0))
        try ana.ffi.flush()
    }

    private func names(_ key: Data) async throws -> [String] {
        let ana = try open("ana", key: key)
        return try await ana.candidateList().map(\.name)
    }

    func testAWrongKeyIsATypedErrorAndTheRightOneStillOpensTheStore() async throws {
        try await write()
        let bytes = try Data(contentsOf: dir.appendingPathComponent("ana.sqlite3"))
        XCTAssertNil(bytes.range(of: Data("Quexmarker".utf8)), "the name is not in the file")
        XCTAssertThrowsError(try open("ana", key: Data(repeating: 9, count: 32))) { error in
            guard case PanelNotesError.WrongKey = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try open("ana", key: Data(count: 31))) { error in
            guard case PanelNotesError.InvalidArgument = error else { return XCTFail("\(error)") }
        }
        let before = try await names(StoreTestCase.testKey)
        XCTAssertEqual(before, ["Zorblat Quexmarker"])
    }

    static let allTests = [
        ("testAWrongKeyIsATypedErrorAndTheRightOneStillOpensTheStore", asyncTest(testAWrongKeyIsATypedErrorAndTheRightOneStillOpensTheStore)),
    ]
}
