package app.panelnotes

import app.panelnotes.core.PanelNotesException
import kotlinx.coroutines.CancellationException
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
import java.net.ServerSocket
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
            ana.panelInvite(i) // makes the panel
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
                val sync = async { ana.syncLan("127.0.0.1:${silent.localPort}", i) }
                delay(300)
                assertTrue(sync.isActive, "the silent peer keeps the sync waiting")
                sync.cancel()
                assertThrows<CancellationException> { sync.await() }
                peer.join(5_000)
                assertTrue(closedByCore, "the core closed the connection when the coroutine was cancelled")
            }
        }
    }

    @Test
    fun cancellingTheCoroutineCancelsTheSessionInTheCore(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
            ana.panelInvite(i)
            val session = ana.startSession(i)
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
                ben.joinPanel(ana.panelInvite(i))
                val toBen = Channel<ByteArray>(Channel.UNLIMITED)
                val toAna = Channel<ByteArray>(Channel.UNLIMITED)
                val a = ana.startSession(i)
                val b = ben.acceptSession()
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
