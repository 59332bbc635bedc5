package app.panelnotes

import app.panelnotes.ffi.CandidateListListener
import app.panelnotes.ffi.CandidateSummary
import app.panelnotes.ffi.LogisticsUpdate
import app.panelnotes.ffi.PanelNotesException
import app.panelnotes.ffi.Recommendation
import app.panelnotes.ffi.Salary
import app.panelnotes.ffi.ScorecardDraft
import app.panelnotes.ffi.ScorecardView
import app.panelnotes.ffi.SyncSession
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.time.Instant
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

class PanelNotesTest {
    @TempDir
    lateinit var dir: Path

    private fun open(name: String) = runBlocking {
        PanelNotesStore.open(dir.resolve("$name.sqlite3").toString(), "$name@acme", name)
    }

    /** Ana leads; returns (candidate, interview). */
    private fun interview(ana: PanelNotesStore, panel: List<String>) = runBlocking {
        val c = ana.call { createCandidate("Dana", "Data engineer", null, null, Instant.parse("2026-03-02T09:00:00Z")) }
        val i = ana.call { scheduleInterview(c, null, Instant.parse("2026-03-04T09:00:00Z"), panel, panel.first()) }
        c to i
    }

    private fun pump(a: SyncSession, b: SyncSession) {
        repeat(100) {
            val x = a.poll()
            if (x.isNotEmpty()) b.receive(x)
            val y = b.poll()
            if (y.isNotEmpty()) a.receive(y)
            if (x.isEmpty() && y.isEmpty()) return
        }
        error("the sessions did not settle")
    }

    private fun sync(a: PanelNotesStore, b: PanelNotesStore, interview: String) {
        val sa = a.ffi.startSession(interview)
        val sb = b.acceptSession()
        pump(sa, sb)
        sa.finish()
        sb.finish()
    }

    @Test
    fun notesWithEmojiAndCjkAtUtf16Positions() = runBlocking {
        open("ana").use { ana ->
            val (_, i) = interview(ana, listOf("ana@acme"))
            var expected = "Spark 🚀 at scale"
            ana.splice(i, "learn", 0, 0, expected)
            val at = "Spark 🚀".length // 8: the rocket is two UTF-16 units
            ana.splice(i, "learn", at, 0, " 分布式计算")
            expected = expected.substring(0, at) + " 分布式计算" + expected.substring(at)
            assertEquals(expected, ana.notes(i, "learn"))
            // Delete the rocket and the space before it.
            ana.splice(i, "learn", "Spark".length, 3, "")
            expected = expected.removeRange("Spark".length, "Spark".length + 3)
            assertEquals(expected, ana.notes(i, "learn"))
            ana.splice(i, "learn", 0, 0, "👩🏽‍💻 ")
            assertEquals("👩🏽‍💻 $expected", ana.notes(i, "learn"))
            assertEquals("👩🏽‍💻 $expected", ana.call { interview(i) }.notes.first { it.stage == "learn" }.text)
        }
    }

    @Test
    fun twoStoresSyncThroughTheBytePipeWithASalaryConflictSurfacedAndResolved() = runBlocking {
        open("ana").use { ana ->
            open("ben").use { ben ->
                val (c, i) = interview(ana, listOf("ana@acme", "ben@acme"))
                val invite = ana.call { panelInvite(i) }
                assertEquals(i, ben.call { joinPanel(invite) })
                sync(ana, ben, i)
                assertEquals("Dana", ben.call { candidates() }.single().name)

                ana.call { setLogistics(c, LogisticsUpdate(salary = Salary.Range(90_000, 100_000, "EUR"))) }
                ben.call { setLogistics(c, LogisticsUpdate(salary = Salary.Range(95_000, 110_000, "EUR"))) }
                sync(ana, ben, i)
                for (s in listOf(ana, ben)) {
                    val conflict = s.call { conflicts(null) }.single()
                    assertEquals("logistics.salary", conflict.field)
                    assertEquals(setOf("ana@acme", "ben@acme"), conflict.values.map { it.author }.toSet())
                }
                val pick = ana.call { conflicts(c) }.single().values.indexOfFirst { it.author == "ben@acme" }
                ana.call { resolveConflict(c, "logistics.salary", pick.toUInt()) }
                sync(ana, ben, i)
                for (s in listOf(ana, ben)) {
                    assertTrue(s.call { conflicts(null) }.isEmpty())
                    assertEquals(Salary.Range(95_000, 110_000, "EUR"), s.call { logistics(c) }.salary)
                }
            }
        }
    }

