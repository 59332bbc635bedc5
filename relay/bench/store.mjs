// The candidate list, one timeline and pending feedback on automerge-repo 2.x, from the same
// documents our lead's store holds. automerge-repo keeps no index: a list reads every
// candidate document, so the first list after opening the Repo loads them all from NodeFS,
// and later ones read the documents already in memory. Computed here: name, role, latest
// event and time (ours also computes status, next action and waiting time from the index);
// a timeline of the candidate's events and its interviews' starts, ends and scorecards;
// pending feedback as ended interviews without my scorecard. Strings our side wrote are
// scalar strings, which automerge JS 3 reads as ImmutableString: hence the String() calls.
//
//   BENCH_DIR=target/bench node bench/store.mjs
import path from "node:path"
import { performance } from "node:perf_hooks"
import { Repo, NodeFSStorageAdapter, benchDir, importStore, median, save } from "./common.mjs"

const dir = path.join(benchDir, "scratch", "js-store")
const docs = await importStore(dir)
const candidates = docs.docs.filter((d) => d.kind === "candidate").map((d) => d.id)
const interviews = docs.docs.filter((d) => d.kind === "interview").map((d) => d.id)
const open = () => new Repo({ storage: new NodeFSStorageAdapter(dir), network: [], peerId: "ana" })

async function list(repo) {
  const rows = []
  for (const id of candidates) {
    const d = (await repo.find(id)).doc()
    const last = d.events?.[d.events.length - 1]
    rows.push({ id, name: d.profile?.name, role: d.profile?.role, status: String(last?.kind ?? "applied"), since: last?.at ?? d.appliedAt })
  }
  return rows.sort((a, b) => a.since - b.since)
}

async function timeline(repo, id) {
  const c = (await repo.find(id)).doc()
  const entries = (c.events ?? []).map((e) => ({ at: e.at, kind: String(e.kind) }))
  for (const iid of c.interviews ?? []) {
    const i = (await repo.find(String(iid))).doc()
    for (const [stage, at] of Object.entries(i.stageStarts ?? {})) entries.push({ at, kind: `stage ${stage}` })
    if (i.endedAt) entries.push({ at: i.endedAt, kind: "interview held" })
    for (const [who, s] of Object.entries(i.scorecards ?? {})) entries.push({ at: s.submittedAt, kind: `feedback ${who}` })
  }
  return entries.sort((a, b) => a.at - b.at)
}

async function pending(repo) {
  const out = []
  for (const id of interviews) {
    const i = (await repo.find(id)).doc()
    if (i.endedAt && (i.panelists ?? []).some((p) => String(p) === docs.me) && !i.scorecards?.[docs.me]) out.push({ id, ended: i.endedAt })
  }
  return out.sort((a, b) => a.ended - b.ended)
}

/** The first call on a freshly opened Repo, then the median of `n` more on the same one. */
async function measure(n, f) {
  const repo = open()
  let t = performance.now()
  const v = await f(repo)
  const firstMs = performance.now() - t
  const times = []
  for (let i = 0; i < n; i++) {
    t = performance.now()
    await f(repo)
    times.push(performance.now() - t)
  }
  await repo.shutdown()
  return { first_ms: firstMs, median_ms: median(times), count: v.length }
}

save("queries", {
  list: await measure(20, list),
  timeline: await measure(100, (r) => timeline(r, docs.some_candidate)),
  pending: await measure(20, pending),
})
process.exit(0)
