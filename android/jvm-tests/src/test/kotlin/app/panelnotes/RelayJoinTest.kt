package app.panelnotes

import app.panelnotes.ffi.JoinResult
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
 * Ben's phone joins a panel through the standard automerge-repo relay (relay/server.mjs on
 * Node, unmodified) over the JDK's WebSocket, never on the lead's LAN: its request waits until
 * Ana's device syncs through the relay, which admits him to his seat; his next contact takes
 * the welcome, and the panel's notes follow. A photo of the used code gets nothing.
 */
class RelayJoinTest {
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

    @Test
    fun benJoinsThroughTheRelayWithHisSeatCodeAndReadsTheNotes(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            openStore(dir, "ben").use { ben ->
                openStore(dir, "eve").use { eve ->
                    val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
                    ana.splice(i, "learn", 0, 0, "Asked about on-call load")
                    ana.startPanel(i)
                    val code = ana.inviteSeat(i, "ben@acme").uri

                    assertEquals(JoinResult.Pending, withTimeout(60_000) { ben.joinViaRelay(code, url, "Pixel 8") })
                    // Ana's device answers when it syncs through the relay.
                    withTimeout(60_000) { ana.syncViaRelay(url) }
                    val benSeat = ana.panelRoster(i)!!.seats.first { it.interviewerId == "ben@acme" }
                    assertEquals(listOf("Pixel 8"), benSeat.devices.map { it.label })
                    assertEquals(JoinResult.Welcomed(i, "ben@acme"), withTimeout(60_000) { ben.joinViaRelay(code, url, "Pixel 8") })
                    withTimeout(60_000) { ben.syncViaRelay(url) }
                    assertEquals("Asked about on-call load", ben.notes(i, "learn"))

                    // Eve's phone with a photo of the used code: posted, never answered.
                    assertEquals(JoinResult.Pending, withTimeout(60_000) { eve.joinViaRelay(code, url, "Eve's") })
                    withTimeout(60_000) { ana.syncViaRelay(url) }
                    assertEquals(JoinResult.Pending, withTimeout(60_000) { eve.joinViaRelay(code, url, "Eve's") })
                    assertEquals(emptyList<Any>(), ana.joinRequests())
                    val labels = ana.panelRoster(i)!!.seats.flatMap { seat -> seat.devices.map { it.label } }
                    assertTrue("Eve's" !in labels, labels.toString())
                }
            }
        }
    }
}
