// The relay is the standard automerge-repo sync server: a Repo with the WebSocket server
// adapter and filesystem storage. It never announces documents (share policy false): a client
// must know a document's id to ask for it. The npm package @automerge/automerge-repo-sync-server
// lags behind (repo 1.x), so these few lines run the same setup on the current packages.
//
//   PORT=3030 DATA_DIR=./data HOST=127.0.0.1 node server.mjs
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"
import { WebSocketServer } from "ws"
import fs from "node:fs"

const host = process.env.HOST ?? "127.0.0.1"
const port = Number(process.env.PORT ?? 3030)
const dir = process.env.DATA_DIR ?? ".amrg"
fs.mkdirSync(dir, { recursive: true })

const wss = new WebSocketServer({ host, port })
const repo = new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: `panelnotes-relay-${process.pid}`,
  sharePolicy: async () => false,
})

wss.on("listening", () => {
  const { port } = wss.address()
  // The first line tells a supervising process (or test) where to connect.
  console.log(`listening on ws://${host}:${port}`)
})

const stop = async () => {
  await repo.shutdown().catch(() => {})
  wss.close()
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
