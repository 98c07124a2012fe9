#!/usr/bin/env node
// Protocol check of a WebTorrent WebSocket tracker against the message shapes of the reference
// bittorrent-tracker 11.2.3 client (docs/protocol.md, "Interop check").
//
//   node interop/check-tracker.mjs [ws://127.0.0.1:8000]
//
// Exits 0 when every check passes, 1 on the first mismatch (printed), 2 on bad usage.
//
// Two kinds of peers take part:
//  - the real bittorrent-tracker Client (its own code builds the announce/scrape/stop messages and
//    parses the tracker's answers into 'update' and 'scrape' events). It cannot create WebRTC
//    offers here (its WebRTC module is native and not built), so it announces with numwant 0 and
//    sits alone in its swarm; the import of that native module is replaced by an empty stub.
//  - raw WebSocket peers sending, byte for byte, the JSON the client produces when it does have
//    WebRTC: the captured samples in protocol/src/test/resources/protocol-vectors.json
//    (tracker.samples), with only info_hash / peer_id / to_peer_id replaced.
import { register } from 'node:module'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve (specifier, context, next) {
  if (specifier === 'webrtc-polyfill') {
    return {
      shortCircuit: true,
      url: 'data:text/javascript,export const RTCPeerConnection = undefined;' +
        'export const RTCSessionDescription = undefined; export const RTCIceCandidate = undefined'
    }
  }
  return next(specifier, context)
}`))

const { default: Client } = await import('bittorrent-tracker/client')
const { WebSocket } = await import('ws')

const STEP_TIMEOUT_MS = 10000
const here = path.dirname(fileURLToPath(import.meta.url))
const vectors = JSON.parse(readFileSync(
  path.join(here, '..', 'protocol', 'src', 'test', 'resources', 'protocol-vectors.json'), 'utf8'))
const samples = vectors.tracker.samples

const url = process.argv[2] || 'ws://127.0.0.1:8000'
if (process.argv.length > 3 || !/^wss?:\/\//.test(url)) {
  console.error('usage: node interop/check-tracker.mjs [ws://host:port]')
  process.exit(2)
}

let checks = 0
function ok (what) {
  checks++
  console.log(`ok ${checks} - ${what}`)
}
function fail (what) {
  console.log(`not ok ${checks + 1} - ${what}`)
  process.exit(1)
}
function expectEqual (actual, expected, what) {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) fail(`${what}: expected ${e}, got ${a}`)
}
function expectCount (value, what) {
  if (!Number.isInteger(value) || value < 0) fail(`${what}: expected a non-negative integer, got ${JSON.stringify(value)}`)
}

// 20-byte ids as one-char-per-byte strings (PROTOCOL.md A.2). The first one holds control
// characters, a quote, a backslash and bytes >= 0x80 (tracker.probes.binaryInfoHash).
const bin = hex => Buffer.from(hex, 'hex').toString('latin1')
const run = Date.now().toString(16).padStart(12, '0').slice(-12)
const swarmX = bin(vectors.tracker.probes.binaryInfoHash.infoHashBytesHex.slice(0, 16) + run + 'a5b6c7d8e9f0')
const swarmY = bin('f00dfeed' + run + 'c3a9e28c00ff80818283')
const peerB = '-PM0203-' + run.slice(0, 6) + 'bbbbbb'
const peerC = '-PM0203-' + run.slice(0, 6) + 'cccccc'
const peerA = '-WW0208-' + run.slice(0, 6) + 'aaaaaa'

/** A raw WebSocket peer with a queue of parsed incoming messages. */
class RawPeer {
  constructor (name) {
    this.name = name
    this.queue = []
    this.waiters = []
  }

  async open () {
    this.ws = new WebSocket(url, { perMessageDeflate: false })
    this.ws.on('message', (data, isBinary) => {
      let msg
      try {
        msg = JSON.parse(data.toString('utf8'))
      } catch (err) {
        fail(`${this.name}: tracker sent a frame that is not JSON: ${data.toString('utf8').slice(0, 200)}`)
      }
      if (isBinary) fail(`${this.name}: tracker sent a binary frame; the protocol uses text frames`)
      this.queue.push(msg)
      this.waiters.splice(0).forEach(w => w())
    })
    this.ws.on('error', err => fail(`${this.name}: WebSocket error: ${err.message}`))
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve)
      this.ws.once('error', reject)
    })
  }

  send (obj) {
    this.ws.send(JSON.stringify(obj))
  }

  /** Next message matching `predicate` (others stay queued), or fail after the step timeout. */
  async next (what, predicate = () => true) {
    const deadline = Date.now() + STEP_TIMEOUT_MS
    for (;;) {
      const i = this.queue.findIndex(predicate)
      if (i >= 0) return this.queue.splice(i, 1)[0]
      const left = deadline - Date.now()
      if (left <= 0) fail(`${this.name}: no ${what} within ${STEP_TIMEOUT_MS} ms (queued: ${JSON.stringify(this.queue).slice(0, 400)})`)
      await new Promise(resolve => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  close () {
    return new Promise(resolve => {
      this.ws.once('close', resolve)
      this.ws.close()
    })
  }
}

const isAnnounceResponse = m => m.action === 'announce' && !m.offer && !m.answer
const isRelayedOffer = m => m.action === 'announce' && m.offer !== undefined
const isRelayedAnswer = m => m.action === 'announce' && m.answer !== undefined

function checkAnnounceResponse (msg, infoHash, complete, incomplete, what) {
  if (msg['failure reason'] !== undefined) fail(`${what}: failure reason ${JSON.stringify(msg['failure reason'])}`)
  expectEqual(msg.action, 'announce', `${what}: action`)
  expectEqual(msg.info_hash, infoHash, `${what}: info_hash`)
  if (!(Number.isInteger(msg.interval) && msg.interval > 0)) fail(`${what}: interval ${JSON.stringify(msg.interval)}`)
  expectEqual([msg.complete, msg.incomplete], [complete, incomplete], `${what}: [complete, incomplete]`)
  ok(`${what}: action, info_hash, interval ${msg.interval}, complete ${complete}, incomplete ${incomplete}`)
}

function clientAnnounce (sample, infoHash, peerId) {
  const msg = JSON.parse(samples[sample].text)
  msg.info_hash = infoHash
  msg.peer_id = peerId
  return msg
}

async function rawSwarmFlow () {
  const c = new RawPeer('peer C')
  const b = new RawPeer('peer B')
  await c.open()
  await b.open()

  // C joins first, as a browser would (the sample with its offers emptied: numwant 0).
  const cStart = clientAnnounce('clientAnnounceStartedWithOffers', swarmX, peerC)
  cStart.numwant = 0
  cStart.offers = []
  c.send(cStart)
  checkAnnounceResponse(await c.next('announce response', isAnnounceResponse), swarmX, 0, 1,
    'started without offers (binary info_hash)')

  // B announces the captured 5 offers (20-byte random offer ids, mostly non-ASCII).
  const bStart = clientAnnounce('clientAnnounceStartedWithOffers', swarmX, peerB)
  b.send(bStart)
  checkAnnounceResponse(await b.next('announce response', isAnnounceResponse), swarmX, 0, 2,
    'started with 5 offers')

  const relayed = await c.next('relayed offer', isRelayedOffer)
  expectEqual(relayed.peer_id, peerB, 'relayed offer: peer_id is the offerer')
  expectEqual(relayed.info_hash, swarmX, 'relayed offer: info_hash')
  const original = bStart.offers.find(o => o.offer_id === relayed.offer_id)
  if (!original) fail(`relayed offer: offer_id ${JSON.stringify(relayed.offer_id)} is none of the 5 sent (byte-exact)`)
  expectEqual(relayed.offer, original.offer, 'relayed offer: offer {type, sdp} unchanged')
  ok('relayed offer reaches the other peer: action, offer, offer_id (byte-exact), peer_id, info_hash')

  // C answers with the captured answer shape.
  const answer = JSON.parse(samples.clientAnswer.text)
  answer.info_hash = swarmX
  answer.peer_id = peerC
  answer.to_peer_id = peerB
  answer.offer_id = relayed.offer_id
  c.send(answer)
  const relayedAnswer = await b.next('relayed answer', isRelayedAnswer)
  expectEqual(relayedAnswer.peer_id, peerC, 'relayed answer: peer_id is the answerer')
  expectEqual(relayedAnswer.info_hash, swarmX, 'relayed answer: info_hash')
  expectEqual(relayedAnswer.offer_id, relayed.offer_id, 'relayed answer: offer_id echoed byte-exact')
  expectEqual(relayedAnswer.answer, answer.answer, 'relayed answer: answer {type, sdp} unchanged')
  ok('answer relayed back to the offerer: action, answer, offer_id, peer_id, info_hash')

  if (b.queue.some(isRelayedOffer)) fail('peer B received an offer: offers must never go back to their sender')
  if (c.queue.some(m => m['failure reason'] !== undefined)) fail(`peer C got a failure: ${JSON.stringify(c.queue)}`)
  ok('no offer relayed to its own sender, no failure for the answer')

  // Scrape in the captured shape, with a list of info hashes (one unknown).
  const unknown = bin('00112233445566778899aabbccddeeff00112233')
  b.send({ action: 'scrape', info_hash: [swarmX, unknown] })
  const scrape = await b.next('scrape response', m => m.action === 'scrape')
  const files = scrape.files || {}
  if (!files[swarmX]) fail(`scrape: no entry for the swarm: ${JSON.stringify(scrape)}`)
  expectEqual([files[swarmX].complete, files[swarmX].incomplete], [0, 2], 'scrape: [complete, incomplete]')
  expectCount(files[swarmX].downloaded, 'scrape: downloaded')
  if (files[unknown]) expectEqual([files[unknown].complete, files[unknown].incomplete], [0, 0], 'scrape of an unknown swarm')
  ok('scrape with a list of info hashes: files[info_hash] = {complete 0, incomplete 2, downloaded}')

  b.send(clientAnnounce('clientCompleted', swarmX, peerB))
  checkAnnounceResponse(await b.next('announce response', isAnnounceResponse), swarmX, 1, 1, 'completed')
  b.send(clientAnnounce('clientStopped', swarmX, peerB))
  checkAnnounceResponse(await b.next('announce response', isAnnounceResponse), swarmX, 0, 1, 'stopped')

  // Closing C's socket removes C from the swarm (no stopped sent, as P2PML does).
  await c.close()
  const deadline = Date.now() + STEP_TIMEOUT_MS
  for (;;) {
    const scrapeX = JSON.parse(samples.clientScrape.text)
    scrapeX.info_hash = swarmX
    b.send(scrapeX)
    const s = await b.next('scrape response', m => m.action === 'scrape' && m.files && m.files[swarmX])
    if (s.files[swarmX].incomplete === 0 && s.files[swarmX].complete === 0) break
    if (Date.now() > deadline) fail(`closing a socket did not remove its peer: ${JSON.stringify(s)}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  ok('closing a socket removes its peer from the swarm')

  b.send({ action: 'announce', info_hash: 'too-short', peer_id: peerB })
  const failure = await b.next('failure', m => m['failure reason'] !== undefined)
  if (typeof failure['failure reason'] !== 'string' || failure['failure reason'].length === 0) {
    fail(`failure reason is not a text: ${JSON.stringify(failure)}`)
  }
  ok(`invalid info_hash answered with a failure reason: ${JSON.stringify(failure)}`)
  await b.close()
}

