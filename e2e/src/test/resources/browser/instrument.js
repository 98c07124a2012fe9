// Runs in the browser viewer's page before the page's own scripts (ChromeDriver
// addScriptOnNewDocument): records what the player did for the mixed-swarm tests, as
// window.hlsmeshTest. The page hands over its hls.js instance as window.hlsmeshPlayer.
(() => {
  const t0 = performance.now();
  const report = {
    played: {},          // fragment URL path -> { size, sha256 } of each main fragment hls.js loaded
    playedCount: 0,
    pendingHashes: 0,
    fromPeers: {},       // peer id -> bytes received from it
    toPeers: {},         // peer id -> bytes sent to it
    httpBytes: 0,
    stalls: 0,
    errors: [],
    startupMillis: -1,
    latencySum: 0,
    latencySamples: 0,
    latencyNow: -1,
    peerConnects: 0,
  };
  window.hlsmeshTest = report;
  let player;
  Object.defineProperty(window, "hlsmeshPlayer", {
    configurable: true,
    get() { return player; },
    set(hls) { player = hls; attach(hls); },
  });

  function attach(hls) {
    hls.on("hlsFragLoaded", (event, data) => {
      if (data.frag.type !== "main") return;
      const path = new URL(data.frag.url).pathname;
      const size = data.payload.byteLength;
      report.pendingHashes++;
      // digest copies the bytes now, before hls.js hands the buffer on to its transmuxer.
      crypto.subtle.digest("SHA-256", data.payload).then((digest) => {
        const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
        if (report.played[path] === undefined) report.playedCount++;
        report.played[path] = { size, sha256: hex };
        report.pendingHashes--;
      });
    });
    hls.on("hlsError", (event, data) => {
      if (data.details === "bufferStalledError") report.stalls++;
      if (report.errors.length < 50) report.errors.push((data.fatal ? "FATAL " : "") + data.details);
    });
    const engine = hls.p2pEngine;
    if (!engine) {
      hls.on("hlsFragLoaded", (event, data) => { report.httpBytes += data.payload.byteLength; });
    }
    engine?.addEventListener("onChunkDownloaded", (bytes, source, peerId) => {
      if (source === "p2p") report.fromPeers[peerId] = (report.fromPeers[peerId] || 0) + bytes;
      else report.httpBytes += bytes;
    });
    engine?.addEventListener("onChunkUploaded", (bytes, peerId) => {
      report.toPeers[peerId] = (report.toPeers[peerId] || 0) + bytes;
    });
    engine?.addEventListener("onPeerConnect", () => { report.peerConnects++; });
    hls.on("hlsMediaAttached", () => {
      hls.media.addEventListener("playing", () => {
        if (report.startupMillis < 0) report.startupMillis = Math.round(performance.now() - t0);
      });
    });
    setInterval(() => {
      const latency = hls.latency;
      if (report.startupMillis >= 0 && Number.isFinite(latency) && latency > 0) {
        report.latencyNow = latency;
        report.latencySum += latency;
        report.latencySamples++;
      }
    }, 1000);
  }
})();
