package dev.hlsmesh.agent.delivery;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.stats.SegmentSourceKind;
import dev.hlsmesh.agent.store.SegmentBuffer;
import dev.hlsmesh.cdn.fetch.BodyListener;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.fetch.Fetch;
import dev.hlsmesh.cdn.fetch.FetchRequest;
import dev.hlsmesh.cdn.fetch.FetchResult;
import dev.hlsmesh.cdn.hls.Segment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads every segment from the CDN through a {@link CdnFetcher} (with its retries and
 * failover): what a plain player does, and what the hybrid scheduler falls back to. Counts the
 * bytes it receives as CDN bytes in an {@link AgentStats}. Each segment is copied once, from the
 * HTTP client's buffers into its {@link SegmentBuffer}; the answer is that buffer's array.
 *
 * <p>Thread-safe.
 */
public final class CdnSegmentLoader implements StreamingSegmentLoader {
  private final CdnFetcher fetcher;
  private final AgentStats stats;
  private final Duration fetchTimeout;
  private final int maxSegmentBytes;
  private final Set<Fetch> active = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param fetcher the CDN fetcher (not closed by this loader)
   * @param stats where received bytes are counted
   * @param fetchTimeoutMillis each segment fetch, retries included, ends by then
   * @param maxSegmentBytes a larger segment fails the load
   */
  public CdnSegmentLoader(CdnFetcher fetcher, AgentStats stats, long fetchTimeoutMillis, int maxSegmentBytes) {
    this.fetcher = requireNonNull(fetcher, "fetcher");
    this.stats = requireNonNull(stats, "stats");
    if (fetchTimeoutMillis < 1 || fetchTimeoutMillis > 3_600_000) {
      throw new IllegalArgumentException("fetchTimeoutMillis: " + fetchTimeoutMillis + " (expected: 1..3600000)");
    }
    if (maxSegmentBytes < 0) {
      throw new IllegalArgumentException("maxSegmentBytes: " + maxSegmentBytes + " (expected: >= 0)");
    }
    this.fetchTimeout = Duration.ofMillis(fetchTimeoutMillis);
    this.maxSegmentBytes = maxSegmentBytes;
  }

  @Override
  public CompletableFuture<byte[]> load(SegmentRequest request) {
    return load(request, new SegmentBuffer(maxSegmentBytes));
  }

  @Override
  public CompletableFuture<byte[]> load(SegmentRequest request, SegmentBuffer into) {
    requireNonNull(request, "request");
    requireNonNull(into, "into");
    Segment segment = request.segment();
    if (closed) {
      into.fail();
      return CompletableFuture.failedFuture(new SegmentLoadException("loader closed"));
    }
    FetchRequest fetchRequest = FetchRequest.of(segment.uri(), fetchTimeout);
    if (segment.byteRange().isPresent()) {
      fetchRequest = fetchRequest.withByteRange(segment.byteRange().get());
    }
    if (request.playlist().live()) {
      fetchRequest = fetchRequest.asLiveSegment();
    }
    long prefixBytes = into.availableBytes();
    Fetch fetch = fetcher.fetch(fetchRequest, new BodyListener() {
      @Override
      public void onBodySize(long totalBytes) {
        if (totalBytes > maxSegmentBytes) {
          throw new IllegalStateException("segment of " + totalBytes + " bytes exceeds maxSegmentBytes " + maxSegmentBytes);
        }
        if (!into.size(prefixBytes + totalBytes)) {
          throw new IllegalStateException("segment buffer refused a body of " + totalBytes + " bytes");
        }
      }

      @Override
      public void onData(ByteBuffer chunk) {
        if (into.availableBytes() - prefixBytes + (long) chunk.remaining() > maxSegmentBytes) {
          throw new IllegalStateException("body larger than maxSegmentBytes " + maxSegmentBytes);
        }
        if (!into.append(chunk)) {
          throw new IllegalStateException("segment buffer refused the bytes (beyond its size, or failed)");
        }
      }
    });
    active.add(fetch);
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    fetch.result().whenComplete((outcome, error) -> {
      active.remove(fetch);
      if (outcome != null) {
        // Counted even when the player gave up: the bytes did come from the CDN.
        stats.recordReceived(SegmentSourceKind.CDN, outcome.bytesDelivered());
      }
      if (error != null) { // the fetcher promises never to fail; be safe anyway
        into.fail();
        result.completeExceptionally(new SegmentLoadException("fetching " + segment.uri() + " failed: " + error, error));
      } else if (outcome instanceof FetchResult.Completed && into.complete()) {
        stats.recordSegmentCompleted(SegmentSourceKind.CDN);
        result.complete(into.bytes());
      } else {
        into.fail();
        result.completeExceptionally(new SegmentLoadException("fetching segment " + segment.mediaSequenceNumber()
            + " (" + segment.uri() + ") from the CDN failed: " + (outcome instanceof FetchResult.Completed
            ? "its body does not match its announced size" : outcome)));
      }
    });
    result.whenComplete((bytes, error) -> {
      if (result.isCancelled()) {
        fetch.cancel();
      }
    });
    return result;
  }

  /** The CDN fetcher it loads through (the segment verifier fetches sidecars through it too). */
  public CdnFetcher fetcher() {
    return fetcher;
  }

  /** Fetches in progress (for tests). */
  int activeFetches() {
    return active.size();
  }

  /** Cancels the fetches in progress; later loads fail. */
  @Override
  public void close() {
    closed = true;
    for (Fetch fetch : active) {
      fetch.cancel();
    }
  }
}
