// npm test: the shared vectors in node (WebCrypto with Ed25519: node 20 or later).
import { readFile } from "node:fs/promises";
import { checkVectors } from "./check-vectors.js";

const vectors = JSON.parse(await readFile(new URL("./vectors.json", import.meta.url), "utf8"));
const { cases, disagreements } = await checkVectors(vectors);
for (const line of disagreements) console.error(line);
console.log(`${cases - disagreements.length} of ${cases} shared vectors agree with the Java reader`);
process.exit(disagreements.length === 0 ? 0 : 1);
