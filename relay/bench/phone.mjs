// One phone of the automerge-repo panel sync, in its own process so its peak RSS is its own:
// a Repo on NodeFS storage holding the phone's copy of the interview. The lead listens with
// the WebSocket server adapter; a member dials it with the client adapter when told "go".
// Reports its heads on every change, so the parent sees when all four agree. Forked with
// --expose-gc, so the warm-up's garbage is collected before the peak RSS is reset.
//
//   node phone.mjs lead|member STORAGE_DIR DOC_ID      (forked, with an IPC channel)
import fs from "node:fs"
import { WebSocketServer } from "ws"
import { WebSocketClientAdapter, WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { A, Repo, NodeFSStorageAdapter, CountingServerAdapter, CountingClientAdapter, peakRss, currentRss } from "./common.mjs"

/**
 * A phone that has been running the app has its code compiled; a fresh Node process has
 * not, and the first sync of a fresh process spends most of its time in V8 compiling
 * (a full sync of a small document: ~370 ms cold, ~40 ms warm). So before the measured sync,
 * two throwaway Repos in this process sync a copy of the document (under another id) over
 * the same adapters, twice.
 */
async function warmUp(bytes) {
  for (let i = 0; i < 2; i++) {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
    await new Promise((r) => wss.on("listening", r))
    const a = new Repo({ network: [new WebSocketServerAdapter(wss)], peerId: `warm-a-${i}` })
    const h = a.import(bytes)
    const b = new Repo({ network: [new WebSocketClientAdapter(`ws://127.0.0.1:${wss.address().port}`)], peerId: `warm-b-${i}` })
    // Ask once the server is a peer: on a loaded machine a request made before the socket is
    // up finds nobody to ask and fails as "unavailable".
    await new Promise((r) => b.networkSubsystem.once("peer", r))
    await b.find(h.url)
    await b.shutdown()
    await a.shutdown()
    wss.close()
  }
}

const [role, dir, docId] = process.argv.slice(2)
let adapter
let port = 0
const network = []
if (role === "lead") {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
  await new Promise((r) => wss.on("listening", r))
  port = wss.address().port
  adapter = new CountingServerAdapter(wss)
  network.push(adapter)
}
const repo = new Repo({ storage: new NodeFSStorageAdapter(dir), network, peerId: `${role}-${process.pid}` })
// The app had the interview open: loading it is not part of the sync.
const handle = await repo.find(docId)
await warmUp(A.save(handle.doc()))
globalThis.gc?.()
const rssLoaded = currentRss()
// Peak RSS from here on, as the Rust phone measures it: the warm-up's garbage does not count.
fs.writeFileSync("/proc/self/clear_refs", "5")
const heads = () => A.getHeads(handle.doc()).sort().join(",")
handle.on("change", () => process.send({ type: "heads", heads: heads() }))
let cpuAtGo = null
const cpuUs = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}
process.on("message", (m) => {
  if (m.type === "go") {
    cpuAtGo = cpuUs()
    if (role === "lead") return
    adapter = new CountingClientAdapter(m.url)
    repo.networkSubsystem.addNetworkAdapter(adapter)
  } else if (m.type === "stats") {
    process.send({
      type: "stats",
      heads: heads(),
      bytesIn: adapter?.bytesIn ?? 0,
      messagesIn: adapter?.messagesIn ?? 0,
      peakRss: peakRss(),
      cpuMs: (cpuUs() - cpuAtGo) / 1e3,
      rssLoaded,
    })
  } else if (m.type === "quit") {
    process.exit(0)
  }
})
process.send({ type: "ready", port, heads: heads() })
