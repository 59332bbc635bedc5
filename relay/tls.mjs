// The same relay behind TLS: starts server.mjs (unchanged) on a loopback port of its own and
// terminates wss:// in front of it, piping each TLS connection to it. For tests and small
// deployments that have a certificate but no reverse proxy.
//
//   TLS_CERT=cert.pem TLS_KEY=key.pem PORT=3443 DATA_DIR=./data node tls.mjs
import { spawn } from "node:child_process"
import fs from "node:fs"
import net from "node:net"
import tls from "node:tls"
import readline from "node:readline"
import path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const host = process.env.HOST ?? "127.0.0.1"
const port = Number(process.env.PORT ?? 3443)
const name = process.env.TLS_NAME ?? "localhost"

const inner = spawn(process.execPath, [path.join(here, "server.mjs")], {
  env: { ...process.env, HOST: "127.0.0.1", PORT: "0" },
  stdio: ["ignore", "pipe", "inherit"],
})
const first = await new Promise((resolve, reject) => {
  readline.createInterface({ input: inner.stdout }).once("line", resolve)
  inner.once("exit", code => reject(new Error(`the relay exited (${code})`)))
})
const innerPort = Number(new URL(first.replace("listening on ", "").trim()).port)

const server = tls.createServer(
  { cert: fs.readFileSync(process.env.TLS_CERT), key: fs.readFileSync(process.env.TLS_KEY) },
  socket => {
    const upstream = net.connect(innerPort, "127.0.0.1")
    socket.pipe(upstream).pipe(socket)
    const end = () => { socket.destroy(); upstream.destroy() }
    socket.on("error", end)
    upstream.on("error", end)
    socket.on("close", end)
    upstream.on("close", end)
  },
)
// A client that refuses the certificate aborts the handshake; that is not the server's error.
server.on("tlsClientError", () => {})
server.listen(port, host, () => {
  console.log(`listening on wss://${name}:${server.address().port}`)
})

const stop = () => {
  inner.kill("SIGTERM")
  server.close()
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
