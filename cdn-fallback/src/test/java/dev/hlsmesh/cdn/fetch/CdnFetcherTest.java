package dev.hlsmesh.cdn.fetch;

import static dev.hlsmesh.cdn.fetch.FetcherTestSupport.await;
import static dev.hlsmesh.cdn.fetch.FetcherTestSupport.fetcher;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.FetcherTestSupport.RecordingListener;
import dev.hlsmesh.cdn.fetch.FetcherTestSupport.SteppableNanoClock;
import dev.hlsmesh.testsupport.Fault;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.testsupport.ManualClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CdnFetcherTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String VARIANT = "360p";

    private final ManualClock originClock = new ManualClock();
    private final SteppableNanoClock nanoClock = new SteppableNanoClock();
    private final LiveHlsOrigin primary = LiveHlsOrigin.builder().clock(originClock).start();
    private final LiveHlsOrigin secondary = LiveHlsOrigin.builder().clock(originClock).start();
    private CdnFetcher fetcher;

    @AfterEach
    void close() {
        if (fetcher != null) {
            fetcher.close();
        }
        primary.close();
        secondary.close();
    }

    private CdnConfig.Builder twoCdns() {
        return CdnConfig.builder().cdnBaseUrls(List.of(primary.baseUri().resolve("/live/"),
                secondary.baseUri().resolve("/live/")));
    }

    private Fetch start(FetchRequest request, RecordingListener listener) {
        Fetch fetch = fetcher.fetch(request, listener);
        listener.fetch = fetch;
        return fetch;
    }

    private CdnStatus status(LiveHlsOrigin origin) {
        return fetcher.cdnStatus().stream()
                .filter(s -> s.baseUrl().toString().startsWith(origin.baseUri().toString()))
                .findFirst().orElseThrow();
    }

    @ParameterizedTest
    @EnumSource(HttpClient.Version.class)
    void streamsASegmentChunkByChunkBeforeTheFetchCompletes(HttpClient.Version version) throws Exception {
        fetcher = fetcher(CdnConfig.builder().httpVersion(version).build(), nanoClock);
        primary.inject("/live/360p/*.ts", Fault.slowBody(32 * 1024, Duration.ofMillis(5)));
        URI uri = primary.segmentUri(VARIANT, 3);
        RecordingListener listener = new RecordingListener();

        FetchResult result = await(start(FetchRequest.of(uri, Duration.ofSeconds(15)), listener), WAIT);

        byte[] expected = primary.segmentBytes(VARIANT, 3);
        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(result.bytesDelivered()).isEqualTo(expected.length);
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(((FetchResult.Completed) result).statusCode()).isEqualTo(200);
        assertThat(listener.bytes.toByteArray()).isEqualTo(expected);
        assertThat(listener.chunkSizes).hasSizeGreaterThan(1);
        assertThat(listener.chunkBeforeCompletion).isTrue();
        assertThat(listener.chunkAfterCompletion).isFalse();
        assertThat(listener.bodySizes).as("the size, once, from Content-Length").containsExactly((long) expected.length);
        assertThat(listener.bodySizeBeforeFirstChunk).isTrue();
        CdnStatus status = fetcher.cdnStatus().get(0);
        assertThat(status.baseUrl()).isEqualTo(primary.baseUri());
        assertThat(status.bytesReceived()).isEqualTo(expected.length);
        assertThat(status.successes()).isEqualTo(1);
    }

    @Test
    void fetchesAByteRangeWithARangeRequest() throws Exception {
        fetcher = fetcher(CdnConfig.defaults(), nanoClock);
        URI uri = primary.segmentUri(VARIANT, 2);
        RecordingListener listener = new RecordingListener();

        FetchResult result = await(start(FetchRequest.of(uri, Duration.ofSeconds(10))
                .withByteRange(new ByteRange(1_000, 5_000)), listener), WAIT);

        byte[] segment = primary.segmentBytes(VARIANT, 2);
        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(((FetchResult.Completed) result).statusCode()).isEqualTo(206);
        assertThat(listener.bytes.toByteArray()).isEqualTo(Arrays.copyOfRange(segment, 1_000, 6_000));
        assertThat(listener.bodySizes).as("the size of the range").containsExactly(5_000L);
        // The origin counts a byte once its socket write completes, which may be after we read it.
        await().atMost(WAIT).until(() -> primary.bytesServed(primary.segmentPath(VARIANT, 2)) == 5_000);
    }

    @Test
    void completesATruncatedSegmentWithARangeRequestForTheMissingBytes() throws Exception {
        fetcher = fetcher(CdnConfig.builder().maxAttempts(2).build(), nanoClock);
        String path = primary.segmentPath(VARIANT, 1);
        primary.inject(path, Fault.truncatedBody(40_000), 1);
        RecordingListener listener = new RecordingListener();

        FetchResult result = await(start(FetchRequest.of(primary.segmentUri(VARIANT, 1), Duration.ofSeconds(10)),
                listener), WAIT);

        byte[] segment = primary.segmentBytes(VARIANT, 1);
        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(((FetchResult.Completed) result).statusCode()).as("the second attempt asked for a range")
                .isEqualTo(206);
        assertThat(result.attempts()).isEqualTo(2);
        assertThat(listener.bytes.toByteArray()).as("contiguous, no byte twice").isEqualTo(segment);
        assertThat(listener.bodySizes).as("the whole size, told once, not again by the retry")
                .containsExactly((long) segment.length);
        // Only the missing bytes were fetched again (the origin counts a byte once its write completes).
        await().atMost(WAIT).until(() -> primary.bytesServed(path) == segment.length);
    }

    @Test
    void failsOverToTheSecondCdnWhenThePrimaryAnswers503AndTriesItLastDuringTheCoolDown() throws Exception {
        fetcher = fetcher(twoCdns().coolDownMillis(30_000).build(), nanoClock);
        primary.inject("/live/**", Fault.status(503));
        URI uri = primary.segmentUri(VARIANT, 4);

        RecordingListener listener = new RecordingListener();
        FetchResult result = await(start(FetchRequest.of(uri, Duration.ofSeconds(10)), listener), WAIT);

        byte[] segment = primary.segmentBytes(VARIANT, 4);
        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(((FetchResult.Completed) result).uri()).isEqualTo(secondary.segmentUri(VARIANT, 4));
        assertThat(result.attempts()).isEqualTo(2);
        assertThat(listener.bytes.toByteArray()).isEqualTo(segment);
        assertThat(status(primary).coolDownRemainingMillis()).isPositive();
        assertThat(status(primary).failures()).isEqualTo(1);
        assertThat(status(secondary).bytesReceived()).isEqualTo(segment.length);

        // During the cool-down the primary goes last even though it is healthy again.
        primary.clearFaults();
        long primaryRequests = primary.requestCount();
        FetchResult second = await(start(FetchRequest.of(primary.segmentUri(VARIANT, 5), Duration.ofSeconds(10)),
                new RecordingListener()), WAIT);
        assertThat(second).isInstanceOf(FetchResult.Completed.class);
        assertThat(second.attempts()).isEqualTo(1);
        assertThat(primary.requestCount()).isEqualTo(primaryRequests);

        // After it, the primary is first again.
        nanoClock.advance(Duration.ofSeconds(31));
        FetchResult third = await(start(FetchRequest.of(primary.segmentUri(VARIANT, 5), Duration.ofSeconds(10)),
                new RecordingListener()), WAIT);
        assertThat(((FetchResult.Completed) third).uri()).isEqualTo(primary.segmentUri(VARIANT, 5));
        assertThat(status(primary).coolDownRemainingMillis()).isZero();
    }

    @Test
    void failsOverWhenThePrimaryStalls() throws Exception {
        // Generous timeouts and attempts: a loaded machine may slow the healthy CDN too.
        fetcher = fetcher(twoCdns().firstByteTimeoutMillis(1_000).maxAttempts(10).build(), nanoClock);
        primary.inject("/live/**", Fault.stall());
        URI uri = primary.segmentUri(VARIANT, 0);
        RecordingListener listener = new RecordingListener();

        FetchResult result = await(start(FetchRequest.of(uri, Duration.ofSeconds(15)), listener), WAIT);

        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(((FetchResult.Completed) result).uri()).isEqualTo(secondary.segmentUri(VARIANT, 0));
        assertThat(listener.bytes.toByteArray()).isEqualTo(primary.segmentBytes(VARIANT, 0));
        assertThat(status(primary).coolDownRemainingMillis()).isPositive();
    }

    @Test
    void failsOverMidBodyWhenThePrimaryStopsSendingAndResumesWithARange() throws Exception {
        fetcher = fetcher(twoCdns().stallTimeoutMillis(1_000).maxAttempts(10).build(), nanoClock);
        // 10 kB at once, then 10 kB per 60 s: the body stalls after the first chunk.
        primary.inject("/live/**", Fault.slowBody(10_000, Duration.ofSeconds(60)));
        URI uri = primary.segmentUri(VARIANT, 3);
        RecordingListener listener = new RecordingListener();

        FetchResult result = await(start(FetchRequest.of(uri, Duration.ofSeconds(10)), listener), WAIT);

        byte[] segment = primary.segmentBytes(VARIANT, 3);
        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(((FetchResult.Completed) result).statusCode()).isEqualTo(206);
        assertThat(listener.bytes.toByteArray()).isEqualTo(segment);
        await().atMost(WAIT)
                .until(() -> secondary.bytesServed(secondary.segmentPath(VARIANT, 3)) == segment.length - 10_000);
    }

    @Test
    void deadlineExpiryEndsTheFetchAndAbortsTheRequest() throws Exception {
        fetcher = fetcher(CdnConfig.builder().firstByteTimeoutMillis(30_000).stallTimeoutMillis(30_000).build(),
                nanoClock);
        String path = primary.segmentPath(VARIANT, 2);
        int length = primary.segmentBytes(VARIANT, 2).length;
        // About 200 kB/s: the whole segment would take well over a second.
        primary.inject(path, Fault.slowBody(2_000, Duration.ofMillis(10)));
        RecordingListener listener = new RecordingListener();

        FetchResult result = await(start(FetchRequest.of(primary.segmentUri(VARIANT, 2), Duration.ofMillis(300)),
                listener), WAIT);

        assertThat(result).isInstanceOf(FetchResult.DeadlineExpired.class);
        assertThat(((FetchResult.DeadlineExpired) result).lastFailure()).isEmpty();
        assertThat(result.bytesDelivered()).isEqualTo(listener.bytes.size()).isLessThan(length);
        assertThat(listener.chunkAfterCompletion).isFalse();
        // Had the request gone on, the origin would have sent the whole segment within ~1.5 s.
        await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4))
                .until(() -> primary.bytesServed(path) < length);
    }

    @Test
    void cancelEndsTheFetchAndAbortsTheRequest() throws Exception {
        fetcher = fetcher(CdnConfig.defaults(), nanoClock);
        String path = primary.segmentPath(VARIANT, 2);
        int length = primary.segmentBytes(VARIANT, 2).length;
        primary.inject(path, Fault.slowBody(2_000, Duration.ofMillis(10)));
        RecordingListener listener = new RecordingListener();
        Fetch fetch = start(FetchRequest.of(primary.segmentUri(VARIANT, 2), Duration.ofSeconds(30)), listener);
        await().atMost(WAIT).until(() -> listener.bytes.size() > 0);

        fetch.cancel();

        FetchResult result = await(fetch, WAIT);
        assertThat(result).isInstanceOf(FetchResult.Cancelled.class);
        assertThat(result.bytesDelivered()).isEqualTo(listener.bytes.size());
        assertThat(listener.chunkAfterCompletion).isFalse();
        await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4))
                .until(() -> primary.bytesServed(path) < length);
    }

    @Test
    void retriesA404ForALiveSegmentUntilItIsPublished() throws Exception {
        fetcher = fetcher(CdnConfig.builder().maxAttempts(20).initialBackoffMillis(50).maxBackoffMillis(100).build(),
                nanoClock);
        long next = primary.liveEdgeMediaSequence() + 1;
        String path = primary.segmentPath(VARIANT, next);
        RecordingListener listener = new RecordingListener();

        Fetch fetch = start(FetchRequest.of(primary.segmentUri(VARIANT, next), Duration.ofSeconds(15))
                .asLiveSegment(), listener);
        await().atMost(WAIT).until(() -> primary.requestCount(path) >= 2);
        originClock.advance(primary.segmentDuration());

        FetchResult result = await(fetch, WAIT);
        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(result.attempts()).isGreaterThanOrEqualTo(3);
        assertThat(listener.bytes.toByteArray()).isEqualTo(primary.segmentBytes(VARIANT, next));
        assertThat(fetcher.cdnStatus().get(0).failures()).as("a 404 is not the CDN's fault").isZero();
    }

    @Test
    void doesNotRetryOther4xx() throws Exception {
        fetcher = fetcher(CdnConfig.builder().maxAttempts(5).build(), nanoClock);
        long next = primary.liveEdgeMediaSequence() + 1;

        FetchResult notLive = await(start(FetchRequest.of(primary.segmentUri(VARIANT, next), Duration.ofSeconds(5)),
                new RecordingListener()), WAIT);
        primary.inject("/live/**", Fault.status(403));
        FetchResult forbidden = await(start(FetchRequest.of(primary.segmentUri(VARIANT, 0), Duration.ofSeconds(5))
                .asLiveSegment(), new RecordingListener()), WAIT);

        assertThat(notLive).isEqualTo(new FetchResult.HttpError(primary.segmentUri(VARIANT, next), 404, 0, 1));
        assertThat(forbidden).isEqualTo(new FetchResult.HttpError(primary.segmentUri(VARIANT, 0), 403, 0, 1));
    }

    @Test
    void retriesAfterA5xxOnASingleCdnWithBackOff() throws Exception {
        fetcher = fetcher(CdnConfig.builder().maxAttempts(3).build(), nanoClock);
        String path = primary.segmentPath(VARIANT, 1);
        primary.inject(path, Fault.status(500), 2);

        FetchResult result = await(start(FetchRequest.of(primary.segmentUri(VARIANT, 1), Duration.ofSeconds(10)),
                new RecordingListener()), WAIT);

        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(result.attempts()).isEqualTo(3);
    }

    @Test
    void aListenerCancellingItsOwnFetchGetsNoFurtherBytes() throws Exception {
        fetcher = fetcher(CdnConfig.defaults(), nanoClock);
        AtomicReference<Fetch> self = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        RecordingListener listener = new RecordingListener() {
            @Override
            public void onData(ByteBuffer chunk) {
                super.onData(chunk);
                awaitQuietly(started);
                self.get().cancel();
            }
        };
        Fetch fetch = fetcher.fetch(FetchRequest.of(primary.segmentUri(VARIANT, 1), Duration.ofSeconds(10)), listener);
        self.set(fetch);
        started.countDown();

        FetchResult result = await(fetch, WAIT);

        assertThat(result).isInstanceOf(FetchResult.Cancelled.class);
        assertThat(listener.chunkSizes).hasSize(1);
        assertThat(result.bytesDelivered()).isEqualTo(listener.chunkSizes.get(0).longValue());
    }

    @Test
    void aListenerOfOneFetchMayCancelAnother() throws Exception {
        fetcher = fetcher(CdnConfig.defaults(), nanoClock);
        primary.inject(primary.segmentPath(VARIANT, 2), Fault.slowBody(1_000, Duration.ofMillis(50)));
        Fetch slow = fetcher.fetch(FetchRequest.of(primary.segmentUri(VARIANT, 2), Duration.ofSeconds(30)),
                BodyListener.discarding());
        Fetch fast = fetcher.fetch(FetchRequest.of(primary.segmentUri(VARIANT, 1), Duration.ofSeconds(30)),
                chunk -> slow.cancel());

        assertThat(await(fast, WAIT)).isInstanceOf(FetchResult.Completed.class);
        assertThat(await(slow, WAIT)).isInstanceOf(FetchResult.Cancelled.class);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(20, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aThrowingListenerCancelsTheFetch() throws Exception {
        fetcher = fetcher(CdnConfig.defaults(), nanoClock);
        Fetch fetch = fetcher.fetch(FetchRequest.of(primary.segmentUri(VARIANT, 1), Duration.ofSeconds(10)),
                chunk -> {
                    throw new IllegalStateException("disk full");
                });

        FetchResult result = await(fetch, WAIT);

        assertThat(result).isInstanceOf(FetchResult.Cancelled.class);
        assertThat(((FetchResult.Cancelled) result).reason()).contains("disk full");
        assertThat(result.bytesDelivered()).as("the first chunk was handed over").isPositive();
    }

    @Test
    void aClosedFetcherCancelsWhatIsInFlight() throws Exception {
        fetcher = fetcher(CdnConfig.defaults(), nanoClock);
        primary.inject("/live/**", Fault.stall());
        Fetch fetch = fetcher.fetch(FetchRequest.of(primary.segmentUri(VARIANT, 1), Duration.ofSeconds(30)),
                BodyListener.discarding());

        fetcher.close();

        assertThat(await(fetch, WAIT)).isInstanceOf(FetchResult.Cancelled.class);
        assertThat(await(fetcher.fetch(FetchRequest.of(primary.segmentUri(VARIANT, 1), Duration.ofSeconds(30)),
                BodyListener.discarding()), WAIT)).isInstanceOf(FetchResult.Cancelled.class);
    }
}
