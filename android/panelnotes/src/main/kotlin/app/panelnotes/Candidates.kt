package app.panelnotes

import app.panelnotes.core.Candidate
import app.panelnotes.core.CandidateEventKind
import app.panelnotes.core.CandidateSummary
import app.panelnotes.core.Conflict
import app.panelnotes.core.Logistics
import app.panelnotes.core.LogisticsUpdate
import app.panelnotes.core.Outcome
import app.panelnotes.core.PendingFeedback
import app.panelnotes.core.SpeedMetrics
import app.panelnotes.core.Template
import app.panelnotes.core.Timeline
import java.time.Instant

// Candidates, their timelines, logistics and decision; templates; conflicts and panels.

suspend fun PanelNotesStore.createCandidate(
    name: String,
    role: String,
    appliedAt: Instant,
    source: String? = null,
    contact: String? = null,
): String = call { createCandidate(name, role, source, contact, appliedAt) }

suspend fun PanelNotesStore.candidate(candidateId: String): Candidate = call { candidate(candidateId) }

suspend fun PanelNotesStore.candidateList(): List<CandidateSummary> = call { candidates() }

suspend fun PanelNotesStore.findCandidates(name: String): List<CandidateSummary> = call { findCandidates(name) }

suspend fun PanelNotesStore.candidateSummary(candidateId: String): CandidateSummary = call { candidateSummary(candidateId) }

suspend fun PanelNotesStore.timeline(candidateId: String): Timeline = call { timeline(candidateId) }

suspend fun PanelNotesStore.speedMetrics(candidateId: String): SpeedMetrics = call { speedMetrics(candidateId) }

suspend fun PanelNotesStore.pendingFeedback(now: Instant = Instant.now()): List<PendingFeedback> = call { pendingFeedback(now) }

suspend fun PanelNotesStore.logistics(candidateId: String): Logistics = call { logistics(candidateId) }

suspend fun PanelNotesStore.recordEvent(candidateId: String, kind: CandidateEventKind, at: Instant, note: String? = null) =
    call { recordEvent(candidateId, kind, at, note) }

suspend fun PanelNotesStore.setLogistics(candidateId: String, update: LogisticsUpdate, saidAt: Instant? = null) =
    call { if (saidAt == null) setLogistics(candidateId, update) else setLogisticsAt(candidateId, update, saidAt) }

suspend fun PanelNotesStore.setCandidateLead(candidateId: String, lead: String) = call { setCandidateLead(candidateId, lead) }

suspend fun PanelNotesStore.decide(candidateId: String, outcome: Outcome, at: Instant, reason: String? = null) =
    call { decide(candidateId, outcome, at, reason) }

suspend fun PanelNotesStore.templates(): List<Template> = call { templates() }

suspend fun PanelNotesStore.template(templateId: String): Template = call { template(templateId) }

suspend fun PanelNotesStore.findTemplate(nameOrId: String): Template = call { findTemplate(nameOrId) }

/** Stores a team template (its id is ignored); returns the new id. */
suspend fun PanelNotesStore.createTemplate(template: Template): String = call { createTemplate(template) }

suspend fun PanelNotesStore.updateTemplate(templateId: String, template: Template) = call { updateTemplate(templateId, template) }

suspend fun PanelNotesStore.conflicts(documentId: String? = null): List<Conflict> = call { conflicts(documentId) }

/**
 * Keeps the value [token] names. Throws [app.panelnotes.core.PanelNotesException.ConflictChanged]
 * when a sync changed the conflict since it was listed: list it again and ask anew.
 */
suspend fun PanelNotesStore.resolveConflict(documentId: String, field: String, token: String) =
    call { resolveConflict(documentId, field, token) }

