package app.panelnotes

import app.panelnotes.core.PanelNotesException
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class LinkingTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun anasTabletIsLinkedToHerSeatAndTheLeadStaysWithTheSeat(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            PanelNotesStore.open(dir.resolve("ana-tablet.sqlite3").toString(), "ana@acme", "Ana", testKey).use { tablet ->
                val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
                ana.startPanel(i)
                val code = ana.countersignLink(i, tablet.thisDeviceCode(), "iPad")
                assertThrows<PanelNotesException.InvalidArgument> { runBlocking { ana.linkDevice(i, code.dropLast(2)) } }
                val roster = ana.linkDevice(i, code)
                assertEquals("ana@acme", roster.leadSeat)
                val devices = roster.seats.single { it.interviewerId == "ana@acme" }.devices
                assertEquals(2, devices.size)
                val linked = devices.single { it.linked }
                assertEquals("iPad", linked.label)
                assertEquals(tablet.thisDeviceFingerprint(), linked.fingerprint)
                assertFalse(linked.thisDevice)

                val onTablet = tablet.takePanelRoster(ana.panelRosterCode(i))
                assertTrue(onTablet.seats.single { it.interviewerId == "ana@acme" }.devices.single { it.linked }.thisDevice)
                // The lead moves to another seat only: not to a device of the lead's own seat,
                // nor to a seat without a device.
                assertThrows<PanelNotesException.InvalidArgument> { runBlocking { ana.transferLead(i, "ana@acme", linked.fingerprint) } }
                assertThrows<PanelNotesException.NotFound> { runBlocking { ana.transferLead(i, "ben@acme") } }
            }
        }
    }
}