    @Test
    fun listenerUpdatesArriveOnABackgroundThreadAndStopWhenTheHandleIsClosed() {
        open("ana").use { ana ->
            val threads = CopyOnWriteArrayList<String>()
            val seen = CopyOnWriteArrayList<List<CandidateSummary>>()
            var latch = CountDownLatch(2) // the current state, then one change
            val handle = ana.ffi.observeCandidates(object : CandidateListListener {
                override fun onCandidates(candidates: List<CandidateSummary>) {
                    threads.add(Thread.currentThread().name)
                    seen.add(candidates)
                    latch.countDown()
                }
            })
            thread(name = "writer") {
                ana.ffi.createCandidate("Eli", "SRE", null, null, Instant.now())
            }.join()
            assertTrue(latch.await(5, TimeUnit.SECONDS))
            assertEquals(listOf(0, 1), seen.map { it.size })
            assertEquals("writer", threads[1])
            assertNotEquals(Thread.currentThread().name, threads[1])
            handle.stop()
            latch = CountDownLatch(1)
            thread { ana.ffi.createCandidate("Fay", "SRE", null, null, Instant.now()) }.join()
            assertTrue(!latch.await(300, TimeUnit.MILLISECONDS) && seen.size == 2, "a closed handle delivers nothing")

            // The Flow form: the current list first, then the change.
            runBlocking {
                withTimeout(5_000) {
                    val subscribed = CompletableDeferred<Unit>()
                    val updates = async {
                        ana.candidates().onEach { subscribed.complete(Unit) }.take(2).toList()
                    }
                    subscribed.await()
                    ana.call { createCandidate("Gus", "SRE", null, null, Instant.now()) }
                    assertEquals(listOf(2, 3), updates.await().map { it.size })
                }
            }
        }
    }

    @Test
    fun badInputIsATypedErrorNotACrash() = runBlocking {
        open("ana").use { ana ->
            val (_, i) = interview(ana, listOf("ana@acme"))
            assertThrows<PanelNotesException.NotFound> { ana.ffi.timeline("2ewLZfLrpFhJVJhpJEAYjVsQ6Qn") }
            assertThrows<PanelNotesException.NotFound> { ana.ffi.notes("not-an-id", "learn") }
            val e = assertThrows<PanelNotesException.OutOfRange> { ana.ffi.spliceNotes(i, "learn", 5u, 0u, "x") }
            assertEquals(5uL, e.position)
            assertEquals(0uL, e.length)
            assertThrows<PanelNotesException.InvalidArgument> { ana.ffi.joinPanel("https://example.org") }
            // Garbage from a peer: a typed error, the session closes, the store is unchanged.
            val session = ana.acceptSession()
            assertThrows<PanelNotesException> { session.receive(ByteArray(64) { (it * 7).toByte() }) }
            assertThrows<PanelNotesException> { session.receive("PNL1".toByteArray()) }
            assertEquals(1, ana.call { candidates() }.size)
        }
    }

    @Test
    fun scorecardsStaySealedUntilYourOwnIsSubmitted() = runBlocking {
        open("ana").use { ana ->
            open("ben").use { ben ->
                val (_, i) = interview(ana, listOf("ana@acme", "ben@acme"))
                val invite = ana.call { panelInvite(i) }
                ben.call { joinPanel(invite) }
                sync(ana, ben, i)
                ana.call { endInterview(i, Instant.parse("2026-03-04T09:47:00Z")) }
                val card = ScorecardDraft(4u, 3u, 3u, 4u, Recommendation.STRONG_YES, "sharp")
                ana.call { saveScorecardDraft(i, card) }
                ana.call { submitScorecard(i, Instant.parse("2026-03-04T10:00:00Z")) }
                sync(ana, ben, i)
                val sealed = ben.call { scorecards(i) }
                assertTrue(sealed is ScorecardView.Sealed)
                assertEquals(listOf("ana@acme"), (sealed as ScorecardView.Sealed).submittedBy)
                ben.call { saveScorecardDraft(i, card.copy(recommendation = Recommendation.NO)) }
                ben.call { submitScorecard(i, Instant.parse("2026-03-04T11:00:00Z")) }
                val visible = ben.call { scorecards(i) } as ScorecardView.Visible
                assertEquals(setOf("ana@acme", "ben@acme"), visible.scorecards.map { it.interviewer }.toSet())
                assertEquals(Recommendation.STRONG_YES, visible.scorecards.first { it.interviewer == "ana@acme" }.recommendation)
            }
        }
    }

    @Test
    fun thePlaybookIsBuiltInAndTeamsAddTemplates() = runBlocking {
        open("ana").use { ana ->
            val playbook = ana.call { templates() }.single()
            assertEquals(listOf("pitch", "learn", "questions", "logistics", "next_steps"), playbook.stages.map { it.key })
            assertEquals(45u, playbook.stages.sumOf { it.minutes })
            val screen = ana.call {
                createTemplate("Phone screen", listOf(app.panelnotes.ffi.Stage("intro", "Intro", 5u, "", emptyList()), app.panelnotes.ffi.Stage("dig", "Experience", 20u, "", emptyList())))
            }
            assertEquals(listOf("Playbook (45 min)", "Phone screen"), ana.call { templates() }.map { it.name })
            val c = ana.call { createCandidate("Eli", "SRE", null, null, Instant.now()) }
            val i = ana.call { scheduleInterview(c, "Phone screen", Instant.now(), listOf("ana@acme"), "ana@acme") }
            assertEquals(25u, ana.call { interview(i) }.minutes)
            assertThrows<PanelNotesException.InvalidArgument> { ana.ffi.createTemplate("Phone screen", emptyList()) }
            assertTrue(screen.isNotEmpty())
        }
    }
}
