package dev.hlsmesh.agent.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.Segment;
import dev.hlsmesh.testsupport.Fault;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against the real live test origin over HTTP on 127.0.0.1. */
class CdnSegmentLoaderTest {
  private LiveHlsOrigin origin;
  private CdnFetcher fetcher;
  private final AgentStats stats = new AgentStats();
  private CdnSegmentLoader loader;

  @BeforeEach
  void start() {
    origin = LiveHlsOrigin.start();
    fetcher = CdnFetcher.create(CdnConfig.builder().maxAttempts(2).initialBackoffMillis(10).build());
    loader = new CdnSegmentLoader(fetcher, stats, 5_000, 8 << 20);
  }

  @AfterEach
  void stop() {
    loader.close();
    fetcher.close();
    origin.close();
  }

  private SegmentRequest request(long msn) throws Exception {
    MediaPlaylist playlist = PlaylistParser.parseMedia(origin.mediaPlaylistUri("360p"), origin.mediaPlaylist("360p"));
    Segment segment = playlist.segmentByMediaSequence(msn).orElseThrow();
    return new SegmentRequest(HlsStream.ofMediaPlaylist(playlist.uri()), playlist, segment, Instant.now());
  }

  private long edge() {
    return origin.liveEdgeMediaSequence();
  }

  @Test
  void loadsTheOriginsBytesAndCountsThemAsCdnBytes() throws Exception {
    long msn = edge();
    byte[] bytes = loader.load(request(msn)).get(30, TimeUnit.SECONDS);

    assertThat(bytes).isEqualTo(origin.segmentBytes("360p", msn));
    assertThat(stats.snapshot().cdnBytes()).isEqualTo(bytes.length);
    assertThat(stats.snapshot().cdnSegments()).isEqualTo(1);
    assertThat(stats.snapshot().peerBytes()).isZero();
    // The origin counts bytes on write completion, possibly after the body arrived here.
    await().atMost(Duration.ofSeconds(10))
        .until(() -> origin.bytesServed(origin.segmentPath("360p", msn)) == bytes.length);
  }

  @Test
  void loadsOnlyTheSegmentsByteRange() throws Exception {
    long msn = edge();
    SegmentRequest whole = request(msn);
    Segment ranged = new Segment(msn, msn, whole.segment().uri(), Optional.of(new ByteRange(188, 376)), 2.0, false, 0,
        Optional.empty(), Optional.empty(), Optional.empty());
    byte[] bytes = loader.load(new SegmentRequest(whole.stream(), whole.playlist(), ranged, Instant.now()))
        .get(30, TimeUnit.SECONDS);

    assertThat(bytes).isEqualTo(Arrays.copyOfRange(origin.segmentBytes("360p", msn), 188, 188 + 376));
  }

  @Test
  void aSegmentTheCdnKeepsFailingFailsWithTheFetchOutcome() throws Exception {
    long msn = edge();
    origin.inject(origin.segmentPath("360p", msn), Fault.status(500));
    CompletableFuture<byte[]> load = loader.load(request(msn));

    assertThatThrownBy(() -> load.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(SegmentLoadException.class)
        .hasMessageContaining("segment " + msn)
        .hasMessageContaining("500");
    assertThat(stats.snapshot().cdnSegments()).isZero();
  }

  @Test
  void aSegmentLargerThanTheLimitFails() throws Exception {
    try (CdnSegmentLoader small = new CdnSegmentLoader(fetcher, stats, 5_000, 1_000)) {
      CompletableFuture<byte[]> load = small.load(request(edge()));
      assertThatThrownBy(() -> load.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(SegmentLoadException.class);
    }
  }

  @Test
  void cancellingTheLoadAbortsTheFetch() throws Exception {
    long msn = edge();
    origin.inject(origin.segmentPath("360p", msn), Fault.stall());
    // Without the cancellation this fetch would wait a minute for its first byte.
    try (CdnFetcher patient = CdnFetcher.create(CdnConfig.builder().firstByteTimeoutMillis(60_000)
            .stallTimeoutMillis(60_000).maxAttempts(1).build());
        CdnSegmentLoader slow = new CdnSegmentLoader(patient, stats, 120_000, 8 << 20)) {
      CompletableFuture<byte[]> load = slow.load(request(msn));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> origin.requestCount(origin.segmentPath("360p", msn)) == 1);
      load.cancel(false);

      assertThat(load).isCancelled();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> slow.activeFetches() == 0);
    }
  }

  @Test
  void aClosedLoaderFailsAtOnce() throws Exception {
    loader.close();
    assertThatThrownBy(() -> loader.load(request(edge())).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOf(SegmentLoadException.class).hasMessage("loader closed");
  }

  @Test
  void rejectsBadSettings() {
    assertThatThrownBy(() -> new CdnSegmentLoader(fetcher, stats, 0, 10))
        .hasMessage("fetchTimeoutMillis: 0 (expected: 1..3600000)");
  }
}
