package app.panelnotes

import app.panelnotes.core.PanelNotesException
import app.panelnotes.core.Probe
import app.panelnotes.core.Prompt
import app.panelnotes.core.Stage
import app.panelnotes.core.Template
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class TemplatesTest {
    @TempDir
    lateinit var dir: Path

    private val screen = Template(
        id = null,
        name = "Phone screen",
        stages = listOf(
            Stage("intro", "Intro", 5u, "", emptyList()),
            Stage("dig", "Experience", 20u, "Probe one project", listOf(Prompt(Probe.TECHNICAL_DEPTH, "What did you build?"))),
        ),
    )

    @Test
    fun thePlaybookCopiedAsATeamTemplateReadsBackEqualProbesIncluded(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            val playbook = ana.templates().single()
            assertNull(playbook.id)
            val learn = playbook.stages.first { it.key == "learn" }
            assertEquals(
                listOf(Probe.TECHNICAL_DEPTH, Probe.REACTION_TO_CHALLENGE, Probe.BUSINESS_IMPACT),
                learn.prompts.map { it.probe },
            )
            assertTrue(learn.prompts.all { it.text.isNotBlank() })

            val copy = playbook.copy(name = "Our playbook")
            val id = ana.createTemplate(copy)
            val back = ana.template(id)
            assertEquals(copy.copy(id = id), back)
            assertEquals(back, ana.findTemplate("Our playbook"))
            assertEquals(learn.prompts, back.stages.first { it.key == "learn" }.prompts)

            // And updated: a probe removed and another added, both ways.
            val edited = back.copy(stages = back.stages.map { s ->
                if (s.key == "learn") s.copy(prompts = s.prompts.drop(1) + Prompt(null, "Anything else?")) else s
            })
            ana.updateTemplate(id, edited)
            assertEquals(edited, ana.template(id))
        }
    }

    @Test
    fun aSecondTemplateWithTheSameNameIsRefusedByTheDuplicateRule(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            ana.createTemplate(screen)
            // Valid stages, so the only rule this can break is the name already in use.
            val e = assertThrows<PanelNotesException.InvalidArgument> { ana.createTemplate(screen.copy(name = "phone SCREEN")) }
            assertTrue(e.reason.contains("exists"), e.reason)
            assertEquals(listOf("Playbook (45 min)", "Phone screen"), ana.templates().map { it.name })
            // Empty stages are refused for their own reason.
            val empty = assertThrows<PanelNotesException.InvalidArgument> { ana.createTemplate(screen.copy(name = "Other", stages = emptyList())) }
            assertTrue(empty.reason.contains("stage"), empty.reason)
        }
    }

    @Test
    fun anInterviewScheduledOnATeamTemplateCopiesItsStages(): Unit = runBlocking {
        openStore(dir, "ana").use { ana ->
            ana.createTemplate(screen)
            val c = ana.createCandidate("Eli", "SRE", t(0))
            val i = ana.scheduleInterview(c, t(60), listOf("ana@acme"), "ana@acme", template = "Phone screen")
            val interview = ana.interview(i)
            assertEquals(25u, interview.minutes)
            assertEquals(screen.stages, interview.stages)
            assertEquals("Phone screen", interview.templateName)
        }
    }
}
