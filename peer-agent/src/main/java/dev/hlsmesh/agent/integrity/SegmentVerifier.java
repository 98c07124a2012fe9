package dev.hlsmesh.agent.integrity;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.SegmentValidator;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.cdn.fetch.ByteCollector;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.fetch.FetchRequest;
import dev.hlsmesh.cdn.fetch.FetchResult;
import dev.hlsmesh.cdn.hls.Segment;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.SegmentHashes;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.cdn.integrity.SidecarException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a segment received from a peer before it is stored, re-shared or played
 * (docs/security.md, "Segment integrity"):
 * <ol>
 *   <li>with trusted keys configured: against the signed sidecar next to the segment's media
 *       playlist, fetched from the CDN only (never from a peer), verified with those keys and
 *       bound to that playlist's path; fetched again, at most every
 *       {@code sidecarRefreshMillis}, when it does not list the segment yet;
 *   <li>without any valid sidecar for the playlist (no keys, not published, rejected) and
 *       unless a sidecar is required: the size, against the playlist's byte range or the CDN's
 *       {@code Content-Length} (HEAD), counted as unverified. A segment that a valid sidecar
 *       of its playlist does not list (yet) is {@link Verdict#UNPROVEN};
 *   <li>then the embedder's {@link SegmentValidator}, if any.
 * </ol>
 *
 * <p>Thread-safe; never blocks: sidecar and size requests are asynchronous, at most one fetch
 * of a given sidecar is in flight. Futures complete on HTTP client or pool threads.
 */
public final class SegmentVerifier {
  private static final Logger log = LoggerFactory.getLogger(SegmentVerifier.class);
  private static final int MAX_SIDECAR_BYTES = 1 << 20;
  private static final int MAX_KNOWN_SIZES = 1024;

  private final IntegritySettings settings;
  private final Map<String, PublicKey> keys;
  private final CdnAccess cdn;
  private final LongSupplier nanoTime;
  private final LongAdder verified = new LongAdder();
  private final LongAdder unverified = new LongAdder();
  private final LongAdder corrupt = new LongAdder();
  private final LongAdder unproven = new LongAdder();
  private final LongAdder sidecarsLoaded = new LongAdder();
  private final LongAdder sidecarsRejected = new LongAdder();

  // Guarded by this.
  private final Map<URI, Sidecar> sidecars = new HashMap<>();
  private final Map<URI, Long> knownSizes = new LinkedHashMap<>(16, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<URI, Long> eldest) {
      return size() > MAX_KNOWN_SIZES;
    }
  };

  /** One media playlist's sidecar as last fetched. */
  private static final class Sidecar {
    SegmentHashes hashes;
    long lastFetchNanos;
    boolean fetchedOnce;
    CompletableFuture<SegmentHashes> inFlight;
    String lastProblem;
  }

  SegmentVerifier(IntegritySettings settings, CdnAccess cdn, LongSupplier nanoTime) {
    this.settings = requireNonNull(settings, "settings");
    this.keys = settings.trustedKeys();
    this.cdn = requireNonNull(cdn, "cdn");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
  }

  /**
   * A verifier that fetches sidecars through the agent's CDN fetcher (with its failover and
   * timeouts) and asks sizes with HEAD requests.
   */
  public static SegmentVerifier create(IntegritySettings settings, CdnFetcher fetcher) {
    return new SegmentVerifier(settings, new FetcherAccess(requireNonNull(fetcher, "fetcher")), System::nanoTime);
  }

  /**
   * A verifier without CDN access: no sidecars, sizes only from byte ranges, the embedder's
   * validator. Everything it accepts counts as unverified; prefer {@link #create}.
   */
  public static SegmentVerifier withoutCdn(IntegritySettings settings) {
    IntegritySettings noCdn = new IntegritySettings(Map.of(), false, settings.sidecarSuffix(),
        settings.sidecarRefreshMillis(), false, settings.peerBanMillis(), settings.validator());
    return new SegmentVerifier(noCdn, new CdnAccess() {
      @Override
      public CompletableFuture<Result> get(URI uri) {
        return CompletableFuture.completedFuture(Result.failed("no CDN access"));
      }

      @Override
      public CompletableFuture<OptionalLong> size(URI uri) {
        return CompletableFuture.completedFuture(OptionalLong.empty());
      }
    }, System::nanoTime);
  }

  /**
   * Checks a segment a peer sent. The future never fails: problems of the verifier's own
   * (a CDN error) end in an accepting or {@link Verdict#UNPROVEN} verdict as described above.
   */
  public CompletableFuture<Verdict> verify(SegmentRequest request, byte[] bytes) {
    requireNonNull(request, "request");
    requireNonNull(bytes, "bytes");
    CompletableFuture<Verdict> builtIn;
    try {
      builtIn = keys.isEmpty() ? checkSize(request.segment(), bytes) : checkBySidecar(request, bytes);
    } catch (RuntimeException e) {
      log.warn("segment {}: integrity check failed: {}", request.segment().mediaSequenceNumber(), e.toString());
      builtIn = CompletableFuture.completedFuture(Verdict.UNPROVEN);
    }
    CompletableFuture<Verdict> verdict = builtIn.thenCompose(v -> v.accepted() && settings.validator().isPresent()
        ? runValidator(settings.validator().get(), request.segment(), bytes, v)
        : CompletableFuture.completedFuture(v));
    return verdict.handle((v, error) -> {
      Verdict result = v != null ? v : Verdict.UNPROVEN;
      if (error != null) {
        log.warn("segment {}: integrity check failed: {}", request.segment().mediaSequenceNumber(), error.toString());
      }
      count(result);
      return result;
    });
  }

  /** The counters so far. */
  public IntegrityStats stats() {
    return new IntegrityStats(verified.sum(), unverified.sum(), corrupt.sum(), unproven.sum(), sidecarsLoaded.sum(),
        sidecarsRejected.sum());
  }

  /**
   * The sidecar URL of a media playlist: its path plus the suffix, its query kept byte for byte
   * (CDN tokens are often base64 with percent-escapes that must not be decoded and re-encoded).
   */
  URI sidecarUri(URI mediaPlaylist) {
    String text = mediaPlaylist.getScheme() + "://" + mediaPlaylist.getRawAuthority() + mediaPlaylist.getRawPath()
        + settings.sidecarSuffix() + (mediaPlaylist.getRawQuery() == null ? "" : "?" + mediaPlaylist.getRawQuery());
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("no sidecar URL for " + mediaPlaylist + ": " + e.getMessage(), e);
    }
  }

  private void count(Verdict verdict) {
    switch (verdict) {
      case VERIFIED -> verified.increment();
      case SIZE_MATCHED, UNCHECKED -> unverified.increment();
      case CORRUPT -> corrupt.increment();
      case UNPROVEN -> unproven.increment();
      default -> throw new IllegalStateException("unknown verdict " + verdict);
    }
  }

  private CompletableFuture<Verdict> checkBySidecar(SegmentRequest request, byte[] bytes) {
    Segment segment = request.segment();
    URI playlist = request.stream().mediaPlaylistUri();
    return sidecar(sidecarUri(playlist), playlist.getRawPath(), segment.mediaSequenceNumber()).thenCompose(hashes -> {
      Optional<SegmentHashes.Entry> entry = hashes == null ? Optional.empty() : hashes.entry(segment.mediaSequenceNumber());
      if (entry.isPresent() && entry.get().path().equals(segment.uri().getRawPath())) {
        boolean same = entry.get().sizeBytes() == bytes.length && entry.get().sha256Hex().equals(HashWindow.sha256Hex(bytes));
        return CompletableFuture.completedFuture(same ? Verdict.VERIFIED : Verdict.CORRUPT);
      }
      if (settings.sidecarRequired() || hashes != null) {
        // A stream that publishes sidecars is held to them: a segment its sidecar does not
        // list (yet) could be a same-size substitute a size check would pass.
        return CompletableFuture.completedFuture(Verdict.UNPROVEN);
      }
      return checkSize(segment, bytes);
    });
  }

  /** The sidecar that may list {@code msn}: the one held, or a fresh fetch when allowed. */
  private CompletableFuture<SegmentHashes> sidecar(URI uri, String playlistPath, long msn) {
    CompletableFuture<SegmentHashes> fetch;
    synchronized (this) {
      Sidecar state = sidecars.computeIfAbsent(uri, u -> new Sidecar());
      if (state.hashes != null && state.hashes.entry(msn).isPresent()) {
        return CompletableFuture.completedFuture(state.hashes);
      }
      if (state.inFlight != null) {
        return state.inFlight;
      }
      long now = nanoTime.getAsLong();
      if (state.fetchedOnce && now - state.lastFetchNanos < settings.sidecarRefreshMillis() * 1_000_000) {
        return CompletableFuture.completedFuture(state.hashes);
      }
      state.fetchedOnce = true;
      state.lastFetchNanos = now;
      fetch = new CompletableFuture<>();
      state.inFlight = fetch;
    }
    cdn.get(uri).whenComplete((result, error) -> fetch.complete(onSidecar(uri, playlistPath, result, error)));
    return fetch;
  }

  private SegmentHashes onSidecar(URI uri, String playlistPath, CdnAccess.Result result, Throwable error) {
    SegmentHashes parsed = null;
    String problem = null;
    boolean rejected = false;
    if (error != null || result == null) {
      problem = "fetching it failed: " + error;
    } else if (result.notFound()) {
      problem = "not published (404): segments from peers are checked by size only";
    } else if (result.body().isEmpty()) {
      problem = "fetching it failed: " + result.failure();
    } else {
      try {
        parsed = SidecarCodec.verify(result.body().get(), keys, playlistPath);
      } catch (SidecarException e) {
        problem = "rejected: " + e.getMessage();
        rejected = true;
      }
    }
    synchronized (this) {
      Sidecar state = sidecars.get(uri);
      if (rejected) {
        sidecarsRejected.increment();
      } else if (parsed != null) {
        sidecarsLoaded.increment();
      }
      if (state == null) {
        return parsed;
      }
      state.inFlight = null;
      if (parsed != null) {
        state.hashes = parsed;
      }
      if (!Objects.equals(problem, state.lastProblem) && problem != null) {
        log.warn("sidecar {}: {}", uri, problem);
      }
      state.lastProblem = problem;
      return state.hashes;
    }
  }

  private CompletableFuture<Verdict> checkSize(Segment segment, byte[] bytes) {
    if (segment.byteRange().isPresent()) {
      return CompletableFuture.completedFuture(
          segment.byteRange().get().length() == bytes.length ? Verdict.SIZE_MATCHED : Verdict.CORRUPT);
    }
    if (!settings.sizeCheckByHead()) {
      return CompletableFuture.completedFuture(Verdict.UNCHECKED);
    }
    URI uri = segment.uri();
    Long known;
    synchronized (this) {
      known = knownSizes.get(uri);
    }
    CompletableFuture<OptionalLong> size = known != null
        ? CompletableFuture.completedFuture(OptionalLong.of(known)) : cdn.size(uri);
    return size.thenApply(reported -> {
      if (reported.isEmpty()) {
        return Verdict.UNCHECKED;
      }
      synchronized (this) {
        knownSizes.put(uri, reported.getAsLong());
      }
      return reported.getAsLong() == bytes.length ? Verdict.SIZE_MATCHED : Verdict.CORRUPT;
    });
  }

  private static CompletableFuture<Verdict> runValidator(SegmentValidator validator, Segment segment, byte[] bytes,
      Verdict builtIn) {
    return CompletableFuture.supplyAsync(() -> {
      CompletionStage<Boolean> stage = validator.validate(segment.uri(), segment.byteRange(),
          ByteBuffer.wrap(bytes).asReadOnlyBuffer());
      return requireNonNull(stage, "the segment validator returned null");
    }, ForkJoinPool.commonPool()).thenCompose(CompletionStage::toCompletableFuture).handle((ok, error) -> {
      if (error != null || ok == null) {
        log.warn("segment {}: the segment validator failed: {}", segment.mediaSequenceNumber(),
            error == null ? "completed with null" : error.toString());
        return Verdict.UNPROVEN;
      }
      return ok ? builtIn : Verdict.CORRUPT;
    });
  }

  /** The CDN through the agent's fetcher (sidecars) and HEAD requests (sizes). */
  private static final class FetcherAccess implements CdnAccess {
    private final CdnFetcher fetcher;
    private final Duration timeout;

    FetcherAccess(CdnFetcher fetcher) {
      this.fetcher = fetcher;
      this.timeout = Duration.ofMillis(fetcher.config().playlistTimeoutMillis());
    }

    /** One HEAD client for the process, made on first use (a client holds a selector thread). */
    private static final class Head {
      static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public CompletableFuture<Result> get(URI uri) {
      ByteCollector body = new ByteCollector(MAX_SIDECAR_BYTES);
      return fetcher.fetch(FetchRequest.of(uri, timeout), body).result().handle((result, error) -> {
        if (result instanceof FetchResult.Completed) {
          return Result.of(body.toByteArray());
        }
        if (result instanceof FetchResult.HttpError http && http.statusCode() == 404) {
          return Result.missing();
        }
        return Result.failed(error != null ? error.toString() : String.valueOf(result));
      });
    }

    @Override
    public CompletableFuture<OptionalLong> size(URI uri) {
      HttpRequest head = HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody())
          .timeout(timeout).build();
      return Head.CLIENT.sendAsync(head, HttpResponse.BodyHandlers.discarding()).handle((response, error) -> {
        if (response == null || response.statusCode() != 200) {
          return OptionalLong.empty();
        }
        return response.headers().firstValueAsLong("content-length");
      });
    }
  }
}
