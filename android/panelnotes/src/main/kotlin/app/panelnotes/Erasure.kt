package app.panelnotes

import app.panelnotes.core.AccessExport
import app.panelnotes.core.ErasureStatus
import app.panelnotes.core.RetentionDue
import app.panelnotes.core.RetentionRule
import app.panelnotes.core.RetentionRun

// Erasure, legal holds, the team's retention rule and the access-request export. Erasing
// cannot be undone: offer exportAll first. Results carry ids and counts, never names.

/**
 * Erases the candidate here and, by a signed record, on every phone of their panels. Throws
 * [app.panelnotes.core.PanelNotesException.NotPermitted] for a device that is not an admin of
 * those panels, or while a legal hold is set.
 */
suspend fun PanelNotesStore.eraseCandidate(candidateId: String): ErasureStatus = call { eraseCandidate(candidateId) }

/** "N of M devices acknowledged" for one erasure. */
suspend fun PanelNotesStore.erasureStatus(candidateId: String): ErasureStatus = call { erasureStatus(candidateId) }

suspend fun PanelNotesStore.erasures(): List<ErasureStatus> = call { erasures() }

suspend fun PanelNotesStore.isErased(documentId: String): Boolean = call { isErased(documentId) }

suspend fun PanelNotesStore.setLegalHold(candidateId: String, hold: Boolean) = call { setLegalHold(candidateId, hold) }

suspend fun PanelNotesStore.legalHold(candidateId: String): Boolean = call { legalHold(candidateId) }

/** Everything held about the candidate: [AccessExport.json] and [AccessExport.markdown]. */
suspend fun PanelNotesStore.exportAll(candidateId: String): AccessExport = call { exportAll(candidateId) }

suspend fun PanelNotesStore.retentionRule(): RetentionRule = call { retentionRule() }

/** Keeps the team's rule; it then runs whenever the store opens, and on [runRetention]. */
suspend fun PanelNotesStore.setRetentionRule(afterDecisionDays: UInt? = null, afterInactiveDays: UInt? = null) =
    call { setRetentionRule(RetentionRule(afterDecisionDays, afterInactiveDays)) }

/** The dry run: what [rule] (by default the team's) would erase now, by id and why. */
suspend fun PanelNotesStore.retentionDryRun(rule: RetentionRule? = null): List<RetentionDue> =
    call { retentionPreview(rule ?: retentionRule()) }

suspend fun PanelNotesStore.runRetention(): RetentionRun = call { runRetention() }
