// The 4-phone panel after 45 offline minutes on automerge-repo 2.x, at three granularities:
// our store's change count ("ours", same cut points), a change per word, a change per
// keystroke. Each phone types the same script into its own Repo (NodeFS storage) starting
// from the same interview document our store made; then four phone processes meet in a star
// around the lead over the WebSocket adapters, as our phones meet around theirs.
//
//   BENCH_DIR=target/bench BENCH_RUST_BIN=target/release/panelnotes-bench node bench/panel.mjs
import fs from "node:fs"
import path from "node:path"
import { fork, execFileSync } from "node:child_process"
import { performance } from "node:perf_hooks"
import { A, Repo, NodeFSStorageAdapter, benchDir, loadScript, groups, median, save, sleep, copyDir } from "./common.mjs"

const script = loadScript()
const docId = script.ids.interview
const initial = fs.readFileSync(path.join(benchDir, "fixtures", "interview-before.automerge"))
const granularities = (process.env.BENCH_GRANULARITIES ?? "ours,word,keystroke").split(",")
const runs = Number(process.env.BENCH_RUNS ?? 3)
const rustBin = process.env.BENCH_RUST_BIN ?? "target/release/panelnotes-bench"
const here = path.dirname(new URL(import.meta.url).pathname)

/** One phone types its part of the script, committing as `granularity` says. */
async function typePhone(dir, phone, granularity) {
  fs.rmSync(dir, { recursive: true, force: true })
  const repo = new Repo({ storage: new NodeFSStorageAdapter(dir), network: [], peerId: `typist-${phone}` })
  const handle = repo.import(initial, { docId })
  // Our members' first edit records who they are, as a change of its own; so here.
  if (phone > 0) {
    const actor = A.getActorId(handle.doc())
    handle.change((d) => {
      d.actors[actor] = script.panel[phone]
    })
  }
  for (const group of groups(script.keys, phone, granularity)) {
    handle.change((d) => {
      for (const k of group) {
        const at = ["notes", script.stages[k.stage]]
        if (k.text) A.splice(d, at, k.pos, k.del, k.text)
        else A.splice(d, at, k.pos, k.del)
      }
    })
  }
  await repo.flush()
  const bytes = A.save(handle.doc())
  await repo.shutdown()
  return bytes
}

/** The four phones meet; returns time to convergence, bytes and peak RSS per phone. */
async function syncOnce(base, run) {
  const dir = path.join(benchDir, "scratch", `js-panel-${run}`)
  const kids = []
  for (let p = 0; p < 4; p++) {
    copyDir(path.join(base, `phone${p}`), path.join(dir, `phone${p}`))
    const child = fork(path.join(here, "phone.mjs"), [p === 0 ? "lead" : "member", path.join(dir, `phone${p}`), docId], {
      execArgv: ["--expose-gc"],
    })
    kids.push({ child, heads: null, ready: null, stats: null })
  }
  const ready = kids.map(
    (k) =>
      new Promise((resolve) =>
        k.child.on("message", (m) => {
          if (m.type === "ready") resolve(m)
          if (m.type === "heads" || m.type === "ready") k.heads = m.heads
          if (m.type === "stats") k.stats?.(m)
        }),
      ),
  )
  const port = (await Promise.all(ready))[0].port
  const start = performance.now()
  for (const k of kids) k.child.send({ type: "go", url: `ws://127.0.0.1:${port}` })
  let converged = null
  while (converged === null) {
    if (kids.every((k) => k.heads === kids[0].heads)) converged = performance.now() - start
    else if (performance.now() - start > 600_000) throw new Error("no convergence in 10 minutes")
    else await sleep(1)
  }
  // Messages still in flight after convergence count too: wait until the bytes stop moving.
  const stats = () => Promise.all(kids.map((k) => new Promise((r) => ((k.stats = r), k.child.send({ type: "stats" })))))
  let last = await stats()
  for (let i = 0; i < 30; i++) {
    await sleep(200)
    const now = await stats()
    const moved = now.some((s, j) => s.bytesIn !== last[j].bytesIn)
    last = now
    if (!moved) break
  }
  for (const k of kids) k.child.send({ type: "quit" })
  await Promise.all(kids.map((k) => new Promise((r) => (k.child.exitCode !== null ? r() : k.child.on("exit", r)))))
  fs.rmSync(dir, { recursive: true, force: true })
  return {
    time_ms: converged,
    bytes: last.reduce((a, s) => a + s.bytesIn, 0),
    messages: last.reduce((a, s) => a + s.messagesIn, 0),
    cpu_ms: last.reduce((a, s) => a + s.cpuMs, 0),
    phones: last.map((s) => ({ bytes_in: s.bytesIn, peak_rss: s.peakRss, rss_loaded: s.rssLoaded })),
  }
}

const results = {}
for (const g of granularities) {
  const base = path.join(benchDir, "js", g)
  const t0 = performance.now()
  const docs = []
  for (let p = 0; p < 4; p++) {
    const bytes = await typePhone(path.join(base, `phone${p}`), p, g)
    const file = path.join(base, `phone${p}.automerge`)
    fs.writeFileSync(file, bytes)
    docs.push(file)
  }
  const typingS = (performance.now() - t0) / 1e3
  const floor = JSON.parse(execFileSync(rustBin, ["lacked", ...docs], { encoding: "utf8" }))
  const all = []
  for (let r = 0; r < runs; r++) all.push(await syncOnce(base, r))
  const phones = [0, 1, 2, 3].map((p) => ({
    received_bytes: all[0].phones[p].bytes_in,
    lacked_bytes: floor.lacked_bytes[p],
    ratio: all[0].phones[p].bytes_in / Math.max(1, floor.lacked_bytes[p]),
    peak_rss: median(all.map((r) => r.phones[p].peak_rss)),
    rss_loaded: all[0].phones[p].rss_loaded,
  }))
  results[g] = {
    typing_s: typingS,
    time_ms: median(all.map((r) => r.time_ms)),
    time_ms_runs: all.map((r) => r.time_ms),
    cpu_ms: median(all.map((r) => r.cpu_ms)),
    bytes: median(all.map((r) => r.bytes)),
    bytes_runs: all.map((r) => r.bytes),
    messages: median(all.map((r) => r.messages)),
    phones,
    floor,
  }
  console.error(`  automerge-repo, ${g}: ${floor.changes} changes, ${results[g].time_ms.toFixed(0)} ms, ${(results[g].bytes / 1024).toFixed(0)} KB`)
}
save("panel_sync", results)
