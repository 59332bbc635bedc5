package app.panelnotes

import app.panelnotes.core.PanelNotesException
import app.panelnotes.ffi.EnvelopeProblem
import app.panelnotes.ffi.JoinCallback
import app.panelnotes.ffi.JoinRequest
import app.panelnotes.ffi.JoinResult
import app.panelnotes.ffi.PanelRoster
import app.panelnotes.ffi.SeatInvite
import app.panelnotes.ffi.SyncCallback
import app.panelnotes.ffi.SyncReport
import app.panelnotes.ffi.SyncSession
import kotlinx.coroutines.suspendCancellableCoroutine
import java.time.Instant
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

// Trust: an interview's panel (its signed roster), seat invites, joining, the lead's queue of
// join requests, and syncing a rostered panel's sealed mailboxes. Panels are named by their
// interview's id. Reasons are codes (JoinRefusalReason, EnvelopeRejection) for the app to word.

/** Starts the panel of an interview this install leads, or returns the one already started. */
suspend fun PanelNotesStore.startPanel(interviewId: String, deputy: String? = null): PanelRoster =
    call { startPanel(interviewId, deputy) }

/** The interview's panel, or null when this install neither leads nor joined it. */
suspend fun PanelNotesStore.panelRoster(interviewId: String): PanelRoster? = call { panelRoster(interviewId) }

/**
 * An invite to [seat] (admitted without asking once scanned, if the seat is free), or with no
 * seat one the lead decides on. It lasts until [expiresAt], by default the end of the
 * interview's day. Show [SeatInvite.uri] as a QR code.
 */
suspend fun PanelNotesStore.inviteSeat(interviewId: String, seat: String?, expiresAt: Instant? = null): SeatInvite =
    call { inviteSeat(interviewId, seat, expiresAt) }

/** Join requests waiting for this device's decision, oldest first. */
suspend fun PanelNotesStore.joinRequests(): List<JoinRequest> = call { joinRequests() }

/** Admits a waiting request to a free seat; the joining phone is welcomed when it asks again. */
suspend fun PanelNotesStore.admitJoinRequest(requestId: Long, seat: String) = call { admitJoinRequest(requestId, seat) }

suspend fun PanelNotesStore.refuseJoinRequest(requestId: Long) = call { refuseJoinRequest(requestId) }

/** Removes a device by fingerprint and starts a new epoch sealed from it; returns the roster. */
suspend fun PanelNotesStore.removeDevice(interviewId: String, fingerprint: String): PanelRoster =
    call { removeDevice(interviewId, fingerprint) }

suspend fun PanelNotesStore.thisDeviceFingerprint(): String = call { thisDeviceFingerprint() }

/** Envelopes from the panel's peers that were refused (device, reason code, time), newest first. */
suspend fun PanelNotesStore.envelopeProblems(interviewId: String): List<EnvelopeProblem> = call { envelopeProblems(interviewId) }

suspend fun PanelNotesStore.heldEnvelopes(interviewId: String): Long = call { heldEnvelopes(interviewId).toLong() }

/**
 * Joins a panel from a scanned invite by dialling the lead's phone at [address]. One request
 * and one answer, bounded by the core's LAN timeout; cancelling the coroutine stops waiting for
 * the answer (the core finishes the short exchange on its own thread).
 */
suspend fun PanelNotesStore.joinViaLan(inviteUri: String, address: String, label: String): JoinResult =
    suspendCancellableCoroutine { cont ->
        val callback = object : JoinCallback {
            override fun onDone(result: JoinResult) {
                if (cont.isActive) cont.resume(result)
            }

            override fun onError(error: PanelNotesException) {
                if (cont.isActive) cont.resumeWithException(error)
            }
        }
        try {
            ffi.joinViaLan(inviteUri, address, label, callback)
        } catch (e: PanelNotesException) {
            cont.resumeWithException(e)
        }
    }

/** Syncs the interview's rostered panel with a member at [address]. Cancellation ends it in the core. */
suspend fun PanelNotesStore.syncPanelLan(address: String, interviewId: String): SyncReport =
    suspendCancellableCoroutine { cont ->
        val callback = object : SyncCallback {
            override fun onDone(report: SyncReport) {
                if (cont.isActive) cont.resume(report)
            }

            override fun onError(error: PanelNotesException) {
                if (cont.isActive) cont.resumeWithException(error)
            }
        }
        try {
            val task = ffi.syncPanelLan(address, interviewId, callback)
            cont.invokeOnCancellation {
                task.cancel()
                task.close()
            }
        } catch (e: PanelNotesException) {
            cont.resumeWithException(e)
        }
    }

/** A session over a platform byte pipe with a member of the rostered panel (this side dials); run it with [runSession]. */
suspend fun PanelNotesStore.startPanelSession(interviewId: String): SyncSession = call { startPanelSession(interviewId) }

/**
 * A session over a platform byte pipe where the peer dials: a panel member, or a phone joining
 * with one of this device's invites ([SyncSession.joinDecision] then says what became of it).
 */
suspend fun PanelNotesStore.acceptPanelSession(): SyncSession = call { acceptPanelSession() }

/** A join session over a platform byte pipe (this side dials); [SyncSession.joinResult] says how it ended. */
suspend fun PanelNotesStore.startJoinSession(inviteUri: String, label: String): SyncSession =
    call { startJoinSession(inviteUri, label) }
