#!/usr/bin/env node
// Starts only the WebSocket server of the reference bittorrent-tracker (npm, see package.json)
// so that tests and benchmarks can compare against it. Its CLI is not used: it pulls a native
// WebRTC module that does not build here (bin/setup installs with --ignore-scripts).
//
//   node interop/bittorrent-tracker-server.mjs [--host 127.0.0.1] [--port 0] [--exit-on-stdin-close]
//
// Prints the bound port as the first line on stdout once it is listening (so --port 0 works).
// GET /memory on the same port answers process.memoryUsage() as JSON, after a full GC when node
// runs with --expose-gc (the tracker benchmark reads the heap this way).
// --exit-on-stdin-close: exit when stdin reaches end of file, so a parent process (a JUnit test)
// that dies cannot leave this server behind.
import Server from 'bittorrent-tracker/server'

function parseArgs (argv) {
  const opts = { host: '127.0.0.1', port: 0, exitOnStdinClose: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--host') opts.host = argv[++i]
    else if (arg === '--port') opts.port = Number(argv[++i])
    else if (arg === '--exit-on-stdin-close') opts.exitOnStdinClose = true
    else {
      console.error(`unknown argument: ${arg}`)
      process.exit(2)
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    console.error(`--port: expected 0..65535, got ${opts.port}`)
    process.exit(2)
  }
  return opts
}

const opts = parseArgs(process.argv.slice(2))
const server = new Server({ udp: false, http: false, ws: true, stats: false })

server.on('error', err => {
  console.error(`bittorrent-tracker error: ${err.message}`)
  process.exit(1)
})
// Bad client input is a warning for the server; keep it off stdout.
server.on('warning', () => {})

// Registered before the server's own 404 handler (which it adds on the next tick and which
// skips responses already sent).
server.http.on('request', (req, res) => {
  if (req.method === 'GET' && req.url === '/memory') {
    if (typeof globalThis.gc === 'function') globalThis.gc()
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ ...process.memoryUsage(), gcRun: typeof globalThis.gc === 'function' }))
  }
})

server.listen(opts.port, opts.host, () => {
  process.stdout.write(`${server.http.address().port}\n`)
})

function shutdown () {
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
if (opts.exitOnStdinClose) {
  process.stdin.on('end', shutdown)
  process.stdin.resume()
}
