package app.panelnotes

import app.panelnotes.ffi.CandidateListListener
import app.panelnotes.ffi.CandidateSummary
import app.panelnotes.ffi.DocumentListener
import app.panelnotes.ffi.Interview
import app.panelnotes.ffi.PanelNotes
import app.panelnotes.ffi.PanelNotesException
import app.panelnotes.ffi.SyncCallback
import app.panelnotes.ffi.SyncReport
import app.panelnotes.ffi.SyncSession
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/**
 * The Panel Notes store for Kotlin: suspend functions that run the core off the caller's
 * thread, Flows for observation (the current state first, then every change), and text
 * positions as Kotlin counts them (UTF-16 code units, the same as `String.length`).
 *
 * The generated bindings stay reachable as [ffi] for anything this layer does not wrap.
 */
class PanelNotesStore private constructor(
    val ffi: PanelNotes,
    private val io: CoroutineDispatcher,
) : AutoCloseable {
    companion object {
        suspend fun open(
            path: String,
            interviewerId: String,
            displayName: String,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PanelNotesStore = withContext(io) {
            PanelNotesStore(PanelNotes.open(path, interviewerId, displayName), io)
        }
    }

    /** Runs [block] against the generated API on the IO dispatcher. */
    suspend fun <T> call(block: PanelNotes.() -> T): T = withContext(io) { ffi.block() }

    suspend fun notes(interviewId: String, stage: String): String = call { notes(interviewId, stage) }

    /** Replaces [delete] UTF-16 units at [position] with [text]; durable when it returns. */
    suspend fun splice(interviewId: String, stage: String, position: Int, delete: Int, text: String) {
        require(position >= 0 && delete >= 0) { "positions are non-negative" }
        call { spliceNotes(interviewId, stage, position.toULong(), delete.toULong(), text) }
    }

    /** The candidate list: now, then after every change (local or from a peer). */
    fun candidates(): Flow<List<CandidateSummary>> = callbackFlow {
        val handle = ffi.observeCandidates(object : CandidateListListener {
            override fun onCandidates(candidates: List<CandidateSummary>) {
                trySend(candidates)
            }
        })
        awaitClose { handle.stop() }
    }.conflate()

    /** One interview with its notes: now, then after every change. */
    fun interview(interviewId: String): Flow<Interview> = callbackFlow {
        val handle = ffi.observeDocument(interviewId, object : DocumentListener {
            override fun onInterview(interview: Interview, remote: Boolean) {
                trySend(interview)
            }

            override fun onCandidate(candidateId: String, remote: Boolean) {}
        })
        awaitClose { handle.stop() }
    }.buffer()

    /** Syncs a panel with a member on the LAN; the work runs on the core's thread. */
    suspend fun syncLan(address: String, interviewId: String): SyncReport =
        suspendCancellableCoroutine { cont ->
            ffi.syncLan(address, interviewId, object : SyncCallback {
                override fun onDone(report: SyncReport) {
                    cont.resume(report)
                }

                override fun onError(error: PanelNotesException) {
                    cont.resumeWithException(error)
                }
            })
        }

    /** A session over a platform byte pipe: this side dials. */
    suspend fun startSession(interviewId: String): SyncSession = call { startSession(interviewId) }

    /** A session over a platform byte pipe: the peer dials. */
    fun acceptSession(): SyncSession = ffi.acceptSession()

    override fun close() {
        runCatching { ffi.flush() }
        ffi.close()
    }
}
