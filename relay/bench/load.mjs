// Loading the worst-case document (260,000 single-character changes) on automerge JS, each
// measurement in a fresh process so its peak RSS is the load's own: Automerge's `load`
// alone, and a Repo that receives the document (import + flush to NodeFS) and then, reopened,
// finds it again from storage.
//
//   BENCH_DIR=target/bench node bench/load.mjs
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { execFileSync } from "node:child_process"
import { performance } from "node:perf_hooks"
import { A, Repo, NodeFSStorageAdapter, benchDir, loadScript, median, peakRss, currentRss, save } from "./common.mjs"

const [, self, role, mode, file, docId] = process.argv
if (role === "child") {
  const bytes = fs.readFileSync(file)
  const before = currentRss()
  let out
  if (mode === "raw") {
    const t = performance.now()
    A.load(bytes)
    out = { load_ms: performance.now() - t }
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pn-load-"))
    let t = performance.now()
    const repo = new Repo({ storage: new NodeFSStorageAdapter(dir), network: [] })
    repo.import(bytes, { docId })
    await repo.flush()
    const receive = performance.now() - t
    await repo.shutdown()
    t = performance.now()
    const again = new Repo({ storage: new NodeFSStorageAdapter(dir), network: [] })
    await again.find(docId)
    out = { receive_ms: receive, reopen_preload_ms: performance.now() - t }
    fs.rmSync(dir, { recursive: true, force: true })
  }
  console.log(JSON.stringify({ ...out, peak_rss: peakRss(), rss_before: before }))
  process.exit(0)
}

const worst = path.join(benchDir, "fixtures", "worst.automerge")
const id = loadScript().ids.interview
const result = {}
for (const m of ["raw", "repo"]) {
  const runs = []
  for (let i = 0; i < 3; i++) {
    runs.push(JSON.parse(execFileSync(process.execPath, [self, "child", m, worst, id], { encoding: "utf8" })))
  }
  result[m] = Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]))
}
save("worst", result)
