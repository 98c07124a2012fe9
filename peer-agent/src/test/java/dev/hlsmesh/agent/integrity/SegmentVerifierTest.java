package dev.hlsmesh.agent.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SegmentHashes;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.cdn.integrity.HashWindow;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SegmentVerifierTest {
  private static final URI PLAYLIST_360 = URI.create("http://cdn.example/live/360p/index.m3u8?token=t");
  private static final URI PLAYLIST_720 = URI.create("http://cdn.example/live/720p/index.m3u8?token=t");
  private static final KeyPair PLATFORM = IntegrityKeys.generate();
  private static final KeyPair ATTACKER = IntegrityKeys.generate();

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final FakeCdn cdn = new FakeCdn();

  /** A CDN whose answers the test sets; records what was asked. */
  static final class FakeCdn implements CdnAccess {
    final Map<URI, Result> resources = new HashMap<>();
    final Map<URI, Long> sizes = new HashMap<>();
    final List<URI> gets = new ArrayList<>();
    final List<URI> heads = new ArrayList<>();
    CompletableFuture<Result> held;

    @Override
    public synchronized CompletableFuture<Result> get(URI uri) {
      gets.add(uri);
      if (held != null) {
        return held;
      }
      return CompletableFuture.completedFuture(resources.getOrDefault(uri, Result.missing()));
    }

    @Override
    public synchronized CompletableFuture<OptionalLong> size(URI uri) {
      heads.add(uri);
      Long size = sizes.get(uri);
      return CompletableFuture.completedFuture(size == null ? OptionalLong.empty() : OptionalLong.of(size));
    }
  }

  static byte[] segmentBytes(long msn) {
    return ("segment " + msn + " of 360p").getBytes(StandardCharsets.US_ASCII);
  }

  static MediaPlaylist playlist(URI uri, long first, int count) throws Exception {
    StringBuilder text = new StringBuilder("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:").append(first).append('\n');
    for (long msn = first; msn < first + count; msn++) {
      text.append("#EXTINF:2.0,\n").append(msn).append(".ts?token=t\n");
    }
    return PlaylistParser.parseMedia(uri, text.toString());
  }

  static byte[] sidecar(KeyPair key, URI playlistUri, String boundPath, long first, int count) throws Exception {
    SegmentHashes hashes = new HashWindow("platform-1", boundPath, 0)
        .update(playlist(playlistUri, first, count), s -> segmentBytes(s.mediaSequenceNumber()), Instant.EPOCH);
    return SidecarCodec.sign(hashes, key.getPrivate());
  }

  static SegmentRequest request(URI playlistUri, long msn) throws Exception {
    MediaPlaylist playlist = playlist(playlistUri, msn, 1);
    return new SegmentRequest(HlsStream.ofMediaPlaylist(playlistUri), playlist, playlist.segments().get(0), Instant.EPOCH);
  }

  private SegmentVerifier verifier(boolean required) {
    IntegritySettings settings = IntegritySettings.builder()
        .publicKeys(Map.of("platform-1", IntegrityKeys.publicKeyBase64(PLATFORM.getPublic())))
        .sidecarRequired(required)
        .build();
    return new SegmentVerifier(settings, cdn, nanos::get);
  }

  private static Verdict verdict(CompletableFuture<Verdict> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private void publish(URI at, byte[] sidecar) {
    cdn.resources.put(URI.create(at.toString().replace("index.m3u8?", "index.m3u8.integrity?")),
        CdnAccess.Result.of(sidecar));
  }

  @Test
  void aSegmentMatchingTheSignedSidecarIsVerifiedAndAnAlteredCopyIsCorrupt() throws Exception {
    publish(PLAYLIST_360, sidecar(PLATFORM, PLAYLIST_360, "/live/360p/index.m3u8", 10, 3));
    SegmentVerifier verifier = verifier(false);

    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 11), segmentBytes(11)))).isEqualTo(Verdict.VERIFIED);
    byte[] altered = segmentBytes(11);
    altered[3] ^= 1; // same size: only the hash can tell
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 11), altered))).isEqualTo(Verdict.CORRUPT);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 12), segmentBytes(11)))).isEqualTo(Verdict.CORRUPT);

    assertThat(cdn.gets).containsExactly(URI.create("http://cdn.example/live/360p/index.m3u8.integrity?token=t"));
    assertThat(cdn.heads).isEmpty();
    assertThat(verifier.stats()).isEqualTo(new IntegrityStats(1, 0, 2, 0, 1, 0));
    assertThat(Verdict.CORRUPT.peerAtFault()).isTrue();
    assertThat(Verdict.CORRUPT.accepted()).isFalse();
  }

  @Test
  void aForgedSidecarIsRejectedAndProvesNothing() throws Exception {
    publish(PLAYLIST_360, sidecar(ATTACKER, PLAYLIST_360, "/live/360p/index.m3u8", 10, 3));
    SegmentVerifier required = verifier(true);
    byte[] evil = "evil".getBytes(StandardCharsets.US_ASCII);
    assertThat(verdict(required.verify(request(PLAYLIST_360, 11), evil))).isEqualTo(Verdict.UNPROVEN);
    assertThat(required.stats().sidecarsRejected()).isEqualTo(1);
    assertThat(required.stats().verifiedSegments()).isZero();
    assertThat(Verdict.UNPROVEN.accepted()).isFalse();
    assertThat(Verdict.UNPROVEN.peerAtFault()).isFalse();

    // Not required: the size the CDN reports decides, and the segment counts as unverified.
    cdn.sizes.put(URI.create("http://cdn.example/live/360p/11.ts?token=t"), (long) segmentBytes(11).length);
    SegmentVerifier lenient = verifier(false);
    assertThat(verdict(lenient.verify(request(PLAYLIST_360, 11), evil))).isEqualTo(Verdict.CORRUPT);
    assertThat(verdict(lenient.verify(request(PLAYLIST_360, 11), segmentBytes(11)))).isEqualTo(Verdict.SIZE_MATCHED);
    assertThat(lenient.stats().unverifiedSegments()).isEqualTo(1);
    assertThat(lenient.stats().sidecarsRejected()).isEqualTo(1); // fetched once within the refresh interval
  }

  @Test
  void anUnsignedSidecarIsRejected() throws Exception {
    SegmentHashes hashes = new HashWindow("platform-1", "/live/360p/index.m3u8", 0)
        .update(playlist(PLAYLIST_360, 10, 3), s -> segmentBytes(s.mediaSequenceNumber()), Instant.EPOCH);
    publish(PLAYLIST_360, SidecarCodec.canonicalBytes(hashes));
    SegmentVerifier verifier = verifier(true);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 11), segmentBytes(11)))).isEqualTo(Verdict.UNPROVEN);
    assertThat(verifier.stats().sidecarsRejected()).isEqualTo(1);
  }

  @Test
  void anotherStreamsSidecarReplayedAtThisStreamsUrlIsRejected() throws Exception {
    // Validly signed, but bound to 360p: served at 720p's sidecar URL it proves nothing there.
    publish(PLAYLIST_720, sidecar(PLATFORM, PLAYLIST_360, "/live/360p/index.m3u8", 10, 3));
    SegmentVerifier verifier = verifier(true);
    assertThat(verdict(verifier.verify(request(PLAYLIST_720, 11), segmentBytes(11)))).isEqualTo(Verdict.UNPROVEN);
    assertThat(verifier.stats().sidecarsRejected()).isEqualTo(1);
  }

  @Test
  void aSegmentNotListedYetFetchesTheSidecarAgainAtMostOncePerRefreshInterval() throws Exception {
    publish(PLAYLIST_360, sidecar(PLATFORM, PLAYLIST_360, "/live/360p/index.m3u8", 10, 2));
    SegmentVerifier verifier = verifier(true);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 10), segmentBytes(10)))).isEqualTo(Verdict.VERIFIED);
    publish(PLAYLIST_360, sidecar(PLATFORM, PLAYLIST_360, "/live/360p/index.m3u8", 10, 3));
    // 12 is new, but the sidecar was fetched just now: no second fetch yet.
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 12), segmentBytes(12)))).isEqualTo(Verdict.UNPROVEN);
    assertThat(cdn.gets).hasSize(1);
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 12), segmentBytes(12)))).isEqualTo(Verdict.VERIFIED);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 11), segmentBytes(11)))).isEqualTo(Verdict.VERIFIED);
    assertThat(cdn.gets).hasSize(2);
  }

  @Test
  void aStreamThatPublishesSidecarsIsHeldToThemEvenWhenNotRequired() throws Exception {
    publish(PLAYLIST_360, sidecar(PLATFORM, PLAYLIST_360, "/live/360p/index.m3u8", 10, 2));
    cdn.sizes.put(URI.create("http://cdn.example/live/360p/12.ts?token=t"), (long) segmentBytes(12).length);
    SegmentVerifier verifier = verifier(false);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 10), segmentBytes(10)))).isEqualTo(Verdict.VERIFIED);
    // 12 is not listed yet: a same-size substitute would pass a size check, so none is made.
    byte[] substitute = segmentBytes(12);
    substitute[0] ^= 1;
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 12), substitute))).isEqualTo(Verdict.UNPROVEN);
    assertThat(cdn.heads).isEmpty();
  }

  @Test
  void theSidecarUrlKeepsThePlaylistsQueryByteForByte() {
    SegmentVerifier verifier = verifier(false);
    assertThat(verifier.sidecarUri(URI.create("https://cdn.example:8443/a%20b/index.m3u8?token=ab%2Bc%3D&x=1")))
        .hasToString("https://cdn.example:8443/a%20b/index.m3u8.integrity?token=ab%2Bc%3D&x=1");
    assertThat(verifier.sidecarUri(URI.create("http://cdn.example/live/index.m3u8")))
        .hasToString("http://cdn.example/live/index.m3u8.integrity");
  }

  @Test
  void concurrentChecksShareOneSidecarFetch() throws Exception {
    cdn.held = new CompletableFuture<>();
    SegmentVerifier verifier = verifier(false);
    CompletableFuture<Verdict> first = verifier.verify(request(PLAYLIST_360, 10), segmentBytes(10));
    CompletableFuture<Verdict> second = verifier.verify(request(PLAYLIST_360, 11), segmentBytes(11));
    assertThat(first).isNotDone();
    cdn.held.complete(CdnAccess.Result.of(sidecar(PLATFORM, PLAYLIST_360, "/live/360p/index.m3u8", 10, 2)));
    assertThat(verdict(first)).isEqualTo(Verdict.VERIFIED);
    assertThat(verdict(second)).isEqualTo(Verdict.VERIFIED);
    assertThat(cdn.gets).hasSize(1);
  }

  @Test
  void withoutASidecarTheSizeIsCheckedAgainstTheCdnsOrTheByteRange() throws Exception {
    SegmentVerifier verifier = new SegmentVerifier(IntegritySettings.defaults(), cdn, nanos::get);
    URI segment = URI.create("http://cdn.example/live/360p/11.ts?token=t");
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 11), segmentBytes(11)))).isEqualTo(Verdict.UNCHECKED);
    cdn.sizes.put(segment, (long) segmentBytes(11).length);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 11), segmentBytes(11)))).isEqualTo(Verdict.SIZE_MATCHED);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 11), new byte[3]))).isEqualTo(Verdict.CORRUPT);
    assertThat(cdn.heads).containsExactly(segment, segment); // the size is remembered once known
    assertThat(cdn.gets).isEmpty(); // no keys: no sidecar fetched

    MediaPlaylist ranged = PlaylistParser.parseMedia(PLAYLIST_360,
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:5\n#EXTINF:2.0,\n#EXT-X-BYTERANGE:4@100\nall.ts\n");
    SegmentRequest rangeRequest = new SegmentRequest(HlsStream.ofMediaPlaylist(PLAYLIST_360), ranged,
        ranged.segments().get(0), Instant.EPOCH);
    assertThat(verdict(verifier.verify(rangeRequest, new byte[4]))).isEqualTo(Verdict.SIZE_MATCHED);
    assertThat(verdict(verifier.verify(rangeRequest, new byte[5]))).isEqualTo(Verdict.CORRUPT);
    assertThat(verifier.stats()).isEqualTo(new IntegrityStats(0, 3, 2, 0, 0, 0));
  }

  @Test
  void theEmbeddersValidatorRunsAfterTheBuiltInChecks() throws Exception {
    publish(PLAYLIST_360, sidecar(PLATFORM, PLAYLIST_360, "/live/360p/index.m3u8", 10, 3));
    List<URI> seen = new ArrayList<>();
    IntegritySettings settings = IntegritySettings.builder()
        .publicKeys(Map.of("platform-1", IntegrityKeys.publicKeyBase64(PLATFORM.getPublic())))
        .validator((uri, range, bytes) -> {
          synchronized (seen) {
            seen.add(uri);
          }
          if (uri.getPath().endsWith("12.ts")) {
            throw new IllegalStateException("validator bug");
          }
          return CompletableFuture.completedFuture(bytes.remaining() > 0 && !uri.getPath().endsWith("11.ts"));
        })
        .build();
    SegmentVerifier verifier = new SegmentVerifier(settings, cdn, nanos::get);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 10), segmentBytes(10)))).isEqualTo(Verdict.VERIFIED);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 11), segmentBytes(11)))).isEqualTo(Verdict.CORRUPT);
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 12), segmentBytes(12)))).isEqualTo(Verdict.UNPROVEN);
    byte[] altered = segmentBytes(10);
    altered[0] ^= 1;
    assertThat(verdict(verifier.verify(request(PLAYLIST_360, 10), altered))).isEqualTo(Verdict.CORRUPT);
    assertThat(seen).hasSize(3); // a segment the hash already condemned is not shown to the validator
  }

  @Test
  void settingsReportEveryProblemAtOnce() {
    assertThatThrownBy(() -> IntegritySettings.builder()
        .publicKeys(Map.of("bad id", "x", "k", "AAAA"))
        .sidecarSuffix("a/b")
        .peerBanMillis(-1)
        .sidecarRefreshMillis(1)
        .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("agent.integrity.publicKeys: key id 'bad id'")
        .hasMessageContaining("agent.integrity.publicKeys.k: not an Ed25519 public key")
        .hasMessageContaining("agent.integrity.sidecarSuffix: 'a/b' (expected: 1..64 of A-Z a-z 0-9 . _ ~ -)")
        .hasMessageContaining("agent.integrity.peerBanMillis: -1 (expected: 0..86400000)")
        .hasMessageContaining("agent.integrity.sidecarRefreshMillis: 1 (expected: 50..600000)");
    assertThatThrownBy(() -> IntegritySettings.builder().sidecarRequired(true).build())
        .hasMessageContaining("agent.integrity.sidecarRequired: true (expected: false unless publicKeys are set)");
  }
}
