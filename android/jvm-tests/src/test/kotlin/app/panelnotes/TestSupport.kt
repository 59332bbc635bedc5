package app.panelnotes

import app.panelnotes.ffi.JoinResult
import app.panelnotes.ffi.SeatInvite
import app.panelnotes.ffi.SyncSession
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.runBlocking
import java.nio.file.Path
import java.time.Instant

/** 2026-03-02 09:00 UTC plus [minutes]. */
fun t(minutes: Long): Instant = Instant.parse("2026-03-02T09:00:00Z").plusSeconds(minutes * 60)

/** The at-rest key the tests' stores are opened with (the apps take theirs from the Keystore). */
val testKey: ByteArray = ByteArray(32) { 7 }

fun openStore(dir: Path, name: String, key: ByteArray = testKey): PanelNotesStore = runBlocking {
    PanelNotesStore.open(dir.resolve("$name.sqlite3").toString(), "$name@acme", name, key)
}

/** A candidate with an interview on the playbook led by the first panelist. */
fun scheduled(store: PanelNotesStore, panel: List<String>): Pair<String, String> = runBlocking {
    val c = store.createCandidate("Dana", "Data engineer", t(0))
    val i = store.scheduleInterview(c, t(48 * 60), panel, panel.first())
    c to i
}

fun pump(a: SyncSession, b: SyncSession) {
    repeat(100) {
        val x = a.poll()
        if (x.isNotEmpty()) b.receive(x)
        val y = b.poll()
        if (y.isNotEmpty()) a.receive(y)
        if (x.isEmpty() && y.isEmpty()) return
    }
    error("the sessions did not settle")
}

/**
 * Starts the interview's roster on [lead] and has [joiner]'s phone join its seat over the
 * LAN on loopback, as a panelist does once in the room; returns the seat's invite.
 */
fun joinPanel(lead: PanelNotesStore, joiner: PanelNotesStore, interview: String, label: String = "Pixel 8"): SeatInvite = runBlocking {
    if (lead.panelRoster(interview) == null) lead.startPanel(interview)
    val seat = joiner.ffi.interviewerId()
    val invite = lead.inviteSeat(interview, seat)
    val server = lead.serveLan("127.0.0.1:0")
    try {
        val joined = withTimeout(60_000) { joiner.joinViaLan(invite.uri, server.address(), label) }
        check(joined == JoinResult.Welcomed(interview, seat)) { "the join was not welcomed: $joined" }
    } finally {
        server.stop()
        server.close()
    }
    invite
}

/** Syncs two members of the interview's rostered panel over an in-memory byte pipe. */
fun syncStores(a: PanelNotesStore, b: PanelNotesStore, interview: String) {
    val sa = a.ffi.startPanelSession(interview)
    val sb = b.ffi.acceptPanelSession()
    pump(sa, sb)
    sa.finish()
    sb.finish()
}

/**
 * The standard automerge-repo relay (relay/server.mjs on Node, unmodified) on a free loopback
 * port, its data under [data]; [close] stops it and waits, so the test's temporary directory
 * is not removed under a relay still writing.
 */
class TestRelay(data: Path) : AutoCloseable {
    private val process: Process
    val url: String

    init {
        val relayDir = java.io.File(System.getProperty("user.dir"), "../../relay").canonicalFile
        check(java.io.File(relayDir, "node_modules/@automerge/automerge-repo").exists()) {
            "the relay's npm packages are missing: run `npm install` in relay/ (scripts/test-all does)"
        }
        data.toFile().mkdirs()
        val pb = ProcessBuilder("node", "server.mjs").directory(relayDir).redirectError(ProcessBuilder.Redirect.INHERIT)
        pb.environment().putAll(mapOf("HOST" to "127.0.0.1", "PORT" to "0", "DATA_DIR" to data.toString()))
        process = pb.start()
        val first = process.inputStream.bufferedReader().readLine() ?: error("the relay did not start")
        url = first.removePrefix("listening on ").trim()
        check(url.startsWith("ws://127.0.0.1:")) { first }
    }

    override fun close() {
        process.destroy()
        process.waitFor()
    }
}