/** The real client library: announce started, scrape, completed, stopped; checks its events. */
async function realClientFlow () {
  const client = new Client({
    infoHash: Buffer.from(swarmY, 'latin1').toString('hex'),
    peerId: Buffer.from(peerA, 'latin1').toString('hex'),
    announce: [url],
    port: 6881,
    wrtc: {} // truthy so that the client uses WebSocket trackers; it never creates a peer here
  })
  const events = []
  const waiters = []
  const push = e => { events.push(e); waiters.splice(0).forEach(w => w()) }
  client.on('update', data => push({ type: 'update', data }))
  client.on('scrape', data => push({ type: 'scrape', data }))
  client.on('warning', err => push({ type: 'warning', message: err.message }))
  client.on('error', err => push({ type: 'error', message: err.message }))
  client.on('peer', () => push({ type: 'peer' }))
  const next = async what => {
    const deadline = Date.now() + STEP_TIMEOUT_MS
    while (events.length === 0) {
      const left = deadline - Date.now()
      if (left <= 0) fail(`client: no ${what} event within ${STEP_TIMEOUT_MS} ms`)
      await new Promise(resolve => {
        const timer = setTimeout(resolve, left)
        waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
    const e = events.shift()
    if (e.type !== what) fail(`client: expected a '${what}' event, got ${JSON.stringify(e)}`)
    return e.data
  }
  const expectUpdate = async (complete, incomplete, what) => {
    const u = await next('update')
    expectEqual([u.complete, u.incomplete], [complete, incomplete], `client ${what}: update [complete, incomplete]`)
    ok(`bittorrent-tracker client ${what}: 'update' event with complete ${complete}, incomplete ${incomplete}`)
  }

  client.start({ numwant: 0 })
  await expectUpdate(0, 1, 'start')
  client.scrape()
  const s = await next('scrape')
  expectEqual([s.complete, s.incomplete], [0, 1], "client scrape: 'scrape' event [complete, incomplete]")
  expectCount(s.downloaded, 'client scrape: downloaded')
  ok("bittorrent-tracker client scrape: 'scrape' event with complete 0, incomplete 1")
  client.update({ numwant: 0 })
  await expectUpdate(0, 1, 'periodic update (no event)')
  client.complete({ numwant: 0 })
  await expectUpdate(1, 0, 'complete')
  client.stop()
  await expectUpdate(0, 0, 'stop')
  await new Promise(resolve => client.destroy(resolve))
  if (events.length > 0) fail(`client: unexpected events ${JSON.stringify(events)}`)
  ok('bittorrent-tracker client saw no warning, error or unexpected event')
}

try {
  await rawSwarmFlow()
  await realClientFlow()
} catch (err) {
  fail(`unexpected error: ${err.stack || err}`)
}
console.log(`# ${checks} checks passed against ${url}`)
process.exit(0)
