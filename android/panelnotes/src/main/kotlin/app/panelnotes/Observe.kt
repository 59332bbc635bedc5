package app.panelnotes

import app.panelnotes.core.CandidateSummary
import app.panelnotes.ffi.CandidateListDiff
import app.panelnotes.ffi.CandidateListListener
import app.panelnotes.ffi.CandidateListener
import app.panelnotes.ffi.CandidateUpdate
import app.panelnotes.ffi.InterviewListener
import app.panelnotes.ffi.InterviewUpdate
import app.panelnotes.ffi.ObserverHandle
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.flowOn

// Observation as Flows. Each one is conflated: a slow collector skips intermediate states but
// always gets the latest one (the conflated channel replaces, it never refuses, so trySend
// cannot drop it). Registering blocks briefly on the store, so it runs on the store's
// dispatcher (flowOn), never on the collector's thread. Cancelling the collector stops the
// listener in the core.

/** Applies a diff from the core to the list it was computed against. */
fun List<CandidateSummary>.applying(diffs: List<CandidateListDiff>): List<CandidateSummary> {
    val out = toMutableList()
    for (d in diffs) {
        when (d) {
            is CandidateListDiff.Insert -> out.add(d.index.toInt(), d.value)
            is CandidateListDiff.Set -> out[d.index.toInt()] = d.value
            is CandidateListDiff.Remove -> out.removeAt(d.index.toInt())
        }
    }
    return out
}

private fun ObserverHandle.end() {
    stop()
    close()
}

/** The candidate list: the current one, then the list after every change. */
fun PanelNotesStore.observeCandidates(): Flow<List<CandidateSummary>> = callbackFlow {
    // Touched only by the core's notifier thread, one delivery at a time.
    var list = emptyList<CandidateSummary>()
    val handle = ffi.observeCandidates(object : CandidateListListener {
        override fun onReset(candidates: List<CandidateSummary>) {
            list = candidates
            trySend(list)
        }

        override fun onDiff(diffs: List<CandidateListDiff>) {
            list = list.applying(diffs)
            trySend(list)
        }
    })
    awaitClose { handle.end() }
}.conflate().flowOn(dispatcher)

/**
 * One interview with its notes: the current state, then every change. `changedStages` of a
 * delivered update covers the changes since the previous update the core delivered; after a
 * skipped (conflated) one, compare the notes themselves.
 */
fun PanelNotesStore.observeInterview(interviewId: String): Flow<InterviewUpdate> = callbackFlow {
    val handle = ffi.observeInterview(interviewId, object : InterviewListener {
        override fun onInterview(update: InterviewUpdate) {
            trySend(update)
        }
    })
    awaitClose { handle.end() }
}.conflate().flowOn(dispatcher)

/** One candidate's whole document: the current state, then every change. */
fun PanelNotesStore.observeCandidate(candidateId: String): Flow<CandidateUpdate> = callbackFlow {
    val handle = ffi.observeCandidate(candidateId, object : CandidateListener {
        override fun onCandidate(update: CandidateUpdate) {
            trySend(update)
        }
    })
    awaitClose { handle.end() }
}.conflate().flowOn(dispatcher)
