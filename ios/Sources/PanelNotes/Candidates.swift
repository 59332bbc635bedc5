import Foundation
import PanelNotesFFI

// Candidates, their timelines, logistics and decision; templates; conflicts and panels.
extension PanelNotesStore {
    public func createCandidate(name: String, role: String, appliedAt: Date, source: String? = nil, contact: String? = nil) async throws -> String {
        try await call { try $0.createCandidate(name: name, role: role, source: source, contact: contact, appliedAt: appliedAt) }
    }

    public func candidate(id: String) async throws -> Candidate { try await call { try $0.candidate(candidateId: id) } }

    public func candidateList() async throws -> [CandidateSummary] { try await call { try $0.candidates() } }

    public func findCandidates(name: String) async throws -> [CandidateSummary] { try await call { try $0.findCandidates(name: name) } }

    public func candidateSummary(id: String) async throws -> CandidateSummary { try await call { try $0.candidateSummary(candidateId: id) } }

    public func timeline(candidateId: String) async throws -> Timeline { try await call { try $0.timeline(candidateId: candidateId) } }

    public func speedMetrics(candidateId: String) async throws -> SpeedMetrics { try await call { try $0.speedMetrics(candidateId: candidateId) } }

    public func pendingFeedback(now: Date = Date()) async throws -> [PendingFeedback] { try await call { try $0.pendingFeedback(now: now) } }

    public func logistics(candidateId: String) async throws -> Logistics { try await call { try $0.logistics(candidateId: candidateId) } }

    public func recordEvent(candidateId: String, kind: CandidateEventKind, at: Date, note: String? = nil) async throws {
        try await call { try $0.recordEvent(candidateId: candidateId, kind: kind, atTime: at, note: note) }
    }

    /// Writes the fields that are set; `saidAt` dates them when typed up later.
    public func setLogistics(candidateId: String, update: LogisticsUpdate, saidAt: Date? = nil) async throws {
        try await call { ffi in
            if let saidAt {
                try ffi.setLogisticsAt(candidateId: candidateId, update: update, saidAt: saidAt)
            } else {
                try ffi.setLogistics(candidateId: candidateId, update: update)
            }
        }
    }

    public func setCandidateLead(candidateId: String, lead: String) async throws {
        try await call { try $0.setCandidateLead(candidateId: candidateId, lead: lead) }
    }

    public func decide(candidateId: String, outcome: Outcome, at: Date, reason: String? = nil) async throws {
        try await call { try $0.decide(candidateId: candidateId, outcome: outcome, atTime: at, reason: reason) }
    }

    public func templates() async throws -> [Template] { try await call { try $0.templates() } }

    public func template(id: String) async throws -> Template { try await call { try $0.template(templateId: id) } }

    public func findTemplate(nameOrId: String) async throws -> Template { try await call { try $0.findTemplate(nameOrId: nameOrId) } }

    /// Stores a team template (its id is ignored); returns the new id.
    public func createTemplate(_ template: Template) async throws -> String { try await call { try $0.createTemplate(template: template) } }

    public func updateTemplate(id: String, _ template: Template) async throws {
        try await call { try $0.updateTemplate(templateId: id, template: template) }
    }

    public func conflicts(documentId: String? = nil) async throws -> [Conflict] { try await call { try $0.conflicts(documentId: documentId) } }

    /// Keeps the value `token` names; throws `PanelNotesError.ConflictChanged` when a sync
    /// changed the conflict since it was listed (list it again and ask anew).
    public func resolveConflict(documentId: String, field: String, token: String) async throws {
        try await call { try $0.resolveConflict(documentId: documentId, field: field, token: token) }
    }
}
