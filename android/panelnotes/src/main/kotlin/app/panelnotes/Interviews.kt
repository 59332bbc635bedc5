package app.panelnotes

import app.panelnotes.core.InterviewClock
import app.panelnotes.core.NextSteps
import app.panelnotes.core.PanelNotesException
import app.panelnotes.core.QuestionKind
import app.panelnotes.core.ScorecardDraft
import app.panelnotes.core.ScorecardSeal
import app.panelnotes.ffi.Interview
import app.panelnotes.ffi.ScorecardView
import java.time.Instant

// Interviews: scheduling, the stage clock, the shared notes, questions, next steps, scorecards.

/** Schedules on the playbook, or on a team template named by id or name. */
suspend fun PanelNotesStore.scheduleInterview(
    candidateId: String,
    start: Instant,
    panelists: List<String>,
    lead: String,
    template: String? = null,
    title: String? = null,
    minutes: Int? = null,
): String {
    if (minutes != null && minutes < 0) throw PanelNotesException.InvalidArgument("minutes must not be negative")
    return call { scheduleInterview(candidateId, template, title, start, minutes?.toUInt(), panelists, lead) }
}

suspend fun PanelNotesStore.interview(interviewId: String): Interview = call { interview(interviewId) }

suspend fun PanelNotesStore.startStage(interviewId: String, stage: String, at: Instant) = call { startStage(interviewId, stage, at) }

/** Starts the next stage; its key, or null after the last. */
suspend fun PanelNotesStore.advanceStage(interviewId: String, at: Instant): String? = call { advanceStage(interviewId, at) }

suspend fun PanelNotesStore.endInterview(interviewId: String, at: Instant) = call { endInterview(interviewId, at) }

suspend fun PanelNotesStore.reopenInterview(interviewId: String) = call { reopenInterview(interviewId) }

suspend fun PanelNotesStore.clock(interviewId: String, now: Instant = Instant.now()): InterviewClock = call { clock(interviewId, now) }

suspend fun PanelNotesStore.notes(interviewId: String, stage: String): String = call { notes(interviewId, stage) }

/**
 * Replaces [delete] UTF-16 units at [position] with [text]; durable when it returns. A
 * negative position or length is an [PanelNotesException.OutOfRange] like any other bad one.
 */
suspend fun PanelNotesStore.splice(interviewId: String, stage: String, position: Int, delete: Int, text: String) {
    if (position < 0 || delete < 0) {
        throw PanelNotesException.InvalidArgument("positions and lengths are UTF-16 counts, never negative")
    }
    call { spliceNotes(interviewId, stage, position.toULong(), delete.toULong(), text) }
}

suspend fun PanelNotesStore.replaceNotes(interviewId: String, stage: String, text: String) = call { replaceNotes(interviewId, stage, text) }

suspend fun PanelNotesStore.addQuestion(interviewId: String, text: String, kind: QuestionKind, at: Instant) =
    call { addQuestion(interviewId, text, kind, at) }

suspend fun PanelNotesStore.setNextSteps(interviewId: String, nextSteps: NextSteps) = call { setNextSteps(interviewId, nextSteps) }

suspend fun PanelNotesStore.saveScorecardDraft(interviewId: String, draft: ScorecardDraft) = call { saveScorecardDraft(interviewId, draft) }

suspend fun PanelNotesStore.scorecardDraft(interviewId: String): ScorecardDraft? = call { scorecardDraft(interviewId) }

suspend fun PanelNotesStore.submitScorecard(interviewId: String, at: Instant) = call { submitScorecard(interviewId, at) }

suspend fun PanelNotesStore.scorecards(interviewId: String): ScorecardView = call { scorecards(interviewId) }

/** Each submitted scorecard with whether you can read it and, if not, why ([SealReason]). */
suspend fun PanelNotesStore.scorecardSeals(interviewId: String): List<ScorecardSeal> = call { scorecardSeals(interviewId) }
