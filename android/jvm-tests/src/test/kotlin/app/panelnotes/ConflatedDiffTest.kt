package app.panelnotes

import app.panelnotes.ffi.InterviewListener
import app.panelnotes.ffi.InterviewUpdate
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.flow.transformWhile
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList

class ConflatedDiffTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun aSlowCollectorGetsTheUnionOfTheStagesThatChangedWhileItWasBusy(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme"))
            val stages = listOf("pitch", "learn", "questions")
            // What the core delivers, one update per change, to tell when each has been sent.
            val delivered = CopyOnWriteArrayList<String>()
            val raw = ana.ffi.observeInterview(i, object : InterviewListener {
                override fun onInterview(update: InterviewUpdate) {
                    if (!update.first) delivered.addAll(update.changedStages)
                }
            })
            val busy = CompletableDeferred<Unit>()
            val done = CompletableDeferred<Unit>()
            withTimeout(30_000) {
                val updates = async {
                    ana.observeInterview(i)
                        // The collector takes the first state, then is busy until released.
                        .onEach { if (it.first) { busy.complete(Unit); done.await() } }
                        .transformWhile { emit(it); it.first || stages.last() !in it.changedStages }
                        .toList()
                }
                busy.await()
                for (stage in stages) {
                    // A whole-text edit: the core sends it to listeners at once (keystrokes are
                    // the typist's own and go out with the next fold).
                    ana.replaceNotes(i, stage, "$stage notes")
                    // Each change goes out from the core on its own before the next is made.
                    while (stage !in delivered) delay(5)
                }
                done.complete(Unit)
                val got = updates.await()
                raw.stop()
                raw.close()
                assertTrue(got.size < 1 + stages.size, "the busy collector was given fewer updates than the core sent: ${got.size}")
                assertEquals(stages.toSet(), got.drop(1).flatMap { it.changedStages }.toSet(), "no changed stage was lost")
                assertEquals("questions notes", got.last().interview.notes.first { it.stage == "questions" }.text)
            }
        }
    }

    @Test
    fun mergingKeepsTheNewerStateAndBothDiffs() {
        openStore(dir, "ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme"))
            val view = runBlocking { ana.interview(i) }
            val a = InterviewUpdate(view, remote = true, first = false, changedStages = listOf("learn", "pitch"))
            val b = InterviewUpdate(view.copy(title = "later"), remote = false, first = false, changedStages = listOf("pitch", "questions"))
            val m = merged(a, b)
            assertEquals("later", m.interview.title)
            assertEquals(listOf("learn", "pitch", "questions"), m.changedStages)
            assertTrue(m.remote, "one of the merged changes came from a peer")
            val slot = MergingSlot<InterviewUpdate>(::merged)
            slot.offer(a)
            slot.offer(b)
            assertEquals(m, slot.take())
            assertEquals(null, slot.take())
        }
    }
}
