package app.panelnotes

import app.panelnotes.core.Problem
import app.panelnotes.core.QuarantinedDocument
import app.panelnotes.ffi.Identity
import app.panelnotes.ffi.Interview
import app.panelnotes.ffi.PanelNotes
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.time.Instant

/**
 * The Panel Notes store for Kotlin. Every call is a suspend function that runs the core on
 * [dispatcher] (Dispatchers.IO unless injected), so no caller thread ever blocks on SQLite or
 * a merge; observation is a conflated Flow (see Observe.kt); sync sessions and LAN syncs end
 * when their coroutine is cancelled (see Sync.kt). Text positions are UTF-16 code units, as
 * `String.length` counts them. Bad input is a typed [app.panelnotes.core.PanelNotesException].
 *
 * The features live in extension files: Candidates.kt, Interviews.kt, Observe.kt, Sync.kt.
 */
class PanelNotesStore private constructor(
    /** The generated bindings, for tests and for what a newer core adds before this layer. */
    val ffi: PanelNotes,
    val dispatcher: CoroutineDispatcher,
) : AutoCloseable {
    companion object {
        /**
         * Opens the store with the app's 32-byte at-rest [key] (kept in the Android Keystore).
         * A wrong key throws `PanelNotesException.WrongKey`; a store of the other form throws
         * `PanelNotesException.EncryptionMismatch`: never an empty store.
         */
        suspend fun open(
            path: String,
            interviewerId: String,
            displayName: String,
            key: ByteArray,
            dispatcher: CoroutineDispatcher = Dispatchers.IO,
        ): PanelNotesStore = withContext(dispatcher) {
            PanelNotesStore(PanelNotes.open(path, interviewerId, displayName, key), dispatcher)
        }
    }

    /** Runs [block] against the generated API on [dispatcher]. */
    suspend fun <T> call(block: PanelNotes.() -> T): T = withContext(dispatcher) { ffi.block() }

    suspend fun identity(): Identity = call { identity() }

    suspend fun setIdentity(interviewerId: String, displayName: String) = call { setIdentity(interviewerId, displayName) }

    suspend fun rotateActor() = call { rotateActor() }

    /** Re-wraps the store's keys under the app's new at-rest key; afterwards only it opens the store. */
    suspend fun rotateKey(newKey: ByteArray) = call { rotateKey(newKey) }

    suspend fun now(): Instant = call { now() }

    suspend fun resolveId(prefix: String): String = call { resolveId(prefix) }

    /** Folds pending keystrokes and checkpoints: call it when the app goes to background. */
    suspend fun flush() = call { flush() }

    suspend fun verify(): Long = call { verify().toLong() }

    suspend fun exportMarkdown(candidateId: String): String = call { exportMarkdown(candidateId) }

    suspend fun hasDocument(documentId: String): Boolean = call { hasDocument(documentId) }

    suspend fun preload(documentId: String) = call { preload(documentId) }

    suspend fun unload(documentId: String) = call { unload(documentId) }

    /**
     * The interview as soon as its view is read from the index (the core's async function: no
     * thread of [dispatcher] waits for it); its document then decodes on a core thread, and
     * keystrokes typed meanwhile are kept.
     */
    suspend fun openInterview(interviewId: String): Interview = ffi.openInterview(interviewId)

    /** Whether the document is decoded, so an edit does not wait for a load. */
    suspend fun isDecoded(documentId: String): Boolean = call { isDecoded(documentId) }

    suspend fun problems(documentId: String? = null): List<Problem> = call { problems(documentId) }

    suspend fun dropInvalid(documentId: String, path: String) = call { dropInvalid(documentId, path) }

    suspend fun quarantined(): List<QuarantinedDocument> = call { quarantined() }

    /** Flushes, then frees the native store. Flows and sessions still open end with errors. */
    override fun close() {
        runCatching { ffi.flush() }
        ffi.close()
    }
}

/** Who the store at [path] was last opened for, without opening it; null when there is none. */
suspend fun storedIdentity(path: String, dispatcher: kotlinx.coroutines.CoroutineDispatcher = Dispatchers.IO): Identity? =
    withContext(dispatcher) { app.panelnotes.ffi.storedIdentity(path) }
