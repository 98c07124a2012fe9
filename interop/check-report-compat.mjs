#!/usr/bin/env node
// Checks that the reference bittorrent-tracker 11.2.3 server treats announces carrying the hlsmesh
// viewer report (x_hlsmesh, docs/protocol.md "Viewer reports") like any announce: a started
// announce with a report and a report-only announce (no event, numwant 0, no offers) both get the
// normal announce response, and the swarm counts the peer once.
//
//   node interop/check-report-compat.mjs
//
// Starts the server in this process on 127.0.0.1, port 0. Exits 0 when every check passes and
// prints "report compatibility checks passed"; exits 1 on the first mismatch (printed).
import Server from 'bittorrent-tracker/server'
import { WebSocket } from 'ws'

const STEP_TIMEOUT_MS = 10000
const infoHash = 'hlsmesh-report-check'
const peerId = '-HM0001-reportcheck1'
const report = { v: 1, cdn: 1048576, p2p: 3145728, up: 2097152, stalls: 2, stall_ms: 1350, peers: 4 }

function fail (message) {
  console.log(`FAILED: ${message}`)
  process.exit(1)
}

const server = new Server({ udp: false, http: false, ws: true, stats: false })
server.on('warning', err => fail(`server warning: ${err.message}`))
server.on('error', err => fail(`server error: ${err.message}`))
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
const port = server.http.address().port

const ws = new WebSocket(`ws://127.0.0.1:${port}`)
const received = []
let waiter = null
ws.on('message', data => {
  received.push(JSON.parse(String(data)))
  if (waiter) waiter()
})
await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject) })

async function next () {
  const deadline = Date.now() + STEP_TIMEOUT_MS
  while (received.length === 0) {
    const left = deadline - Date.now()
    if (left <= 0) fail('no answer within ' + STEP_TIMEOUT_MS + ' ms')
    await new Promise(resolve => { waiter = resolve; setTimeout(resolve, left) })
    waiter = null
  }
  return received.shift()
}

function expectAnnounceResponse (message, what) {
  if (message['failure reason'] !== undefined) fail(`${what}: failure ${message['failure reason']}`)
  if (message.action !== 'announce' || message.info_hash !== infoHash ||
      message.complete !== 0 || message.incomplete !== 1 || typeof message.interval !== 'number') {
    fail(`${what}: unexpected answer ${JSON.stringify(message)}`)
  }
}

ws.send(JSON.stringify({ numwant: 50, uploaded: 0, downloaded: 0, event: 'started', action: 'announce',
  info_hash: infoHash, peer_id: peerId, offers: [], x_hlsmesh: report }))
expectAnnounceResponse(await next(), 'started announce with a report')
ws.send(JSON.stringify({ numwant: 0, uploaded: 0, downloaded: 0, action: 'announce',
  info_hash: infoHash, peer_id: peerId, x_hlsmesh: { ...report, cdn: 2097152 } }))
expectAnnounceResponse(await next(), 'report-only announce')
ws.send(JSON.stringify({ numwant: 0, uploaded: 0, downloaded: 0, action: 'announce',
  info_hash: infoHash, peer_id: peerId, x_hlsmesh: { v: 2, future: [1, { x: null }] } }))
expectAnnounceResponse(await next(), 'report of a later version')

console.log('report compatibility checks passed')
ws.close()
server.close(() => process.exit(0))
setTimeout(() => process.exit(0), 2000).unref()
