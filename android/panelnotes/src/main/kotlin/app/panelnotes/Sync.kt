package app.panelnotes

import app.panelnotes.ffi.LanServer
import app.panelnotes.ffi.SyncSession
import kotlinx.coroutines.channels.ReceiveChannel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

// Sync: the LAN listener, and running a session over a platform byte pipe (a rostered
// panel's LAN syncs and sessions are in Trust.kt). Cancelling the coroutine that runs a
// session cancels it in the core.

suspend fun PanelNotesStore.serveLan(address: String): LanServer = call { serveLan(address) }

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
