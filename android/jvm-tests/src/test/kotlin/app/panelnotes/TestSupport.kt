package app.panelnotes

import app.panelnotes.ffi.SyncSession
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

fun syncStores(a: PanelNotesStore, b: PanelNotesStore, interview: String) {
    val sa = a.ffi.startSession(interview)
    val sb = b.acceptSession()
    pump(sa, sb)
    sa.finish()
    sb.finish()
}
