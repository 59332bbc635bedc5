// Shared by the Node side of scripts/bench: the script and its granularities, byte-counting
// network adapters, peak RSS read the way the Rust side reads it, and the results file.
import fs from "node:fs"
import path from "node:path"
import * as A from "@automerge/automerge"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter, WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

export { A, Repo, NodeFSStorageAdapter }

export const benchDir = path.resolve(process.env.BENCH_DIR ?? "target/bench")

function statusKb(field) {
  const line = fs.readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(field))
  return line ? Number(line.split(/\s+/)[1]) : 0
}
/** VmHWM in bytes: the process's peak resident set, as the Rust phones report it. */
export const peakRss = () => statusKb("VmHWM:") * 1024
export const currentRss = () => statusKb("VmRSS:") * 1024

export function median(values) {
  const v = [...values].sort((a, b) => a - b)
  return v.length ? v[Math.floor(v.length / 2)] : NaN
}

export function percentile(sorted, p) {
  return sorted.length ? sorted[Math.round((sorted.length - 1) * p)] : 0
}

export function latencySummary(samples) {
  const s = [...samples].sort((a, b) => a - b)
  return {
    n: s.length,
    p50_ms: percentile(s, 0.5),
    p90_ms: percentile(s, 0.9),
    p99_ms: percentile(s, 0.99),
    p999_ms: percentile(s, 0.999),
    max_ms: s.length ? s[s.length - 1] : 0,
  }
}

/** Merges one stage's results under `key`, as the Rust side does with its own file. */
export function save(key, value) {
  const file = path.join(benchDir, "results", "js.json")
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const all = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {}
  all[key] = value
  fs.writeFileSync(file, JSON.stringify(all, null, 2))
}

export function loadScript() {
  const s = JSON.parse(fs.readFileSync(path.join(benchDir, "fixtures", "script.json"), "utf8"))
  s.keys = s.keys.map(([t, phone, stage, pos, del, text, fold]) => ({ t, phone, stage, pos, del, text, fold: fold === 1 }))
  return s
}

/**
 * One phone's keystrokes cut into changes:
 * - "ours": exactly where our store made a change (the script's fold marks), so both sides
 *   hold the same number of changes;
 * - "word": a change per word, at each space (automerge-repo's natural granularity when an
 *   editor commits on word boundaries);
 * - "keystroke": a change per keystroke (what a text binding does by default).
 * A stage change always ends a change, as the text object changes.
 */
export function groups(keys, phone, granularity) {
  const out = []
  let cur = []
  for (const k of keys) {
    if (k.phone !== phone) continue
    if (cur.length && cur[cur.length - 1].stage !== k.stage && granularity !== "ours") {
      out.push(cur)
      cur = []
    }
    cur.push(k)
    const end = granularity === "keystroke" || (granularity === "word" && k.text === " ") || (granularity === "ours" && k.fold)
    if (end) {
      out.push(cur)
      cur = []
    }
  }
  if (cur.length) out.push(cur)
  return out
}

/** The WebSocket adapters, counting the protocol bytes each phone receives. */
export class CountingServerAdapter extends WebSocketServerAdapter {
  bytesIn = 0
  messagesIn = 0
  receiveMessage(bytes, socket) {
    this.bytesIn += bytes.byteLength
    this.messagesIn += 1
    return super.receiveMessage(bytes, socket)
  }
}

export class CountingClientAdapter extends WebSocketClientAdapter {
  bytesIn = 0
  messagesIn = 0
  receiveMessage(bytes) {
    this.bytesIn += bytes.byteLength
    this.messagesIn += 1
    return super.receiveMessage(bytes)
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export function copyDir(from, to) {
  fs.rmSync(to, { recursive: true, force: true })
  fs.cpSync(from, to, { recursive: true })
}

/** The lead's documents (exported by our side) as the index and a loader of their bytes. */
export function storeDocs() {
  const dir = path.join(benchDir, "fixtures", "store-docs")
  const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8"))
  index.bytes = (id) => fs.readFileSync(path.join(dir, `${id}.automerge`))
  return index
}

/** NodeFS storage at `dir` holding the lead's documents (those in `only`, if given). */
export async function importStore(dir, only) {
  fs.rmSync(dir, { recursive: true, force: true })
  const docs = storeDocs()
  const repo = new Repo({ storage: new NodeFSStorageAdapter(dir), network: [], peerId: "importer" })
  for (const d of docs.docs) if (!only || only.has(d.id)) repo.import(docs.bytes(d.id), { docId: d.id })
  await repo.flush()
  await repo.shutdown()
  return docs
}
