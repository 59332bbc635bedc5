package app.panelnotes

import app.panelnotes.core.PanelNotesException
import app.panelnotes.ffi.SyncCallback
import app.panelnotes.ffi.SyncReport
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.SocketTimeoutException
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.concurrent.thread

class CancellationTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun cancellingTheCoroutineEndsTheLanSyncInTheCore(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
            ana.startPanel(i)
            // A peer that accepts the connection and never answers: only cancellation ends it.
            ServerSocket(0).use { silent ->
                var closedByCore = false
                val peer = thread {
                    silent.accept().use { conn ->
                        conn.soTimeout = 10_000
                        // Read until the core closes its end (-1), which it does when cancelled.
                        closedByCore = runCatching { while (conn.getInputStream().read() >= 0) Unit }.isSuccess
                    }
                }
                val sync = async { ana.syncPanelLan("127.0.0.1:${silent.localPort}", i) }
                delay(300)
                assertTrue(sync.isActive, "the silent peer keeps the sync waiting")
                sync.cancel()
                assertThrows<CancellationException> { sync.await() }
                peer.join(5_000)
                assertTrue(closedByCore, "the core closed the connection when the coroutine was cancelled")
            }
        }
    }

    /** How a LAN sync ended, as its callback heard it. */
    private class Outcome : SyncCallback {
        val result = CompletableDeferred<Result<SyncReport>>()
        override fun onDone(report: SyncReport) { result.complete(Result.success(report)) }
        override fun onError(error: PanelNotesException) { result.complete(Result.failure(error)) }
    }

    @Test
    fun cancelStopsALanSyncThatIsStillConnecting(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
            ana.startPanel(i)
            // A listener that never accepts: once its queue (one connection) is full, the kernel
            // drops further SYNs, so a connect stays in progress, as to an unroutable address.
            ServerSocket(0, 1).use { full ->
                val queued = mutableListOf<Socket>()
                try {
                    while (queued.size < 10_000) {
                        val s = Socket()
                        queued.add(s)
                        s.connect(InetSocketAddress("127.0.0.1", full.localPort), 300)
                    }
                } catch (_: SocketTimeoutException) {
                    // The queue is full: the next connect will hang.
                }
                assertTrue(queued.size < 10_000, "the accept queue filled")
                val outcome = Outcome()
                val task = ana.ffi.syncPanelLan("127.0.0.1:${full.localPort}", i, outcome)
                delay(200)
                assertTrue(!outcome.result.isCompleted, "the dial is still connecting")
                task.cancel()
                // The guard is far below the dial's own 10 s connect timeout: only the cancel
                // can end it in time.
                val ended = withTimeout(5_000) { outcome.result.await() }
                assertTrue(ended.exceptionOrNull() is PanelNotesException.Cancelled, "$ended")
                task.close()
                queued.forEach { it.close() }
            }
        }
    }

    @Test
    fun cancelStopsALanSyncWhosePeerNeverAnswersTheHandshakeWithCancelled(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
            ana.startPanel(i)
            ServerSocket(0).use { silent ->
                val outcome = Outcome()
                val task = ana.ffi.syncPanelLan("127.0.0.1:${silent.localPort}", i, outcome)
                silent.accept().use {
                    delay(200)
                    assertTrue(!outcome.result.isCompleted, "the silent peer keeps the sync waiting")
                    task.cancel()
                    val ended = withTimeout(20_000) { outcome.result.await() }
                    assertTrue(ended.exceptionOrNull() is PanelNotesException.Cancelled, "$ended")
                }
                task.close()
            }
        }
    }

    @Test
    fun cancellingTheCoroutineCancelsTheSessionInTheCore(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
            ana.startPanel(i)
            val session = ana.startPanelSession(i)
            val sent = CopyOnWriteArrayList<ByteArray>()
            val incoming = Channel<ByteArray>() // the peer never answers
            val job = launch { ana.runSession(session, incoming) { sent.add(it) } }
            withTimeout(5_000) { while (sent.isEmpty()) delay(10) }
            assertTrue(!session.isClosed())
            job.cancel()
            job.join()
            assertTrue(session.isCancelled())
            assertThrows<PanelNotesException.Cancelled> { session.poll() }
        }
    }

    @Test
    fun aSessionRunToTheEndOfItsPipeFinishes(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            openStore(dir, "ben").use { ben ->
                val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
                joinPanel(ana, ben, i)
                val toBen = Channel<ByteArray>(Channel.UNLIMITED)
                val toAna = Channel<ByteArray>(Channel.UNLIMITED)
                val a = ana.startPanelSession(i)
                val b = ben.acceptPanelSession()
                withTimeout(20_000) {
                    // Once the pipe is closed, what a side still says goes nowhere.
                    val ja = launch { ana.runSession(a, toAna) { toBen.trySend(it) } }
                    val jb = launch { ben.runSession(b, toBen) { toAna.trySend(it) } }
                    while (ben.candidateList().isEmpty()) delay(20)
                    toAna.close()
                    toBen.close()
                    ja.join()
                    jb.join()
                }
                assertEquals("Dana", ben.candidateList().single().name)
                assertTrue(a.isClosed() && !a.isCancelled())
            }
        }
    }
}
