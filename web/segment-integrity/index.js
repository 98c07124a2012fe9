// hlsmesh segment integrity for browsers: checks what p2p-media-loader receives from peers
// against the platform's signed segment-hash sidecars (docs/security.md has the format; the Java
// reader is dev.hlsmesh.cdn.integrity.SidecarCodec, and both pass the same shared vectors).
// WebCrypto only: Ed25519 for the sidecar's signature, SHA-256 for segments. No dependencies.

const MAGIC = "#HLSMESH-SEGMENT-HASHES:";
const KEY_ID = "#KEY-ID:";
const PLAYLIST = "#PLAYLIST:";
const PUBLISHED = "#PUBLISHED:";
const SEGMENTS = "#SEGMENTS:";
const SIGNATURE = "#SIGNATURE:";
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** A sidecar that must not be trusted; the message says which check failed. */
export class SidecarError extends Error {
  constructor(message) {
    super(message);
    this.name = "SidecarError";
  }
}

/**
 * Imports the platform's Ed25519 public keys, given as the agent configuration has them: key id
 * to the base64 of the X.509 SubjectPublicKeyInfo (`MCowBQYDK2VwAyEA...`).
 * @returns {Promise<Map<string, CryptoKey>>}
 */
export async function importPublicKeys(publicKeys) {
  const keys = new Map();
  for (const [keyId, base64] of Object.entries(publicKeys)) {
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new Error(`publicKeys: key id '${keyId}' (expected: 1..64 of A-Z a-z 0-9 . _ -)`);
    }
    let der;
    try {
      der = fromBase64(base64);
    } catch (e) {
      throw new Error(`publicKeys.${keyId}: not base64`);
    }
    try {
      keys.set(keyId, await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]));
    } catch (e) {
      throw new Error(`publicKeys.${keyId}: not an Ed25519 public key (${e.message})`);
    }
  }
  return keys;
}

/**
 * Reads a sidecar and checks, in this order (as the Java reader does): printable ASCII with LF
 * only, the version, that its key id is trusted, the Ed25519 signature over every byte before the
 * signature line, that those bytes are the canonical encoding of what they say, and that it is
 * the sidecar of `expectedPlaylistPath`.
 *
 * @param {Uint8Array|ArrayBuffer} file the sidecar's bytes
 * @param {Map<string, CryptoKey>} trustedKeys from importPublicKeys
 * @param {string} expectedPlaylistPath the raw URL path of the media playlist being played
 * @returns {Promise<{keyId: string, playlistPath: string, published: string,
 *   segments: {mediaSequenceNumber: number, sha256Hex: string, sizeBytes: number, path: string}[]}>}
 * @throws {SidecarError} when any check fails
 */
export async function verifySidecar(file, trustedKeys, expectedPlaylistPath) {
  const bytes = file instanceof Uint8Array ? file : new Uint8Array(file);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b > 0x7e || (b < 0x20 && b !== 0x0a)) {
      throw new SidecarError(`byte ${i} is 0x${b.toString(16)} (expected: printable ASCII and LF line ends)`);
    }
  }
  const text = String.fromCharCode.apply(null, Array.from(bytes));
  if (!text.startsWith(MAGIC)) {
    throw new SidecarError(`not a segment-hash sidecar (expected: first line ${MAGIC}1)`);
  }
  const firstEnd = text.indexOf("\n");
  const version = text.substring(MAGIC.length, firstEnd < 0 ? text.length : firstEnd);
  if (version !== "1") {
    throw new SidecarError(`unsupported sidecar version '${version}' (expected: 1)`);
  }
  if (!text.endsWith("\n")) {
    throw new SidecarError("the last line does not end with LF (truncated?)");
  }
  const signatureStart = text.lastIndexOf("\n" + SIGNATURE, text.length - 2) + 1;
  if (signatureStart <= 0) {
    throw new SidecarError(`unsigned: no ${SIGNATURE} line at the end`);
  }
  const signatureValue = text.substring(signatureStart + SIGNATURE.length, text.length - 1);
  let signature;
  try {
    signature = fromBase64(signatureValue);
  } catch (e) {
    throw new SidecarError("signature: not base64");
  }
  if (signature.length !== 64 || toBase64(signature) !== signatureValue) {
    throw new SidecarError(`signature: ${signature.length} bytes (expected: 64, canonical base64)`);
  }
  const body = text.substring(0, signatureStart);
  const lines = body.split("\n");
  lines.pop(); // the empty string after the final LF
  if (lines.length < 5) {
    throw new SidecarError(`header: ${lines.length} lines (expected: 5 header lines)`);
  }
  const keyId = field(lines[1], KEY_ID, 2);
  const key = trustedKeys.get(keyId);
  if (!key) {
    throw new SidecarError(`key id '${keyId}' is not trusted (trusted: [${[...trustedKeys.keys()].sort().join(", ")}])`);
  }
  const signed = bytes.subarray(0, signatureStart);
  if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, signature, signed))) {
    throw new SidecarError(`bad signature for key id '${keyId}'`);
  }
  const hashes = parseSigned(lines, keyId);
  if (canonicalText(hashes) !== body) {
    throw new SidecarError("signed bytes are not in canonical form");
  }
  if (hashes.playlistPath !== expectedPlaylistPath) {
    throw new SidecarError(`sidecar of playlist ${hashes.playlistPath} (expected: ${expectedPlaylistPath})`);
  }
  return {
    keyId: hashes.keyId,
    playlistPath: hashes.playlistPath,
    published: hashes.published,
    segments: hashes.segments.map((e) => ({
      mediaSequenceNumber: Number(e.mediaSequenceNumber),
      sha256Hex: e.sha256Hex,
      sizeBytes: Number(e.sizeBytes),
      path: e.path,
    })),
  };
}

