package dev.hlsmesh.agent.integrity;

import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SegmentHashes;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.testsupport.HlsClip;
import java.net.URI;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What checking a peer's segment costs an agent: SHA-256 throughput on the shipped clip's
 * segments, a whole {@link SegmentVerifier#verify} with its sidecar held, and reading and
 * verifying a sidecar (Ed25519 + canonical parse). Run with {@code bin/bench-integrity}; prints
 * Markdown rows for docs/benchmarks.md.
 */
public final class IntegrityBenchmark {
  private IntegrityBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    HlsClip.Variant variant = HlsClip.bundled().variant("360p");
    List<HlsClip.Segment> clip = variant.segments();
    URI playlistUri = URI.create("http://cdn.example/live/360p/index.m3u8");
    StringBuilder text = new StringBuilder("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n");
    for (int i = 0; i < 16; i++) {
      text.append("#EXTINF:2,\n").append(i).append(".ts\n");
    }
    MediaPlaylist playlist = PlaylistParser.parseMedia(playlistUri, text.toString());
    KeyPair key = IntegrityKeys.generate();
    SegmentHashes hashes = new HashWindow("k", "/live/360p/index.m3u8", 0)
        .update(playlist, s -> clip.get(Math.floorMod(s.mediaSequenceNumber(), clip.size())).bytes(), Instant.EPOCH);
    byte[] sidecar = SidecarCodec.sign(hashes, key.getPrivate());
    Map<String, java.security.PublicKey> trusted = Map.of("k", key.getPublic());

    long totalBytes = 0;
    long start = System.nanoTime();
    for (int r = 0; r < rounds / 10; r++) {
      for (HlsClip.Segment segment : clip) {
        HashWindow.sha256Hex(segment.bytes());
        totalBytes += segment.bytes().length;
      }
    }
    double mibPerSecond = totalBytes / (1024.0 * 1024) / ((System.nanoTime() - start) / 1e9);

    SegmentVerifier verifier = new SegmentVerifier(IntegritySettings.builder()
        .publicKeys(Map.of("k", IntegrityKeys.publicKeyBase64(key.getPublic()))).build(), new CdnAccess() {
          @Override
          public CompletableFuture<Result> get(URI uri) {
            return CompletableFuture.completedFuture(Result.of(sidecar));
          }

          @Override
          public CompletableFuture<OptionalLong> size(URI uri) {
            return CompletableFuture.completedFuture(OptionalLong.empty());
          }
        }, System::nanoTime);
    long[] verifyNanos = new long[rounds];
    long segmentBytes = 0;
    for (int r = 0; r < rounds; r++) {
      int msn = r % 16;
      byte[] bytes = clip.get(msn % clip.size()).bytes();
      segmentBytes += bytes.length;
      SegmentRequest request = new SegmentRequest(HlsStream.ofMediaPlaylist(playlistUri), playlist,
          playlist.segments().get(msn), Instant.EPOCH);
      long t0 = System.nanoTime();
      Verdict verdict = verifier.verify(request, bytes).get(10, TimeUnit.SECONDS);
      verifyNanos[r] = System.nanoTime() - t0;
      if (verdict != Verdict.VERIFIED) {
        throw new IllegalStateException("segment " + msn + ": " + verdict);
      }
    }
    long[] sidecarNanos = new long[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      SidecarCodec.verify(sidecar, trusted, "/live/360p/index.m3u8");
      sidecarNanos[r] = System.nanoTime() - t0;
    }
    System.out.printf("| SHA-256 of the clip's 360p segments | %.0f MiB/s |%n", mibPerSecond);
    System.out.printf("| `SegmentVerifier.verify`, sidecar held, mean segment %d KiB | median %d µs, p99 %d µs |%n",
        segmentBytes / rounds / 1024, median(verifyNanos) / 1000, percentile(verifyNanos, 0.99) / 1000);
    System.out.printf("| `SidecarCodec.verify` of a 16-segment sidecar (%d bytes: Ed25519 + canonical parse) | median %d µs, p99 %d µs |%n",
        sidecar.length, median(sidecarNanos) / 1000, percentile(sidecarNanos, 0.99) / 1000);
  }

  private static long median(long[] values) {
    return percentile(values, 0.5);
  }

  private static long percentile(long[] values, double p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }
}
