// Twenty phones re-sync a whole store on automerge-repo 2.x: the lead's Repo (NodeFS) holds
// the documents our side re-syncs (the export's "resync" list, imported from the bytes our
// store saved), and twenty
// empty Repos (NodeFS each) connect to it over the WebSocket adapters and find every document
// by id. One process, as our side runs its twenty stores in one.
//
//   BENCH_DIR=target/bench BENCH_RESYNC_PHONES=20 node bench/resync.mjs
import path from "node:path"
import { performance } from "node:perf_hooks"
import { WebSocketServer } from "ws"
import { Repo, NodeFSStorageAdapter, CountingServerAdapter, CountingClientAdapter, benchDir, importStore, storeDocs, median, save } from "./common.mjs"

const phones = Number(process.env.BENCH_RESYNC_PHONES ?? 20)
const dir = path.join(benchDir, "scratch", "js-resync")
const docs = await importStore(path.join(dir, "hub"), new Set(storeDocs().resync))
const ids = docs.resync

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
await new Promise((r) => wss.on("listening", r))
const url = `ws://127.0.0.1:${wss.address().port}`
const hubAdapter = new CountingServerAdapter(wss)
const hub = new Repo({ storage: new NodeFSStorageAdapter(path.join(dir, "hub")), network: [hubAdapter], peerId: "hub" })
const members = []
for (let m = 0; m < phones; m++) {
  const adapter = new CountingClientAdapter(url)
  const repo = new Repo({ storage: new NodeFSStorageAdapter(path.join(dir, `m${m}`)), network: [adapter], peerId: `m${m}` })
  members.push({ repo, adapter })
}
await Promise.all(members.map((m) => m.repo.networkSubsystem.whenReady()))
const start = performance.now()
await Promise.all(members.map((m) => Promise.all(ids.map((id) => m.repo.find(id)))))
const timeMs = performance.now() - start
const received = members.map((m) => m.adapter.bytesIn)
const bytes = received.reduce((a, b) => a + b, 0) + hubAdapter.bytesIn
save("resync", {
  phones,
  documents: ids.length,
  fresh: { time_ms: timeMs, bytes, per_phone_received_median: median(received) },
})
console.error(`  automerge-repo: ${phones} phones took ${ids.length} documents each in ${(timeMs / 1e3).toFixed(1)} s, ${(bytes / 1e6).toFixed(1)} MB`)
process.exit(0)