function parseSigned(lines, keyId) {
  const playlistPath = field(lines[2], PLAYLIST, 3);
  if (!playlistPath.startsWith("/") || hasControlOrSpace(playlistPath)) {
    throw new SidecarError(`playlistPath: '${playlistPath}' (expected: an absolute URL path without spaces or control characters)`);
  }
  const published = field(lines[3], PUBLISHED, 4);
  const instant = INSTANT.exec(published);
  if (!instant || !validDateTime(instant)) {
    throw new SidecarError(`line 4: ${PUBLISHED} is not an ISO-8601 instant`);
  }
  const count = number(field(lines[4], SEGMENTS, 5), 5);
  if (count !== BigInt(lines.length - 5)) {
    throw new SidecarError(`${SEGMENTS}${count} but ${lines.length - 5} segment lines`);
  }
  const segments = [];
  for (let i = 5; i < lines.length; i++) {
    const parts = splitLimit(lines[i], 4);
    if (parts.length !== 4) {
      throw new SidecarError(`line ${i + 1}: expected 'MSN SHA256 SIZE PATH'`);
    }
    const [msn, sha256Hex, size, path] = parts;
    const entry = { mediaSequenceNumber: number(msn, i + 1), sha256Hex, sizeBytes: number(size, i + 1), path };
    if (!SHA256_HEX.test(sha256Hex)) {
      throw new SidecarError(`line ${i + 1}: sha256Hex: '${sha256Hex}' (expected: 64 lowercase hex digits)`);
    }
    if (!path.startsWith("/") || path.includes("?") || hasControlOrSpace(path)) {
      throw new SidecarError(`line ${i + 1}: path: '${path}' (expected: an absolute URL path, no query, no spaces or control characters)`);
    }
    if (segments.length > 0 && entry.mediaSequenceNumber !== segments[segments.length - 1].mediaSequenceNumber + 1n) {
      throw new SidecarError(`segments: media sequence ${entry.mediaSequenceNumber} follows `
        + `${segments[segments.length - 1].mediaSequenceNumber} (expected: consecutive)`);
    }
    segments.push(entry);
  }
  return { keyId, playlistPath, published, segments };
}

function canonicalText(h) {
  let text = `${MAGIC}1\n${KEY_ID}${h.keyId}\n${PLAYLIST}${h.playlistPath}\n${PUBLISHED}${h.published}\n`
    + `${SEGMENTS}${h.segments.length}\n`;
  for (const e of h.segments) {
    text += `${e.mediaSequenceNumber} ${e.sha256Hex} ${e.sizeBytes} ${e.path}\n`;
  }
  return text;
}

// Like Java's String.split(" ", limit): at most `limit` parts, the last one keeps its spaces.
function splitLimit(line, limit) {
  const parts = [];
  let from = 0;
  while (parts.length < limit - 1) {
    const space = line.indexOf(" ", from);
    if (space < 0) {
      break;
    }
    parts.push(line.substring(from, space));
    from = space + 1;
  }
  parts.push(line.substring(from));
  return parts;
}

function field(line, name, lineNumber) {
  if (!line.startsWith(name)) {
    throw new SidecarError(`line ${lineNumber}: expected ${name}`);
  }
  return line.substring(name.length);
}

