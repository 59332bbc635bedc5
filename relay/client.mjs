// A JS automerge-repo client for the interop test: finds a document our Rust store wrote,
// prints what it read as JSON, applies one edit, and waits until the relay has it.
//
//   node client.mjs ws://127.0.0.1:PORT automerge:DOCID "note text"
import { Repo } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [url, docUrl, note] = process.argv.slice(2)
const repo = new Repo({ network: [new BrowserWebSocketClientAdapter(url)] })
const handle = await repo.find(docUrl)
const doc = handle.doc()
console.log(JSON.stringify({ type: doc.type, name: doc.profile?.name, role: doc.profile?.role, events: doc.events?.length }))
handle.change((d) => {
  d.events.push({ kind: "note", at: new Date(), by: "js-client@acme", note })
})
// Give the change time to reach the relay, then leave.
await new Promise((r) => setTimeout(r, 1500))
await repo.shutdown()
process.exit(0)
