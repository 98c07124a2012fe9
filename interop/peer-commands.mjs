// Runs the reference peer-command code of p2p-media-loader-core (installed by bin/setup into
// interop/node_modules) for hlsmesh's differential tests. One JSON request per stdin line, one
// JSON reply per stdout line, in order:
//   {"encode": {"c":1,"i":5,"r":7,"b":0}, "max": 65535}  -> {"messages": ["6373...", ...]}
//   {"decode": ["6373...", ...]}                         -> {"command": {...}} | {"dropped": "why"}
// Decoding feeds the messages through the reference chunk joiner and deserializer the way the
// reference PeerProtocol does. Exits when stdin closes.
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const commandsDir = path.join(here, "node_modules/p2p-media-loader-core/lib/p2p/commands");
// The package exports only its index; the command modules are loaded by file.
const { serializePeerCommand } = await import(path.join(commandsDir, "commands.js"));
const { BinaryCommandChunksJoiner, deserializeCommand, isCommandChunk } = await import(
  path.join(commandsDir, "binary-command-creator.js")
);

const toHex = (bytes) => Buffer.from(bytes).toString("hex");
const fromHex = (hex) => new Uint8Array(Buffer.from(hex, "hex"));

function encode(command, max) {
  return { messages: serializePeerCommand(command, max).map(toHex) };
}

function decode(messages) {
  let joiner;
  let result = { dropped: "incomplete" };
  for (const hex of messages) {
    const message = fromHex(hex);
    if (!isCommandChunk(message)) {
      result = { dropped: "payload" };
      continue;
    }
    if (!joiner) {
      joiner = new BinaryCommandChunksJoiner((bytes) => {
        joiner = undefined;
        try {
          result = { command: deserializeCommand(bytes) };
        } catch (e) {
          result = { dropped: "deserialize: " + e.message };
        }
      });
    }
    try {
      joiner.addCommandChunk(message);
    } catch (e) {
      joiner = undefined;
      result = { dropped: "join: " + (e.type ?? e.message) };
    }
  }
  return result;
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const request = JSON.parse(line);
  let reply;
  try {
    reply = request.encode ? encode(request.encode, request.max) : decode(request.decode);
  } catch (e) {
    reply = { error: String(e && e.message) };
  }
  // NaN and non-safe numbers cannot be JSON numbers: send them as strings.
  process.stdout.write(
    JSON.stringify(reply, (k, v) => (typeof v === "number" && !Number.isSafeInteger(v) ? String(v) : v)) + "\n",
  );
}
