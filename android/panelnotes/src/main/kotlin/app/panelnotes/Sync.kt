package app.panelnotes

import app.panelnotes.core.PanelNotesException
import app.panelnotes.ffi.LanServer
import app.panelnotes.ffi.SyncCallback
import app.panelnotes.ffi.SyncReport
import app.panelnotes.ffi.SyncSession
import kotlinx.coroutines.channels.ReceiveChannel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

// Sync: LAN syncs on the core's threads, and sessions over a platform byte pipe. Cancelling
// the coroutine reaches the core: the LAN sync ends at its next read, the session is cancelled.

/** Syncs an interview's panel with a member at [address]. Cancellation ends it in the core. */
suspend fun PanelNotesStore.syncLan(address: String, interviewId: String): SyncReport =
    suspendCancellableCoroutine { cont ->
        val callback = object : SyncCallback {
            override fun onDone(report: SyncReport) {
                if (cont.isActive) cont.resume(report)
            }

            override fun onError(error: PanelNotesException) {
                if (cont.isActive) cont.resumeWithException(error)
            }
        }
        try {
            val task = ffi.syncLan(address, interviewId, callback)
            cont.invokeOnCancellation {
                task.cancel()
                task.close()
            }
        } catch (e: PanelNotesException) {
            cont.resumeWithException(e)
        }
    }

suspend fun PanelNotesStore.serveLan(address: String): LanServer = call { serveLan(address) }

/** A session over a platform byte pipe where this side dials. */
suspend fun PanelNotesStore.startSession(interviewId: String): SyncSession = call { startSession(interviewId) }

/** A session over a platform byte pipe where the peer dials. */
fun PanelNotesStore.acceptSession(): SyncSession = ffi.acceptSession()

/**
 * Runs [session] over a byte pipe: what [incoming] delivers goes in, what the core has to say
 * goes to [send], until [incoming] closes; then the session finishes. If the coroutine is
 * cancelled first, the session is cancelled in the core (it refuses any later bytes).
 */
suspend fun PanelNotesStore.runSession(
    session: SyncSession,
    incoming: ReceiveChannel<ByteArray>,
    send: suspend (ByteArray) -> Unit,
) {
    var finished = false
    try {
        while (true) {
            val out = withContext(dispatcher) { session.poll() }
            if (out.isNotEmpty()) send(out)
            // Wait a little for the peer, then poll again: the core may have more to say
            // (a commit policy's timer) even when the peer is quiet.
            val got = withTimeoutOrNull(250) { incoming.receiveCatching() } ?: continue
            val bytes = got.getOrNull() ?: break
            currentCoroutineContext().ensureActive()
            withContext(dispatcher) { session.receive(bytes) }
        }
        withContext(dispatcher) { session.finish() }
        finished = true
    } finally {
        if (!finished) session.cancel()
    }
}
