// Runs the shared sidecar vectors (vectors.json, made by cdn-fallback's SidecarVectorsTest from
// the Java reader's verdicts) through this module's reader. Used by `npm test` (node) and by
// e2e's SegmentIntegrityBrowserTest (Chromium); returns one line per disagreement.
import { importPublicKeys, verifySidecar } from "../index.js";

export async function checkVectors(vectors) {
  const keys = await importPublicKeys(vectors.trustedKeys);
  const disagreements = [];
  const results = [];
  for (const c of vectors.cases) {
    const bytes = Uint8Array.from(atob(c.sidecarBase64), (ch) => ch.charCodeAt(0));
    let read;
    let error;
    try {
      read = await verifySidecar(bytes, keys, vectors.playlistPath);
    } catch (e) {
      error = e;
    }
    results.push({ name: c.name, valid: !error, error: error ? `${error.name}: ${error.message}` : undefined });
    if (c.valid && error) {
      disagreements.push(`${c.name}: Java accepts it, this module rejects it: ${error.message}`);
    } else if (!c.valid && !error) {
      disagreements.push(`${c.name}: Java rejects it (${c.javaError}), this module accepts it`);
    } else if (!c.valid && error.name !== "SidecarError") {
      disagreements.push(`${c.name}: rejected with ${error.name} instead of SidecarError: ${error.message}`);
    } else if (c.valid) {
      const got = JSON.stringify({ keyId: read.keyId, published: read.published, segments: read.segments.map((s) => ({
        mediaSequenceNumber: String(s.mediaSequenceNumber), sha256Hex: s.sha256Hex, sizeBytes: s.sizeBytes, path: s.path })) });
      const want = JSON.stringify({ keyId: c.keyId, published: c.published, segments: c.segments.map((s) => ({
        mediaSequenceNumber: String(Number(s.mediaSequenceNumber)), sha256Hex: s.sha256Hex, sizeBytes: s.sizeBytes, path: s.path })) });
      if (got !== want) disagreements.push(`${c.name}: read ${got}, Java read ${want}`);
    }
  }
  return { cases: vectors.cases.length, disagreements, results };
}