function number(digits, lineNumber) {
  if (!/^(0|[1-9][0-9]{0,17})$/.test(digits)) {
    throw new SidecarError(`line ${lineNumber}: '${digits}' (expected: a decimal number)`);
  }
  return BigInt(digits);
}

function validDateTime([, y, mo, d, h, mi, s]) {
  const date = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  return date.getUTCFullYear() === +y && date.getUTCMonth() === +mo - 1 && date.getUTCDate() === +d
    && +h < 24 && +mi < 60 && +s < 60;
}

function hasControlOrSpace(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) {
      return true;
    }
  }
  return false;
}

function fromBase64(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Error("not base64");
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}

function toBase64(bytes) {
  return btoa(String.fromCharCode.apply(null, Array.from(bytes)));
}

async function sha256Hex(data) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function segmentKey(url, byteRange) {
  // p2p-media-loader-hlsjs's own segment key: the URL, plus "|start-end" (inclusive) for a range.
  return byteRange ? `${url}|${byteRange.start}-${byteRange.end}` : url;
}

/**
 * Segment checks for one player: learns from hls.js which media playlist each segment belongs to
 * (attach), loads that playlist's sidecar from the CDN (the playlist URL with the suffix after
 * its path; never from peers), and gives p2p-media-loader its validators:
 *
 *   const integrity = await SegmentIntegrity.create({ publicKeys: { "ch1-2026": "MCowBQYDK2VwAyEA..." } });
 *   new HlsWithP2P({ p2p: { core: { validateP2PSegment: integrity.validateP2PSegment, ... },
 *                           onHlsJsCreated: (hls) => integrity.attach(hls) } });
 *
 * A peer's segment is accepted when its size and SHA-256 are those its sidecar lists for its
 * media sequence number (and the listed path is the segment's); otherwise p2p-media-loader drops
 * the bytes and the connection to that peer, and loads the segment again (from another peer or
 * the CDN). A segment its valid sidecar does not list, even after fetching the sidecar again, is
 * rejected too. Without any valid sidecar for the playlist (none published, or every one fetched
 * failed its checks) a segment is accepted unless `sidecarRequired` is set, as the Java agent does.
 */
