// Runs the reference swarm-identity code of p2p-media-loader-core (installed by bin/setup into
// interop/node_modules) for hlsmesh's differential tests. One JSON request per stdin line, one
// JSON reply per stdout line, in order:
//   {"swarmId": "...", "type": "main", "props": {"bitrate": "2628000", "codecs": "avc1.4d401f", ...}}
//     -> {"index": "...", "streamSwarmId": "...", "infoHash": "..."}
// Numeric props (bitrate, width, height) arrive as strings and are converted with Number(), so that
// NaN and Infinity survive JSON; null stands for undefined. Exits when stdin closes.
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const utilsDir = path.join(here, "node_modules/p2p-media-loader-core/lib/utils");
// The package exports only its index; the utility modules are loaded by file.
const { generateStreamShortId, getStreamSwarmId } = await import(path.join(utilsDir, "stream.js"));
const { getStreamHash } = await import(path.join(utilsDir, "peer.js"));

const NUMERIC = new Set(["bitrate", "width", "height"]);

function props(json) {
  const result = {};
  for (const [key, value] of Object.entries(json)) {
    if (value === null) continue;
    result[key] = NUMERIC.has(key) ? Number(value) : value;
  }
  return result;
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const request = JSON.parse(line);
  let reply;
  try {
    const index = generateStreamShortId(props(request.props));
    const streamSwarmId = getStreamSwarmId(request.swarmId, { type: request.type, index });
    reply = { index, streamSwarmId, infoHash: getStreamHash(streamSwarmId) };
  } catch (e) {
    reply = { error: String(e && e.message) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
