// Someone who learned document ids (a photo of a screen, a leaked log) and talks to the relay
// with a standard automerge-repo client. For each id it prints what it could read (as JSON,
// one line per id) and, for ids whose document it found, writes garbage into it, then waits
// until the relay has the garbage. The trust test checks that this reveals no plaintext and
// that every phone ignores what it wrote.
//
//   node intruder.mjs ws://127.0.0.1:PORT automerge:ID...
import { Repo } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [url, ...ids] = process.argv.slice(2)
const repo = new Repo({ network: [new BrowserWebSocketClientAdapter(url)] })
const found = (id) =>
  Promise.race([
    repo.find(id).then((h) => h, () => null),
    new Promise((r) => setTimeout(() => r(null), 5000)),
  ])
process.on("uncaughtException", (e) => console.log(JSON.stringify({ error: String(e) })))
process.on("unhandledRejection", (e) => console.log(JSON.stringify({ error: String(e) })))
for (const id of ids) {
  const handle = await found(id)
  if (!handle) {
    console.log(JSON.stringify({ id, found: false }))
    continue
  }
  const doc = handle.doc()
  // Everything readable, with byte values shown as text so the test can search them.
  const shown = JSON.stringify(doc, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v))
  console.log(JSON.stringify({ id, found: true, keys: Object.keys(doc ?? {}).length, shown }))
  handle.change((d) => {
    d["e0000000000"] = new Uint8Array([1, 2, 3, 4])
    d["e0000000001"] = new Uint8Array(64).fill(7)
    d["e9999999999"] = "not an envelope"
  })
}
await new Promise((r) => setTimeout(r, 1500))
await repo.shutdown()
process.exit(0)
