package app.panelnotes

import app.panelnotes.core.Outcome
import app.panelnotes.core.PanelNotesException
import app.panelnotes.core.RetentionRule
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path

class ErasureTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun aHoldBlocksErasureTheExportHoldsEverythingAndRetentionErasesByRule(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val old = ana.createCandidate("Oswin Erasable", "Data engineer", t(0))
            ana.decide(old, Outcome.REJECT, t(60), null)
            val fresh = ana.createCandidate("Freya Keepme", "Data engineer", java.time.Instant.now().minusSeconds(3600))

            ana.setLegalHold(old, true)
            assertThrows(PanelNotesException.NotPermitted::class.java) { runBlocking { ana.eraseCandidate(old) } }
            assertTrue(ana.legalHold(old))
            val export = ana.exportAll(old)
            assertTrue(export.json.contains("\"name\": \"Oswin Erasable\""), export.json)
            assertTrue(export.markdown.startsWith("# Oswin Erasable"), export.markdown)

            // The dry run lists ids and why; the run keeps the held candidate.
            val due = ana.retentionDryRun(RetentionRule(180u, null))
            assertEquals(listOf(old), due.map { it.candidateId })
            assertTrue(due.single().reason.startsWith("decided "), due.single().reason)
            ana.setRetentionRule(afterDecisionDays = 180u)
            val kept = ana.runRetention()
            assertTrue(kept.erased.isEmpty())
            assertEquals(listOf(old), kept.skipped.map { it.candidateId })

            ana.setLegalHold(old, false)
            val run = ana.runRetention()
            assertEquals(listOf(old), run.erased.map { it.candidateId })
            assertTrue(ana.isErased(old))
            assertFalse(ana.isErased(fresh))
            assertEquals(listOf(fresh), ana.candidateList().map { it.id })
            val status = ana.erasures().single()
            assertEquals(old, status.candidateId)
            assertEquals(1u, status.acknowledged)
            assertEquals(1u, status.expected)
            assertThrows(PanelNotesException.NotFound::class.java) { runBlocking { ana.candidate(old) } }
            assertThrows(PanelNotesException.NotPermitted::class.java) { runBlocking { ana.setLegalHold(old, true) } }

            // Erasing by hand; the name is then in no byte of the store's files.
            ana.eraseCandidate(fresh)
            assertTrue(ana.candidateList().isEmpty())
            Files.list(dir).use { files ->
                files.filter { it.fileName.toString().startsWith("ana.sqlite3") }.forEach { f ->
                    val bytes = String(Files.readAllBytes(f), Charsets.ISO_8859_1)
                    assertFalse(bytes.contains("Oswin Erasable") || bytes.contains("Freya Keepme"), "$f")
                }
            }
        }
    }
}
