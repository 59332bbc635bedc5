import Foundation
import PanelNotesFFI

// Erasure, legal holds, the team's retention rule and the access-request export. Erasing
// cannot be undone: offer `exportAll` first. Results carry ids and counts, never names.
extension PanelNotesStore {
    /// Erases the candidate here and, by a signed record, on every phone of their panels.
    /// Throws `PanelNotesError.NotPermitted` for a device that is not an admin of those
    /// panels, or while a legal hold is set.
    @discardableResult
    public func eraseCandidate(id: String) async throws -> ErasureStatus { try await call { try $0.eraseCandidate(candidateId: id) } }

    /// "N of M devices acknowledged" for one erasure.
    public func erasureStatus(candidateId: String) async throws -> ErasureStatus { try await call { try $0.erasureStatus(candidateId: candidateId) } }

    public func erasures() async throws -> [ErasureStatus] { try await call { try $0.erasures() } }

    public func isErased(id: String) async throws -> Bool { try await call { try $0.isErased(documentId: id) } }

    public func setLegalHold(candidateId: String, _ hold: Bool) async throws { try await call { try $0.setLegalHold(candidateId: candidateId, hold: hold) } }

    public func legalHold(candidateId: String) async throws -> Bool { try await call { try $0.legalHold(candidateId: candidateId) } }

    /// Everything held about the candidate, as `json` and `markdown`.
    public func exportAll(candidateId: String) async throws -> AccessExport { try await call { try $0.exportAll(candidateId: candidateId) } }

    public func retentionRule() async throws -> RetentionRule { try await call { try $0.retentionRule() } }

    /// Keeps the team's rule; it then runs whenever the store opens, and on `runRetention`.
    public func setRetentionRule(afterDecisionDays: UInt32? = nil, afterInactiveDays: UInt32? = nil) async throws {
        try await call { try $0.setRetentionRule(rule: RetentionRule(afterDecisionDays: afterDecisionDays, afterInactiveDays: afterInactiveDays)) }
    }

    /// The dry run: what `rule` (by default the team's) would erase now, by id and why.
    public func retentionDryRun(_ rule: RetentionRule? = nil) async throws -> [RetentionDue] {
        try await call { try $0.retentionPreview(rule: rule ?? $0.retentionRule()) }
    }

    @discardableResult
    public func runRetention() async throws -> RetentionRun { try await call { try $0.runRetention() } }
}