export class SegmentIntegrity {
  #keys;
  #suffix;
  #refreshMillis;
  #required;
  #fetch;
  #segments = new Map(); // segment key -> { playlistUrl, mediaSequenceNumber }
  #sidecars = new Map(); // playlist URL -> { hashes, fetchedAt, inFlight, failed }
  #stats = { verified: 0, corrupt: 0, unproven: 0, unverified: 0, httpChecked: 0, httpCorrupt: 0,
    sidecarsLoaded: 0, sidecarsRejected: 0 };
  #problems = [];

  constructor(keys, options) {
    this.#keys = keys;
    this.#suffix = options.sidecarSuffix ?? ".integrity";
    this.#refreshMillis = options.sidecarRefreshMillis ?? 500;
    this.#required = options.sidecarRequired ?? false;
    this.#fetch = options.fetch ?? ((url) => fetch(url, { cache: "no-store" }));
    this.validateP2PSegment = (url, byteRange, data) => this.#validateP2P(url, byteRange, data);
    this.validateHTTPSegment = (url, byteRange, data) => this.#validateHttp(url, byteRange, data);
  }

  /**
   * @param {{publicKeys: Object<string, string>, sidecarSuffix?: string,
   *   sidecarRefreshMillis?: number, sidecarRequired?: boolean}} options
   */
  static async create(options) {
    return new SegmentIntegrity(await importPublicKeys(options.publicKeys ?? {}), options);
  }

  /** Follows an hls.js instance's media playlists (call it from onHlsJsCreated). */
  attach(hls) {
    const learn = (event, data) => {
      const details = data.details;
      for (const frag of details.fragments) {
        const [start, end] = frag.byteRange;
        const byteRange = start !== undefined && end !== undefined && start <= end - 1
          ? { start, end: end - 1 } : undefined;
        this.#segments.set(segmentKey(frag.url, byteRange), { playlistUrl: details.url, mediaSequenceNumber: frag.sn });
      }
      this.#forgetOld();
    };
    hls.on("hlsLevelUpdated", learn);
    hls.on("hlsAudioTrackLoaded", learn);
  }

  /** What has been checked so far (a copy). */
  stats() {
    return { ...this.#stats, problems: [...this.#problems] };
  }

  async #validateP2P(url, byteRange, data) {
    const verdict = await this.check(url, byteRange, data, true);
    if (verdict === "VERIFIED") this.#stats.verified++;
    else if (verdict === "CORRUPT") this.#stats.corrupt++;
    else if (verdict === "UNPROVEN") this.#stats.unproven++;
    else this.#stats.unverified++;
    return verdict === "VERIFIED" || verdict === "UNVERIFIED";
  }

  // The CDN is the root of trust: an HTTP segment is only refused when the sidecar we already
  // hold lists it with other bytes (a broken or tampered edge), never held back for a refresh.
  async #validateHttp(url, byteRange, data) {
    const verdict = await this.check(url, byteRange, data, false);
    this.#stats.httpChecked++;
    if (verdict === "CORRUPT") {
      this.#stats.httpCorrupt++;
      return false;
    }
    return true;
  }

  /**
   * The verdict on one segment's bytes: "VERIFIED", "CORRUPT", "UNPROVEN" (a valid sidecar does
   * not list it, or none is valid and one is required) or "UNVERIFIED" (no sidecar to check with).
   */
  async check(url, byteRange, data, refresh) {
    const segment = this.#segments.get(segmentKey(url, byteRange));
    if (!segment) {
      return this.#required ? "UNPROVEN" : "UNVERIFIED";
    }
    let hashes = await this.#sidecar(segment.playlistUrl, false);
    let entry = hashes && find(hashes, segment.mediaSequenceNumber);
    if (hashes && !entry && refresh) {
      hashes = await this.#sidecar(segment.playlistUrl, true);
      entry = hashes && find(hashes, segment.mediaSequenceNumber);
    }
    if (!hashes) {
      return this.#required ? "UNPROVEN" : "UNVERIFIED";
    }
    if (!entry) {
      return refresh ? "UNPROVEN" : "UNVERIFIED";
    }
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    if (entry.path !== new URL(url).pathname || entry.sizeBytes !== bytes.byteLength
        || entry.sha256Hex !== (await sha256Hex(bytes))) {
      return "CORRUPT";
    }
    return "VERIFIED";
  }

  // The last valid sidecar of a playlist; fetched once, again on `refresh` at most every
  // sidecarRefreshMillis, one fetch in flight per playlist.
  async #sidecar(playlistUrl, refresh) {
    let state = this.#sidecars.get(playlistUrl);
    if (!state) {
      state = { hashes: undefined, fetchedAt: -Infinity, inFlight: undefined };
      this.#sidecars.set(playlistUrl, state);
    }
    const due = state.fetchedAt === -Infinity || (refresh && performance.now() - state.fetchedAt >= this.#refreshMillis);
    if (due && !state.inFlight) {
      state.fetchedAt = performance.now();
      state.inFlight = this.#load(playlistUrl).then((hashes) => {
        if (hashes) state.hashes = hashes;
      }).finally(() => {
        state.inFlight = undefined;
      });
    }
    if (state.inFlight) {
      await state.inFlight;
    }
    return state.hashes;
  }

  async #load(playlistUrl) {
    const playlist = new URL(playlistUrl);
    const sidecarUrl = `${playlist.origin}${playlist.pathname}${this.#suffix}${playlist.search}`;
    try {
      const response = await this.#fetch(sidecarUrl);
      if (!response.ok) {
        this.#problem(`sidecar ${sidecarUrl}: HTTP ${response.status}`);
        return undefined;
      }
      const hashes = await verifySidecar(new Uint8Array(await response.arrayBuffer()), this.#keys, playlist.pathname);
      this.#stats.sidecarsLoaded++;
      return hashes;
    } catch (e) {
      this.#stats.sidecarsRejected += e instanceof SidecarError ? 1 : 0;
      this.#problem(`sidecar ${sidecarUrl}: ${e.message}`);
      return undefined;
    }
  }

  #problem(message) {
    if (!this.#problems.includes(message)) {
      this.#problems.push(message);
      if (this.#problems.length > 20) this.#problems.shift();
      console.warn(`hlsmesh-segment-integrity: ${message}`);
    }
  }

  #forgetOld() {
    // Segments leave live playlists: keep what a player could still ask peers for.
    while (this.#segments.size > 2000) {
      this.#segments.delete(this.#segments.keys().next().value);
    }
  }
}

function find(hashes, mediaSequenceNumber) {
  const first = hashes.segments.length > 0 ? hashes.segments[0].mediaSequenceNumber : 0;
  return hashes.segments[mediaSequenceNumber - first];
}
