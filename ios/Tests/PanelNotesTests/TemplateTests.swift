import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

final class TemplateTests: StoreTestCase {
    let screen = Template(id: nil, name: "Phone screen", stages: [
        Stage(key: "intro", title: "Intro", minutes: 5, guidance: "", prompts: []),
        Stage(key: "dig", title: "Experience", minutes: 20, guidance: "Probe one project", prompts: [Prompt(probe: .technicalDepth, text: "What did you build?")]),
    ])

    func testThePlaybookCopiedAsATeamTemplateReadsBackEqualProbesIncluded() async throws {
        let ana = try open("ana")
        let all = try await ana.templates()
        XCTAssertEqual(all.count, 1)
        let playbook = all[0]
        XCTAssertNil(playbook.id)
        let learn = playbook.stages.first { $0.key == "learn" }!
        XCTAssertEqual(learn.prompts.map(\.probe), [.technicalDepth, .reactionToChallenge, .businessImpact])
        XCTAssertTrue(learn.prompts.allSatisfy { !$0.text.isEmpty })

        var copy = playbook
        copy.name = "Our playbook"
        let id = try await ana.createTemplate(copy)
        let back = try await ana.template(id: id)
        var expected = copy
        expected.id = id
        XCTAssertEqual(back, expected)
        let found = try await ana.findTemplate(nameOrId: "Our playbook")
        XCTAssertEqual(found, back)
        XCTAssertEqual(back.stages.first { $0.key == "learn" }!.prompts, learn.prompts)

        // And updated: a probe removed and another prompt added, both ways.
        var edited = back
        edited.stages = back.stages.map { s in
            var s = s
            if s.key == "learn" { s.prompts = Array(s.prompts.dropFirst()) + [Prompt(probe: nil, text: "Anything else?")] }
            return s
        }
        try await ana.updateTemplate(id: id, edited)
        let reread = try await ana.template(id: id)
        XCTAssertEqual(reread, edited)
    }

    func testASecondTemplateWithTheSameNameIsRefusedByTheDuplicateRule() async throws {
        let ana = try open("ana")
        _ = try await ana.createTemplate(screen)
        var same = screen
        same.name = "phone SCREEN"
        // Valid stages, so the only rule this can break is the name already in use.
        await assertThrows({ _ = try await ana.createTemplate(same) }) {
            if case let PanelNotesError.InvalidArgument(reason) = $0 { return reason.contains("exists") } else { return false }
        }
        let names = try await ana.templates().map(\.name)
        XCTAssertEqual(names, ["Playbook (45 min)", "Phone screen"])
        var empty = screen
        empty.name = "Other"
        empty.stages = []
        await assertThrows({ _ = try await ana.createTemplate(empty) }) {
            if case let PanelNotesError.InvalidArgument(reason) = $0 { return reason.contains("stage") } else { return false }
        }
    }

    func testAnInterviewScheduledOnATeamTemplateCopiesItsStages() async throws {
        let ana = try open("ana")
        _ = try await ana.createTemplate(screen)
        let c = try await ana.createCandidate(name: "Eli", role: "SRE", appliedAt: t(0))
        let i = try await ana.scheduleInterview(candidateId: c, start: t(60), panelists: ["ana@acme"], lead: "ana@acme", template: "Phone screen")
        let interview = try await ana.interview(id: i)
        XCTAssertEqual(interview.minutes, 25)
        XCTAssertEqual(interview.stages, screen.stages)
    }

    static let allTests = [
        ("testThePlaybookCopiedAsATeamTemplateReadsBackEqualProbesIncluded", asyncTest(testThePlaybookCopiedAsATeamTemplateReadsBackEqualProbesIncluded)),
        ("testASecondTemplateWithTheSameNameIsRefusedByTheDuplicateRule", asyncTest(testASecondTemplateWithTheSameNameIsRefusedByTheDuplicateRule)),
        ("testAnInterviewScheduledOnATeamTemplateCopiesItsStages", asyncTest(testAnInterviewScheduledOnATeamTemplateCopiesItsStages)),
    ]
}
