package app.panelnotes

import app.panelnotes.core.RelayFailure
import app.panelnotes.core.RelayStatus
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/**
 * Two rostered phones sync through the standard automerge-repo relay (relay/server.mjs on
 * Node, unmodified) over the JDK's WebSocket, never over a shared LAN after joining. Waits
 * are on statuses and store changes, bounded only to turn a hang into a failure.
 */
class RelayTest {
    @TempDir
    lateinit var dir: Path

    private lateinit var relay: TestRelay
    private val url get() = relay.url

    @BeforeEach
    fun startRelay() {
        relay = TestRelay(dir.resolve("relay-data"))
    }

    @AfterEach
    fun stopRelay() = relay.close()

    /** Ana leads the panel; Ben's phone joins it over the LAN once, in the room. */
    private suspend fun panel(ana: PanelNotesStore, ben: PanelNotesStore): String {
        val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
        ana.splice(i, "learn", 0, 0, "Ran Spark on 200 nodes 🚀")
        joinPanel(ana, ben, i)
        return i
    }

    private suspend fun PanelNotesStore.waitForNotes(i: String, text: String) = withTimeout(60_000) {
        observeInterview(i).first { notes(i, "learn").contains(text) }
    }

    @Test
    fun twoPhonesSyncThroughTheRelayWithTheJdkWebSocket(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            openStore(dir, "ben").use { ben ->
                val i = panel(ana, ben)
                assertEquals(listOf(i), ana.call { relayPanels() })
                withTimeout(60_000) { ana.syncViaRelay(url) }

                // Ben follows the sync's status as a Flow while it runs.
                val sync = ben.relaySync(url)
                val seen = java.util.Collections.synchronizedList(mutableListOf<RelayStatus>())
                val collector = launch { sync.status.collect { seen.add(it) } }
                withTimeout(60_000) { sync.run() }
                collector.cancelAndJoin()
                assertEquals(RelayStatus.Idle, sync.status.value, "in sync, then the socket closed")
                assertTrue(seen.contains(RelayStatus.Syncing), "the status went through syncing: $seen")
                assertEquals("Ran Spark on 200 nodes 🚀", ben.notes(i, "learn"))
            }
        }
    }

    @Test
    fun keptInSyncEditsGoBothWaysUntilTheCoroutineIsCancelled(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            openStore(dir, "ben").use { ben ->
                val i = panel(ana, ben)
                val anaSync = ana.relaySync(url, keepInSync = true, debounceMs = 100)
                val benSync = ben.relaySync(url, keepInSync = true, debounceMs = 100)
                val anaJob = launch { anaSync.run() }
                val benJob = launch { benSync.run() }
                withTimeout(60_000) { benSync.status.first { it is RelayStatus.InSync } }
                assertEquals("Ran Spark on 200 nodes 🚀", ben.notes(i, "learn"))

                // Nothing is called on the syncs: the core sends each edit on its own.
                ana.splice(i, "learn", 0, 0, "Ana: ")
                ana.flush()
                ben.waitForNotes(i, "Ana: Ran Spark")
                ben.splice(i, "learn", 0, 0, "Ben: ")
                ben.flush()
                ana.waitForNotes(i, "Ben: Ana: Ran Spark")

                anaJob.cancelAndJoin()
                benJob.cancelAndJoin()
                assertEquals(RelayStatus.Failed(RelayFailure.CANCELLED), anaSync.panels.value[i])
            }
        }
    }
}
