package app.panelnotes

import app.panelnotes.core.PanelNotesException
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class OpenInterviewTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun openInterviewSuspendsForTheViewAndTheDocumentDecodesInTheBackground(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val (_, i) = scheduled(ana, listOf("ana@acme"))
            ana.splice(i, "learn", 0, 0, "Spark on 200 nodes 🚀")
            ana.unload(i)
            assertFalse(ana.isDecoded(i), "the test needs an interview that is not decoded")

            val view = ana.openInterview(i)
            assertEquals(ana.interview(i), view)
            assertEquals("Spark on 200 nodes 🚀", view.notes.first { it.stage == "learn" }.text)
            // Typed while the decode may still be running: kept either way.
            ana.splice(i, "learn", 0, 0, "Ran ")
            withTimeout(30_000) { while (!ana.isDecoded(i)) delay(10) }
            assertEquals("Ran Spark on 200 nodes 🚀", ana.notes(i, "learn"))
        }
    }

    @Test
    fun openingAnUnknownInterviewIsNotFound(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            assertThrows<PanelNotesException.NotFound> { ana.openInterview("1111111111111111111111") }
        }
    }
}
