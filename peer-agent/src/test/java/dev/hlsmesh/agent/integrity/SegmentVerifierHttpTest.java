package dev.hlsmesh.agent.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.testsupport.ManualClock;
import java.net.URI;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * The verifier against a real HTTP origin through the real CDN fetcher: sidecars signed by the
 * platform, by someone else, or absent; sizes by HEAD.
 */
class SegmentVerifierHttpTest {
  private static final String VARIANT = "360p";
  private static final KeyPair PLATFORM = IntegrityKeys.generate();
  private static final KeyPair ATTACKER = IntegrityKeys.generate();

  private static LiveHlsOrigin.SidecarRenderer signedBy(KeyPair key) {
    return (String path, String text, LongFunction<byte[]> bytes) -> {
      try {
        MediaPlaylist playlist = PlaylistParser.parseMedia(URI.create("http://127.0.0.1" + path), text);
        return SidecarCodec.sign(new HashWindow("platform-1", path, 0)
            .update(playlist, s -> bytes.apply(s.mediaSequenceNumber()), Instant.EPOCH), key.getPrivate());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  private static IntegritySettings settings(boolean required) {
    return IntegritySettings.builder()
        .publicKeys(Map.of("platform-1", IntegrityKeys.publicKeyBase64(PLATFORM.getPublic())))
        .sidecarRequired(required)
        .build();
  }

  private static SegmentRequest request(CdnFetcher fetcher, LiveHlsOrigin origin, long msn) throws Exception {
    URI uri = origin.mediaPlaylistUri(VARIANT);
    PlaylistLoader.Loaded loaded = PlaylistLoader.using(fetcher).load(uri).get(10, TimeUnit.SECONDS);
    MediaPlaylist playlist = PlaylistParser.parseMedia(loaded.uri(), loaded.text());
    return new SegmentRequest(HlsStream.ofMediaPlaylist(uri), playlist, playlist.segmentByMediaSequence(msn).orElseThrow(),
        Instant.EPOCH);
  }

  private static Verdict verify(SegmentVerifier verifier, SegmentRequest request, byte[] bytes) throws Exception {
    return verifier.verify(request, bytes).get(20, TimeUnit.SECONDS);
  }

  @Test
  void aPlatformSignedSidecarFromTheCdnVerifiesSegments() throws Exception {
    try (LiveHlsOrigin origin = LiveHlsOrigin.builder().clock(new ManualClock()).sidecars(".integrity", signedBy(PLATFORM))
        .start(); CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults())) {
      SegmentVerifier verifier = SegmentVerifier.create(settings(true), fetcher);
      byte[] good = origin.segmentBytes(VARIANT, 2);
      byte[] bad = Arrays.copyOf(good, good.length);
      bad[bad.length / 2] ^= 1;
      assertThat(verify(verifier, request(fetcher, origin, 2), good)).isEqualTo(Verdict.VERIFIED);
      assertThat(verify(verifier, request(fetcher, origin, 2), bad)).isEqualTo(Verdict.CORRUPT);
      assertThat(verifier.stats().sidecarsLoaded()).isEqualTo(1);
      assertThat(origin.requestCount("/live/360p/index.m3u8.integrity")).isEqualTo(1);
      assertThat(origin.requestCount(origin.segmentPath(VARIANT, 2))).isZero(); // no HEAD needed
    }
  }

  @Test
  void aForgedSidecarIsRejectedAndSegmentsFallBackToTheCdnsSize() throws Exception {
    try (LiveHlsOrigin origin = LiveHlsOrigin.builder().clock(new ManualClock()).sidecars(".integrity", signedBy(ATTACKER))
        .start(); CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults())) {
      byte[] good = origin.segmentBytes(VARIANT, 2);
      SegmentVerifier required = SegmentVerifier.create(settings(true), fetcher);
      assertThat(verify(required, request(fetcher, origin, 2), good)).isEqualTo(Verdict.UNPROVEN);
      assertThat(required.stats().sidecarsRejected()).isEqualTo(1);

      SegmentVerifier lenient = SegmentVerifier.create(settings(false), fetcher);
      assertThat(verify(lenient, request(fetcher, origin, 2), good)).isEqualTo(Verdict.SIZE_MATCHED);
      assertThat(verify(lenient, request(fetcher, origin, 2), Arrays.copyOf(good, good.length - 1)))
          .isEqualTo(Verdict.CORRUPT);
      assertThat(lenient.stats().verifiedSegments()).isZero();
      assertThat(lenient.stats().unverifiedSegments()).isEqualTo(1);
      assertThat(origin.requestCount(origin.segmentPath(VARIANT, 2))).as("one HEAD, then remembered").isEqualTo(1);
      assertThat(origin.bytesServed(origin.segmentPath(VARIANT, 2))).as("HEAD has no body").isZero();
    }
  }

  @Test
  void withoutAPublishedSidecarSegmentsAreCheckedBySizeAndCountedUnverified() throws Exception {
    try (LiveHlsOrigin origin = LiveHlsOrigin.builder().clock(new ManualClock()).start();
        CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults())) {
      SegmentVerifier verifier = SegmentVerifier.create(settings(false), fetcher);
      assertThat(verify(verifier, request(fetcher, origin, 3), origin.segmentBytes(VARIANT, 3)))
          .isEqualTo(Verdict.SIZE_MATCHED);
      assertThat(verifier.stats()).isEqualTo(new IntegrityStats(0, 1, 0, 0, 0, 0));
    }
  }
}
