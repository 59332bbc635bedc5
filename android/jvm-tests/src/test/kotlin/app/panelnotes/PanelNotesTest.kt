package app.panelnotes

import app.panelnotes.core.CandidateEventKind
import app.panelnotes.core.LogisticsUpdate
import app.panelnotes.core.NextAction
import app.panelnotes.core.Outcome
import app.panelnotes.core.PanelNotesException
import app.panelnotes.core.Ratings
import app.panelnotes.core.Recommendation
import app.panelnotes.core.RiskTolerance
import app.panelnotes.core.SalaryExpectation
import app.panelnotes.core.ScorecardDraft
import app.panelnotes.core.SealReason
import app.panelnotes.core.SealState
import app.panelnotes.core.TimelineKind
import app.panelnotes.ffi.ScorecardView
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

class PanelNotesTest {
    @TempDir
    lateinit var dir: Path

    private fun open(name: String) = openStore(dir, name)

    @Test
    fun notesWithEmojiAndCjkAtUtf16Positions(): Unit = runBlocking {
        open("ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme"))
            var expected = "Spark 🚀 at scale"
            ana.splice(i, "learn", 0, 0, expected)
            val at = "Spark 🚀".length // 8: the rocket is two UTF-16 units
            ana.splice(i, "learn", at, 0, " 分布式计算")
            expected = expected.substring(0, at) + " 分布式计算" + expected.substring(at)
            assertEquals(expected, ana.notes(i, "learn"))
            ana.splice(i, "learn", "Spark".length, 3, "")
            expected = expected.removeRange("Spark".length, "Spark".length + 3)
            assertEquals(expected, ana.notes(i, "learn"))
            ana.splice(i, "learn", 0, 0, "👩🏽‍💻 ")
            assertEquals("👩🏽‍💻 $expected", ana.notes(i, "learn"))
            assertEquals("👩🏽‍💻 $expected", ana.interview(i).notes.first { it.stage == "learn" }.text)
            // A negative position is a typed error, like any other bad position.
            assertThrows<PanelNotesException.InvalidArgument> { ana.splice(i, "learn", -1, 0, "x") }
        }
    }

    @Test
    fun theInterviewCarriesStageStartsSubmissionsAndTheWholeCandidate(): Unit = runBlocking {
        open("ana").use { ana ->
            val (c, i) = scheduled(ana, listOf("ana@acme"))
            ana.startStage(i, "pitch", t(48 * 60))
            assertEquals("learn", ana.advanceStage(i, t(48 * 60 + 5)))
            ana.endInterview(i, t(48 * 60 + 44))
            ana.reopenInterview(i)
            assertNull(ana.interview(i).endedAt)
            ana.endInterview(i, t(48 * 60 + 45))
            ana.saveScorecardDraft(i, ScorecardDraft(Ratings(4u, 3u, 3u, 4u), Recommendation.YES, "solid"))
            assertEquals(Recommendation.YES, ana.scorecardDraft(i)?.recommendation)
            ana.submitScorecard(i, t(48 * 60 + 50))
            val view = ana.openInterview(i)
            assertEquals(listOf("pitch", "learn"), view.stageStarts.map { it.stage })
            assertEquals(t(48 * 60 + 5), view.stageStarts[1].at)
            assertEquals(listOf("ana@acme"), view.submitted.map { it.interviewer })
            assertEquals(5u, view.stages.first().minutes)

            ana.setLogistics(c, LogisticsUpdate(riskTolerance = RiskTolerance.CAUTIOUS, riskNotes = "two kids, wants a runway"))
            ana.setLogistics(c, LogisticsUpdate(startDate = "2026-05-01", noticePeriodDays = 30u), saidAt = t(48 * 60 + 40))
            val l = ana.logistics(c)
            assertEquals("two kids, wants a runway", l.riskNotes)
            assertEquals("2026-05-01", l.startDate)
            // A malformed date inside a record is a typed error, not a crash.
            assertThrows<PanelNotesException.InvalidDate> { ana.setLogistics(c, LogisticsUpdate(startDate = "May 1st")) }

            ana.recordEvent(c, CandidateEventKind.DEBRIEF_BOOKED, t(48 * 60 + 60))
            ana.recordEvent(c, CandidateEventKind.DEBRIEF_HELD, t(48 * 60 + 90))
            assertEquals(NextAction.RecordDecision, ana.candidateSummary(c).nextAction)
            ana.decide(c, Outcome.HIRE, t(48 * 60 + 95), "strong panel")
            assertEquals(NextAction.MakeOffer, ana.candidateList().single().nextAction)
            val kinds = ana.timeline(c).entries.map { it.kind }
            assertTrue(TimelineKind.Decided(Outcome.HIRE) in kinds)
            assertTrue(TimelineKind.Candidate(CandidateEventKind.APPLIED) in kinds)
            assertEquals(Outcome.HIRE, ana.candidate(c).decision?.outcome)
            ana.setCandidateLead(c, "ben@acme")
            assertEquals("ben@acme", ana.candidate(c).lead)
            assertTrue(ana.hasDocument(i))
            assertEquals("ana@acme", storedIdentity(dir.resolve("ana.sqlite3").toString())?.interviewerId)
            assertNull(storedIdentity(dir.resolve("nobody.sqlite3").toString()))
        }
    }

    @Test
    fun aConflictIsResolvedByTokenAndAStaleTokenIsRefused(): Unit = runBlocking {
        open("ana").use { ana ->
            open("ben").use { ben ->
                val (c, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
                joinPanel(ana, ben, i)
                syncStores(ana, ben, i)
                assertEquals("Dana", ben.candidateList().single().name)

                ana.setLogistics(c, LogisticsUpdate(salary = SalaryExpectation.Range(90_000, 100_000, "EUR")))
                ben.setLogistics(c, LogisticsUpdate(salary = SalaryExpectation.Range(95_000, 110_000, "EUR")))
                syncStores(ana, ben, i)
                for (s in listOf(ana, ben)) {
                    val conflict = s.conflicts().single()
                    assertEquals("logistics.salary", conflict.field)
                    assertEquals(setOf("ana@acme", "ben@acme"), conflict.values.map { it.author }.toSet())
                }
                val values = ana.conflicts(c).single().values
                ana.resolveConflict(c, "logistics.salary", values.first { it.author == "ben@acme" }.token)
                // Ben listed before Ana's resolution reached him; once it has, his pick is stale.
                val bens = ben.conflicts(c).single().values
                syncStores(ana, ben, i)
                assertThrows<PanelNotesException.ConflictChanged> {
                    ben.resolveConflict(c, "logistics.salary", bens.first { it.author == "ana@acme" }.token)
                }
                for (s in listOf(ana, ben)) {
                    assertTrue(s.conflicts().isEmpty())
                    assertEquals(SalaryExpectation.Range(95_000, 110_000, "EUR"), s.logistics(c).salary)
                }
            }
        }
    }

    @Test
    fun badInputIsATypedErrorNotACrash(): Unit = runBlocking {
        open("ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme"))
            assertThrows<PanelNotesException.NotFound> { ana.timeline("2ewLZfLrpFhJVJhpJEAYjVsQ6Qn") }
            assertThrows<PanelNotesException.NotFound> { ana.notes("not-an-id", "learn") }
            val e = assertThrows<PanelNotesException.OutOfRange> { ana.splice(i, "learn", 5, 0, "x") }
            assertEquals(5uL, e.position)
            assertEquals(0uL, e.length)
            assertThrows<PanelNotesException.InvalidArgument> { ana.joinViaLan("https://example.org", "127.0.0.1:9", "Pixel 8") }
            assertThrows<PanelNotesException.InvalidArgument> { ana.scheduleInterview(i, t(0), listOf("ana@acme"), "ana@acme", minutes = -5) }
            assertEquals(1, ana.candidateList().size)
        }
    }

    @Test
    fun garbageToAnOpenSessionIsATypedErrorAndClosesIt(): Unit = runBlocking {
        open("ana").use { ana ->
            open("ben").use { ben ->
                val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
                joinPanel(ana, ben, i)
                // A session that works: Ana's genuine opening is accepted by a fresh one.
                val probe = ben.ffi.acceptPanelSession()
                probe.receive(ana.ffi.startPanelSession(i).poll())
                // A fresh, open session given garbage: a typed error, the store unchanged.
                val session = ben.ffi.acceptPanelSession()
                assertThrows<PanelNotesException> { session.receive(ByteArray(64) { (it * 7).toByte() }) }
                // That session is now closed: even a genuine opening is refused.
                assertThrows<PanelNotesException> { session.receive(ana.ffi.startPanelSession(i).poll()) }
                assertTrue(ben.candidateList().isEmpty())
            }
        }
    }

    @Test
    fun aSessionClosedExplicitlyRefusesWhatArrivesAfter(): Unit = runBlocking {
        open("ana").use { ana ->
            open("ben").use { ben ->
                val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
                joinPanel(ana, ben, i)
                val dialer = ana.ffi.startPanelSession(i)
                val opening = dialer.poll()
                val finished = ben.ffi.acceptPanelSession()
                finished.finish()
                assertThrows<PanelNotesException> { finished.receive(opening) }
                val cancelled = ben.ffi.acceptPanelSession()
                cancelled.cancel()
                assertThrows<PanelNotesException.Cancelled> { cancelled.receive(opening) }
                assertThrows<PanelNotesException.Cancelled> { cancelled.poll() }
            }
        }
    }

    @Test
    fun scorecardsStaySealedUntilYourOwnIsSubmitted(): Unit = runBlocking {
        open("ana").use { ana ->
            open("ben").use { ben ->
                val (_, i) = scheduled(ana, listOf("ana@acme", "ben@acme"))
                joinPanel(ana, ben, i)
                syncStores(ana, ben, i)
                ana.endInterview(i, t(48 * 60 + 47))
                val card = ScorecardDraft(Ratings(4u, 3u, 3u, 4u), Recommendation.STRONG_YES, "sharp")
                ana.saveScorecardDraft(i, card)
                ana.submitScorecard(i, t(48 * 60 + 60))
                syncStores(ana, ben, i)
                val sealed = ben.scorecards(i) as ScorecardView.Sealed
                assertEquals(listOf("ana@acme"), sealed.submittedBy)
                val waiting = ben.scorecardSeals(i).single()
                assertEquals(SealState.Sealed(SealReason.WaitingForYourSubmission), waiting.state)
                assertNull(waiting.scorecard)
                ben.saveScorecardDraft(i, card.copy(recommendation = Recommendation.NO))
                ben.submitScorecard(i, t(48 * 60 + 120))
                // Ana's card opens once her phone, the lead's, has seen Ben's and released its key.
                val released = ben.scorecardSeals(i).first { it.interviewer == "ana@acme" }
                assertEquals(SealState.Sealed(SealReason.WaitingForRelease("ana@acme")), released.state)
                syncStores(ana, ben, i)
                val open = ben.scorecardSeals(i).first { it.interviewer == "ana@acme" }
                assertEquals(SealState.Open, open.state)
                assertEquals("sharp", open.scorecard?.comments)
                val visible = ben.scorecards(i) as ScorecardView.Visible
                assertEquals(setOf("ana@acme", "ben@acme"), visible.scorecards.map { it.interviewer }.toSet())
                assertEquals(Recommendation.STRONG_YES, visible.scorecards.first { it.interviewer == "ana@acme" }.recommendation)
            }
        }
    }
}
