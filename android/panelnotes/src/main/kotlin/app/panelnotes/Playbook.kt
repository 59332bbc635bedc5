package app.panelnotes

import app.panelnotes.core.AcknowledgementFilter
import app.panelnotes.core.AwaitingAcknowledgement
import app.panelnotes.core.DebriefBrief
import app.panelnotes.core.DebriefProposal
import app.panelnotes.core.DebriefSlot
import app.panelnotes.core.InterviewKit
import app.panelnotes.core.OpenCommitment
import app.panelnotes.core.Outcome
import app.panelnotes.core.OwedScorecard
import java.time.Duration
import java.time.Instant

// The playbook in the interviewer's hand and the speed rules: the live kit, the debrief
// (proposal, booking, calendar file, brief), scorecards owed, acknowledgements, commitments.

/** The current stage's guidance and prompts by probe, its time, and what is still uncovered. */
suspend fun PanelNotesStore.interviewKit(interviewId: String, now: Instant = Instant.now()): InterviewKit =
    call { interviewKit(interviewId, now) }

/** A debrief slot right after the loop's last interview, or null once decided or unscheduled. */
suspend fun PanelNotesStore.debriefProposal(candidateId: String): DebriefProposal? = call { debriefProposal(candidateId) }

suspend fun PanelNotesStore.bookDebrief(candidateId: String, slot: DebriefSlot, bookedAt: Instant = Instant.now()) =
    call { bookDebrief(candidateId, slot, bookedAt) }

/** The booked debrief as an iCalendar file. */
suspend fun PanelNotesStore.debriefIcs(candidateId: String): String = call { debriefIcs(candidateId) }

/** Partial, naming who is missing, until the last scorecard arrives; never a hire suggestion. */
suspend fun PanelNotesStore.debriefBrief(candidateId: String): DebriefBrief = call { debriefBrief(candidateId) }

/** Scorecards not yet submitted with their reminder times; [interviewer] narrows to one person. */
suspend fun PanelNotesStore.feedbackOwed(interviewer: String? = null, now: Instant = Instant.now()): List<OwedScorecard> =
    call { feedbackOwed(interviewer, now) }

/** The explicit override `decide` asks for when scorecards are missing. */
suspend fun PanelNotesStore.decideDespiteMissingScorecards(candidateId: String, outcome: Outcome, at: Instant, reason: String? = null) =
    call { decideDespiteMissingScorecards(candidateId, outcome, at, reason) }

suspend fun PanelNotesStore.acknowledgementQueue(
    filter: AcknowledgementFilter = AcknowledgementFilter(null, null),
    target: Duration = Duration.ofHours(24),
    now: Instant = Instant.now(),
): List<AwaitingAcknowledgement> = call { acknowledgementQueue(filter, target, now) }

suspend fun PanelNotesStore.addCommitment(interviewId: String, text: String, owner: String, due: Instant, madeAt: Instant = Instant.now()) =
    call { addCommitment(interviewId, text, owner, due, madeAt) }

suspend fun PanelNotesStore.completeCommitment(interviewId: String, index: Int, keptAt: Instant = Instant.now()) {
    require(index >= 0) { "a commitment's index is not negative" }
    call { completeCommitment(interviewId, index.toUInt(), keptAt) }
}

suspend fun PanelNotesStore.openCommitments(owner: String? = null, now: Instant = Instant.now()): List<OpenCommitment> =
    call { openCommitments(owner, now) }
