import Foundation
import PanelNotesFFI

// The playbook in the interviewer's hand and the speed rules: the live kit, the debrief
// (proposal, booking, calendar file, brief), scorecards owed, acknowledgements, commitments.
extension PanelNotesStore {
    /// The current stage's guidance and prompts by probe, its time, and what is still uncovered.
    public func interviewKit(interviewId: String, now: Date = Date()) async throws -> InterviewKit {
        try await call { try $0.interviewKit(interviewId: interviewId, now: now) }
    }

    /// A debrief slot right after the loop's last interview, or nil once decided or unscheduled.
    public func debriefProposal(candidateId: String) async throws -> DebriefProposal? {
        try await call { try $0.debriefProposal(candidateId: candidateId) }
    }

    public func bookDebrief(candidateId: String, slot: DebriefSlot, bookedAt: Date = Date()) async throws {
        try await call { try $0.bookDebrief(candidateId: candidateId, slot: slot, bookedAt: bookedAt) }
    }

    /// The booked debrief as an iCalendar file.
    public func debriefIcs(candidateId: String) async throws -> String {
        try await call { try $0.debriefIcs(candidateId: candidateId) }
    }

    /// Partial, naming who is missing, until the last scorecard arrives; never a hire suggestion.
    public func debriefBrief(candidateId: String) async throws -> DebriefBrief {
        try await call { try $0.debriefBrief(candidateId: candidateId) }
    }

    /// Scorecards not yet submitted with their reminder times; `interviewer` narrows to one person.
    public func feedbackOwed(interviewer: String? = nil, now: Date = Date()) async throws -> [OwedScorecard] {
        try await call { try $0.feedbackOwed(interviewer: interviewer, now: now) }
    }

    /// The explicit override `decide` asks for when scorecards are missing.
    public func decideDespiteMissingScorecards(candidateId: String, outcome: Outcome, at: Date, reason: String? = nil) async throws {
        try await call { try $0.decideDespiteMissingScorecards(candidateId: candidateId, outcome: outcome, decidedAt: at, reason: reason) }
    }

    public func acknowledgementQueue(filter: AcknowledgementFilter = AcknowledgementFilter(role: nil, status: nil),
                                     target: TimeInterval = 24 * 3600, now: Date = Date()) async throws -> [AwaitingAcknowledgement] {
        guard target >= 0, target.isFinite else { throw PanelNotesError.InvalidArgument(reason: "the target must be a positive time") }
        return try await call { try $0.acknowledgementQueue(filter: filter, target: target, now: now) }
    }

    public func addCommitment(interviewId: String, text: String, owner: String, due: Date, madeAt: Date = Date()) async throws {
        try await call { try $0.addCommitment(interviewId: interviewId, text: text, owner: owner, due: due, madeAt: madeAt) }
    }

    public func completeCommitment(interviewId: String, index: Int, keptAt: Date = Date()) async throws {
        guard let i = UInt32(exactly: index) else { throw PanelNotesError.InvalidArgument(reason: "no commitment has index \(index)") }
        try await call { try $0.completeCommitment(interviewId: interviewId, index: i, keptAt: keptAt) }
    }

    public func openCommitments(owner: String? = nil, now: Date = Date()) async throws -> [OpenCommitment] {
        try await call { try $0.openCommitments(owner: owner, now: now) }
    }
}
