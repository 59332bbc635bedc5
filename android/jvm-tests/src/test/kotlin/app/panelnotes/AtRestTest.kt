package app.panelnotes

import app.panelnotes.core.PanelNotesException
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path

class AtRestTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun aWrongKeyIsATypedErrorAndTheRightOneStillOpensTheStore(): Unit = runBlocking {
        openStore(dir, "ana").use { ana -> ana.createCandidate("Zorblat Quexmarker", "Data engineer", t(0)) }
        val bytes = Files.readAllBytes(dir.resolve("ana.sqlite3"))
        assertEquals(-1, String(bytes, Charsets.ISO_8859_1).indexOf("Quexmarker"), "the name is not in the file")
        assertThrows<PanelNotesException.WrongKey> { openStore(dir, "ana", ByteArray(32) { 9 }) }
        assertThrows<PanelNotesException.InvalidArgument> { openStore(dir, "ana", ByteArray(31)) }
        openStore(dir, "ana").use { ana ->
            assertEquals(listOf("Zorblat Quexmarker"), ana.candidateList().map { it.name })
            ana.rotateKey(ByteArray(32) { 3 })
        }
        assertThrows<PanelNotesException.WrongKey> { openStore(dir, "ana") }
        openStore(dir, "ana", ByteArray(32) { 3 }).use { ana ->
            assertEquals(listOf("Zorblat Quexmarker"), ana.candidateList().map { it.name })
        }
    }
}
