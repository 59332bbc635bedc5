package app.panelnotes

import app.panelnotes.core.LogisticsItem
import app.panelnotes.core.Outcome
import app.panelnotes.core.PanelNotesException
import app.panelnotes.core.Probe
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class PlaybookTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun theKitShowsTheStageByProbeAndWhatIsUncovered(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
            ana.startStage(i, "learn", t(48 * 60 + 5))
            ana.replaceNotes(i, "learn", "Ran Spark on 200 nodes #depth")
            val kit = ana.interviewKit(i, t(48 * 60 + 20))
            assertNotNull(kit.stage)
            val stage = kit.stage!!
            assertEquals("learn", stage.key)
            assertEquals(3, stage.probes.size)
            assertEquals(listOf(Probe.REACTION_TO_CHALLENGE, Probe.BUSINESS_IMPACT), kit.uncovered.probes)
            assertEquals(LogisticsItem.entries.toSet(), kit.uncovered.logistics.toSet())
            assertTrue(kit.uncovered.candidateQuestions)
            assertTrue(stage.probes.first { it.probe == Probe.TECHNICAL_DEPTH }.notes.single().text.contains("Spark on 200 nodes"))
        }
    }

    @Test
    fun theDebriefIsProposedBookedAndBriefedAndDecidingNeedsTheOverride(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val (c, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
            val proposal = ana.debriefProposal(c)
            assertNotNull(proposal)
            proposal!!
            assertEquals(setOf("ana@acme", "ben@acme"), proposal.slot.attendees.toSet())
            ana.bookDebrief(c, proposal.slot, t(60))
            assertTrue(ana.debriefIcs(c).contains("BEGIN:VEVENT"))
            ana.endInterview(i, t(48 * 60 + 45))
            val brief = ana.debriefBrief(c)
            assertFalse(brief.complete)
            assertEquals(setOf("ana@acme", "ben@acme"), brief.missing.map { it.interviewer }.toSet())
            assertEquals(1, ana.feedbackOwed("ben@acme", t(48 * 60 + 120)).size)
            assertThrows<PanelNotesException.NotPermitted> { runBlocking { ana.decide(c, Outcome.HIRE, t(49 * 60)) } }
            ana.decideDespiteMissingScorecards(c, Outcome.HIRE, t(49 * 60))
            assertNull(ana.debriefProposal(c))
        }
    }
}
