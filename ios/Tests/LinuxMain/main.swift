// The Linux test entry point (scripts/test-swift); SwiftPM on a Mac discovers tests itself.
import XCTest

XCTMain([
    testCase(PanelNotesTests.allTests),
    testCase(TemplateTests.allTests),
    testCase(ListenerTests.allTests),
    testCase(CancellationTests.allTests),
    testCase(PlaybookTests.allTests),
    testCase(ConflatedDiffTests.allTests),
    testCase(OpenInterviewTests.allTests),
    testCase(TrustTests.allTests),
    testCase(AtRestTests.allTests),
    testCase(ErasureTests.allTests),
    testCase(RelayTests.allTests),
    testCase(RelayJoinTests.allTests),
])
