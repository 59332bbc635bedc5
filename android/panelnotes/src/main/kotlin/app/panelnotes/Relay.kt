package app.panelnotes

import app.panelnotes.core.PanelNotesException
import app.panelnotes.core.RelayFailure
import app.panelnotes.core.RelayStatus
import app.panelnotes.ffi.JoinResult
import app.panelnotes.ffi.RelaySession
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

// The relay on phones: the app's WebSocket carries each rostered panel's relay session (one
// socket per panel, as the core presents a storage id per panel). The core seals and syncs;
// this layer only moves binary frames, reports the socket's life, and turns the sessions'
// statuses into a Flow. Works with any WebSocket: the JDK's (JdkRelaySockets, on the JVM) or
// OkHttp/Ktor on Android, through [RelaySockets].

/** One open WebSocket, as the relay session needs it. */
interface RelaySocket {
    /** Sends one binary message; suspends until the socket took it. */
    suspend fun send(frame: ByteArray)

    fun close()
}

/** Opens WebSockets: each whole binary message goes to [onMessage], the end to [onClosed]. */
fun interface RelaySockets {
    suspend fun open(url: String, onMessage: (ByteArray) -> Unit, onClosed: (Throwable?) -> Unit): RelaySocket
}

/** The relay failed for one panel; [reason] is the core's typed reason. */
class RelaySyncException(val interviewId: String, val reason: RelayFailure) :
    Exception("relay sync of $interviewId failed: $reason")

/**
 * Syncs every rostered panel of this device through the relay at [url] (wss:// in production).
 * Once: returns when every panel is in sync. [keepInSync]: stays connected, local changes go
 * out within [debounceMs] and remote ones arrive, until the coroutine is cancelled.
 * [status] follows the whole; [panels] each panel's session.
 */
class RelaySync(
    private val store: PanelNotesStore,
    private val url: String,
    private val sockets: RelaySockets,
    private val keepInSync: Boolean = false,
    private val debounceMs: Long = 1500,
) {
    private val _panels = MutableStateFlow<Map<String, RelayStatus>>(emptyMap())
    private val _status = MutableStateFlow<RelayStatus>(RelayStatus.Idle)
    val panels: StateFlow<Map<String, RelayStatus>> = _panels.asStateFlow()
    val status: StateFlow<RelayStatus> = _status.asStateFlow()

    private fun report(interviewId: String, s: RelayStatus) {
        _panels.update { it + (interviewId to s) }
        val all = _panels.value.values
        _status.value = all.firstOrNull { it is RelayStatus.Failed }
            ?: all.firstOrNull { it is RelayStatus.Connecting }
            ?: all.firstOrNull { it is RelayStatus.Syncing }
            ?: if (all.isNotEmpty() && all.all { it is RelayStatus.InSync || it is RelayStatus.Idle }) {
                if (all.any { it is RelayStatus.InSync }) RelayStatus.InSync else RelayStatus.Idle
            } else RelayStatus.Idle
    }

    /**
     * Runs until in sync (or, kept in sync, until cancelled); cancelling reaches the core. On
     * a lead's device this also answers the join boxes of its open seat codes (phones that
     * joined through the relay), each in a session of its own, reported as `join 1`, `join 2`….
     */
    suspend fun run() {
        val interviews = store.call { relayPanels() }
        val answers = store.call { startJoinAnswerSessions() }
        coroutineScope {
            // Once: the answers first, so a device admitted now gets the roster with the
            // panel's sync. Kept in sync: they stay open beside the panels, answering as
            // requests arrive.
            answers.forEachIndexed { n, session ->
                if (keepInSync) launch { runSession("join ${n + 1}", session) } else runSession("join ${n + 1}", session)
            }
            for (i in interviews) launch { runPanel(i) }
        }
    }

    private suspend fun runPanel(interviewId: String) =
        runSession(interviewId, store.call { startRelaySession(interviewId, keepInSync, debounceMs.toULong()) })

    /** Runs one session to the end; [close] false leaves it open for the caller to read. */
    internal suspend fun runSession(interviewId: String, session: RelaySession, close: Boolean = true) {
        val finished = java.util.concurrent.atomic.AtomicBoolean(false)
        try {
            coroutineScope {
                // Cancelling the coroutine cancels the session at once, which wakes a
                // `nextOutgoing` blocked on a dispatcher thread.
                val watcher = launch {
                    try {
                        awaitCancellation()
                    } finally {
                        if (!finished.get()) session.cancel()
                    }
                }
                try {
                    session.connecting()
                    report(interviewId, session.status())
                    val socket = sockets.open(
                        url,
                        onMessage = { frame -> runCatching { session.receive(frame) } },
                        onClosed = { session.disconnected() },
                    )
                    try {
                        session.connected()
                        pump(interviewId, session, socket)
                    } finally {
                        socket.close()
                    }
                } finally {
                    // Ended on its own (in sync or failed): the session is not cancelled.
                    finished.set(true)
                    watcher.cancel()
                }
            }
        } catch (e: CancellationException) {
            // Cancelled from outside. The watcher may not have run before the pump unwound
            // (its resumption is queued behind ours), and closing the socket reports a lost
            // connection meanwhile: say the session was cancelled, whatever won that race.
            session.cancel()
            throw e
        } finally {
            withContext(NonCancellable) { store.call { session.disconnected() } }
            report(interviewId, session.status())
            if (close) session.close()
        }
    }

    private suspend fun pump(interviewId: String, session: RelaySession, socket: RelaySocket) {
        while (true) {
            currentCoroutineContext().ensureActive()
            // Blocks a dispatcher thread for at most a second; a cancel wakes it at once.
            val frame = try {
                store.call { session.nextOutgoing(1000u) }
            } catch (e: PanelNotesException.Cancelled) {
                throw CancellationException("relay session cancelled")
            }
            if (frame != null) socket.send(frame)
            val s = session.status()
            report(interviewId, s)
            when {
                s is RelayStatus.Failed -> throw RelaySyncException(interviewId, s.reason)
                s is RelayStatus.Idle && frame == null -> throw RelaySyncException(interviewId, RelayFailure.CONNECTION_LOST)
                s is RelayStatus.InSync && !keepInSync -> return
            }
        }
    }
}

/** Syncs every rostered panel through the relay once, over [sockets]; see [RelaySync]. */
suspend fun PanelNotesStore.syncViaRelay(url: String, sockets: RelaySockets) = RelaySync(this, url, sockets).run()

/**
 * Joins a panel through the relay at [url] with a scanned seat code, away from the lead's
 * phone: posts the join request (once, however often this runs) and returns
 * [JoinResult.Welcomed] once the lead's device has answered it (it does when it next syncs
 * through the relay), [JoinResult.Pending] until then: call again later. Once welcomed, the
 * panel syncs with [syncViaRelay].
 */
suspend fun PanelNotesStore.joinViaRelay(inviteUri: String, url: String, label: String, sockets: RelaySockets): JoinResult {
    val session = call { startRelayJoinSession(inviteUri, label) }
    try {
        RelaySync(this, url, sockets).runSession("join", session, close = false)
        return call { relayJoinResult(session) }
    } finally {
        session.close()
    }
}
