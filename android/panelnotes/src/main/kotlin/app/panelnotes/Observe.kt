package app.panelnotes

import app.panelnotes.core.CandidateSummary
import app.panelnotes.ffi.CandidateListDiff
import app.panelnotes.ffi.CandidateListListener
import app.panelnotes.ffi.CandidateListener
import app.panelnotes.ffi.CandidateUpdate
import app.panelnotes.ffi.InterviewListener
import app.panelnotes.ffi.InterviewUpdate
import app.panelnotes.ffi.ObserverHandle
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.channelFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.flowOn

// Observation as Flows. Each one is conflated: a slow collector skips intermediate states but
// always gets the latest one. The list carries whole lists, so the latest says everything.
// An interview or candidate update also says what changed since the previous one; when
// updates pile up they are merged, never replaced, so the update a slow collector gets says
// everything that changed since the last one it took. Registering blocks briefly on the
// store, so it runs on the store's dispatcher (flowOn), never on the collector's thread.
// Cancelling the collector stops the listener in the core.

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
 * Updates not yet taken by the collector, merged into one: the core's notifier thread offers,
 * the flow takes. Merging instead of replacing is what keeps a conflated update's diff whole.
 */
internal class MergingSlot<T : Any>(private val merge: (older: T, newer: T) -> T) {
    private val lock = Any()
    private var pending: T? = null

    /** Signalled when something is pending; conflated, because one look takes it all. */
    val ready = Channel<Unit>(Channel.CONFLATED)

    fun offer(update: T) {
        synchronized(lock) { pending = pending?.let { merge(it, update) } ?: update }
        ready.trySend(Unit)
    }

    fun take(): T? = synchronized(lock) { pending.also { pending = null } }
}

/** Changes since the older update, then since the newer: the newer state, with both diffs. */
internal fun merged(older: InterviewUpdate, newer: InterviewUpdate) = newer.copy(
    remote = older.remote || newer.remote,
    first = older.first || newer.first,
    changedStages = (older.changedStages + newer.changedStages).distinct(),
)

internal fun merged(older: CandidateUpdate, newer: CandidateUpdate) = newer.copy(
    remote = older.remote || newer.remote,
    first = older.first || newer.first,
)

/**
 * Delivers what [register] hears, merging updates the collector has not taken yet. The
 * rendezvous hands an update over only when the collector asks, so everything that arrives
 * while it is busy merges here rather than queueing.
 */
private fun <T : Any> PanelNotesStore.observeMerging(
    merge: (T, T) -> T,
    register: (offer: (T) -> Unit) -> ObserverHandle,
): Flow<T> = channelFlow {
    val slot = MergingSlot(merge)
    val handle = register(slot::offer)
    try {
        for (signal in slot.ready) {
            slot.take()?.let { send(it) }
        }
    } finally {
        handle.end()
    }
}.buffer(Channel.RENDEZVOUS).flowOn(dispatcher)

/**
 * One interview with its notes: the current state, then every change. `changedStages` of an
 * update covers every change since the previous update this collector got, however many the
 * core delivered in between; `remote` says whether any of them came from a peer.
 */
fun PanelNotesStore.observeInterview(interviewId: String): Flow<InterviewUpdate> =
    observeMerging(::merged) { offer ->
        ffi.observeInterview(interviewId, object : InterviewListener {
            override fun onInterview(update: InterviewUpdate) = offer(update)
        })
    }

/** One candidate's whole document: the current state, then every change. */
fun PanelNotesStore.observeCandidate(candidateId: String): Flow<CandidateUpdate> =
    observeMerging(::merged) { offer ->
        ffi.observeCandidate(candidateId, object : CandidateListener {
            override fun onCandidate(update: CandidateUpdate) = offer(update)
        })
    }
