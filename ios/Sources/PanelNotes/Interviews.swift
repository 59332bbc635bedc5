import Foundation
import PanelNotesFFI

// Interviews: scheduling, the stage clock, the shared notes, questions, next steps, scorecards.
extension PanelNotesStore {
    /// Schedules on the playbook, or on a team template named by id or name.
    public func scheduleInterview(candidateId: String, start: Date, panelists: [String], lead: String,
                                  template: String? = nil, title: String? = nil, minutes: Int? = nil) async throws -> String {
        let budget = try minutes.map { m -> UInt32 in
            guard let v = UInt32(exactly: m) else { throw PanelNotesError.InvalidArgument(reason: "minutes must be between 0 and \(UInt32.max)") }
            return v
        }
        return try await call {
            try $0.scheduleInterview(candidateId: candidateId, template: template, title: title, start: start, minutes: budget, panelists: panelists, lead: lead)
        }
    }

    public func interview(id: String) async throws -> Interview { try await call { try $0.interview(interviewId: id) } }

    public func startStage(interviewId: String, stage: String, at: Date) async throws {
        try await call { try $0.startStage(interviewId: interviewId, stage: stage, atTime: at) }
    }

    /// Starts the next stage; its key, or nil after the last.
    public func advanceStage(interviewId: String, at: Date) async throws -> String? {
        try await call { try $0.advanceStage(interviewId: interviewId, atTime: at) }
    }

    public func endInterview(interviewId: String, at: Date) async throws {
        try await call { try $0.endInterview(interviewId: interviewId, atTime: at) }
    }

    public func reopenInterview(interviewId: String) async throws { try await call { try $0.reopenInterview(interviewId: interviewId) } }

    public func clock(interviewId: String, now: Date = Date()) async throws -> InterviewClock {
        try await call { try $0.clock(interviewId: interviewId, now: now) }
    }

    public func notes(interviewId: String, stage: String) async throws -> String {
        try await call { try $0.notes(interviewId: interviewId, stage: stage) }
    }

    /// Replaces `delete` UTF-16 units at `position` with `text`; durable when it returns. A
    /// negative position or length is thrown as `PanelNotesError.InvalidArgument`.
    public func splice(interviewId: String, stage: String, position: Int, delete: Int, text: String) async throws {
        guard let at = UInt64(exactly: position), let count = UInt64(exactly: delete) else {
            throw PanelNotesError.InvalidArgument(reason: "positions and lengths are UTF-16 counts, never negative")
        }
        try await call { try $0.spliceNotes(interviewId: interviewId, stage: stage, position: at, delete: count, text: text) }
    }

    public func replaceNotes(interviewId: String, stage: String, text: String) async throws {
        try await call { try $0.replaceNotes(interviewId: interviewId, stage: stage, text: text) }
    }

    public func addQuestion(interviewId: String, text: String, kind: QuestionKind, at: Date) async throws {
        try await call { try $0.addQuestion(interviewId: interviewId, text: text, kind: kind, atTime: at) }
    }

    public func setNextSteps(interviewId: String, _ nextSteps: NextSteps) async throws {
        try await call { try $0.setNextSteps(interviewId: interviewId, nextSteps: nextSteps) }
    }

    public func saveScorecardDraft(interviewId: String, _ draft: ScorecardDraft) async throws {
        try await call { try $0.saveScorecardDraft(interviewId: interviewId, draft: draft) }
    }

    public func scorecardDraft(interviewId: String) async throws -> ScorecardDraft? {
        try await call { try $0.scorecardDraft(interviewId: interviewId) }
    }

    public func submitScorecard(interviewId: String, at: Date) async throws {
        try await call { try $0.submitScorecard(interviewId: interviewId, atTime: at) }
    }

    public func scorecards(interviewId: String) async throws -> ScorecardView {
        try await call { try $0.scorecards(interviewId: interviewId) }
    }

    /// Each submitted scorecard with whether you can read it and, if not, why (`SealReason`).
    public func scorecardSeals(interviewId: String) async throws -> [ScorecardSeal] {
        try await call { try $0.scorecardSeals(interviewId: interviewId) }
    }
}
