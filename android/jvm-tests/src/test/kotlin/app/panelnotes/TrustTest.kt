package app.panelnotes

import app.panelnotes.ffi.JoinRefusalReason
import app.panelnotes.ffi.JoinResult
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class TrustTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun aScheduledPanelistJoinsOverTheLanAndAPhotoOfTheCodeIsRefused(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            openStore(dir, "ben").use { ben ->
                openStore(dir, "eve").use { eve ->
                    val (c, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
                    ana.splice(i, "learn", 0, 0, "Ran Spark on 200 nodes 🚀")
                    val panel = ana.startPanel(i)
                    assertEquals(ana.thisDeviceFingerprint(), panel.leadFingerprint)
                    val invite = ana.inviteSeat(i, "ben@acme")
                    assertEquals("ben@acme", invite.seat)
                    assertFalse(invite.uri.contains(i), "the code names no document")
                    // The listener answers the invites made before it started.
                    val server = ana.serveLan("127.0.0.1:0")
                    try {
                        val address = server.address()
                        val joined = withTimeout(60_000) { ben.joinViaLan(invite.uri, address, "Pixel 8") }
                        assertEquals(JoinResult.Welcomed(i, "ben@acme"), joined)

                        assertTrue(ana.joinRequests().isEmpty(), "a scheduled panelist is admitted without asking the lead")
                        val seat = ana.panelRoster(i)!!.seats.single { it.interviewerId == "ben@acme" }
                        val device = seat.devices.single()
                        assertEquals("Pixel 8", device.label)
                        assertEquals(ben.thisDeviceFingerprint(), device.fingerprint)
                        assertNotEquals(ana.thisDeviceFingerprint(), device.fingerprint)
                        assertFalse(device.removed || device.thisDevice || seat.admin)

                        withTimeout(60_000) { ben.syncPanelLan(address, i) }
                        assertEquals("Ran Spark on 200 nodes 🚀", ben.notes(i, "learn"))
                        assertEquals(c, ben.interview(i).candidateId)

                        // Eve photographed Ben's code: the token is spent.
                        val photo = withTimeout(60_000) { eve.joinViaLan(invite.uri, address, "Eve") }
                        assertEquals(JoinResult.Refused(JoinRefusalReason.ALREADY_USED), photo)
                        assertNull(eve.panelRoster(i))
                        assertTrue(ana.envelopeProblems(i).isEmpty(), "an honest sync has no refused envelope")
                    } finally {
                        server.stop()
                        server.close()
                    }
                }
            }
        }
    }

    @Test
    fun anInviteWithoutASeatWaitsForTheLeadWhoAdmitsOrRemovesTheDevice(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            openStore(dir, "cy").use { cy ->
                val (_, i) = scheduled(ana, listOf("ana@acme", "cy@acme"))
                ana.startPanel(i)
                val invite = ana.inviteSeat(i, null, java.time.Instant.now().plusSeconds(3600))
                assertNull(invite.seat)
                val server = ana.serveLan("127.0.0.1:0")
                try {
                    val address = server.address()
                    assertEquals(JoinResult.Pending, withTimeout(60_000) { cy.joinViaLan(invite.uri, address, "iPhone") })
                    val request = ana.joinRequests().single()
                    assertEquals("iPhone", request.label)
                    assertEquals(i, request.interviewId)
                    assertEquals(cy.thisDeviceFingerprint(), request.deviceFingerprint)
                    ana.admitJoinRequest(request.id, "cy@acme")
                    assertTrue(ana.joinRequests().isEmpty())
                    // The phone asks again with the same code and is welcomed.
                    assertEquals(JoinResult.Welcomed(i, "cy@acme"), withTimeout(60_000) { cy.joinViaLan(invite.uri, address, "iPhone") })

                    val after = ana.removeDevice(i, cy.thisDeviceFingerprint())
                    assertEquals(1u, after.epoch)
                    val device = after.seats.single { it.interviewerId == "cy@acme" }.devices.single()
                    assertTrue(device.removed)
                } finally {
                    server.stop()
                    server.close()
                }
            }
        }
    }
}
