package dev.hlsmesh.cdn.fetch;

import static dev.hlsmesh.cdn.fetch.FetcherTestSupport.await;
import static dev.hlsmesh.cdn.fetch.FetcherTestSupport.fetcher;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.FetcherTestSupport.RecordingListener;
import dev.hlsmesh.cdn.fetch.FetcherTestSupport.SteppableNanoClock;
import dev.hlsmesh.testsupport.Fault;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each fault of the test origin, with no retry allowed, ends in its own typed result, well before
 * the deadline: nothing hangs.
 */
class FetcherFaultTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration DEADLINE = Duration.ofSeconds(15);
    private static final String VARIANT = "360p";
    private static final long SEQ = 2;
    /** Long enough that a loaded machine does not turn a fault's own answer into a timeout. */
    private static final long TIMEOUT_MILLIS = 1_500;

    private static LiveHlsOrigin origin;
    private static CdnFetcher fetcher;
    private static URI uri;
    private static int length;

    @BeforeAll
    static void startOrigin() {
        origin = LiveHlsOrigin.start();
        fetcher = fetcher(CdnConfig.builder().maxAttempts(1).firstByteTimeoutMillis(TIMEOUT_MILLIS)
                .stallTimeoutMillis(TIMEOUT_MILLIS)
                .build(), new SteppableNanoClock());
        uri = origin.segmentUri(VARIANT, SEQ);
        length = origin.segmentBytes(VARIANT, SEQ).length;
    }

    @AfterAll
    static void stopOrigin() {
        fetcher.close();
        origin.close();
    }

    @AfterEach
    void heal() {
        origin.clearFaults();
    }

    private static FetchResult fetchWith(Fault fault) throws Exception {
        origin.inject(origin.segmentPath(VARIANT, SEQ), fault);
        RecordingListener listener = new RecordingListener();
        Fetch fetch = fetcher.fetch(FetchRequest.of(uri, DEADLINE), listener);
        listener.fetch = fetch;
        FetchResult result = await(fetch, WAIT);
        assertThat(result.bytesDelivered()).isEqualTo(listener.bytes.size());
        assertThat(listener.chunkAfterCompletion).isFalse();
        return result;
    }

    @Test
    void serverError() throws Exception {
        assertThat(fetchWith(Fault.status(503))).isEqualTo(new FetchResult.HttpError(uri, 503, 0, 1));
    }

    @Test
    void notFound() throws Exception {
        assertThat(fetchWith(Fault.status(404))).isEqualTo(new FetchResult.HttpError(uri, 404, 0, 1));
    }

    @Test
    void slowFirstByte() throws Exception {
        assertThat(fetchWith(Fault.slowFirstByte(Duration.ofSeconds(8))))
                .isEqualTo(new FetchResult.TimedOut(uri, "first byte", TIMEOUT_MILLIS, 0, 1));
    }

    @Test
    void stall() throws Exception {
        assertThat(fetchWith(Fault.stall()))
                .isEqualTo(new FetchResult.TimedOut(uri, "first byte", TIMEOUT_MILLIS, 0, 1));
    }

    @Test
    void slowBody() throws Exception {
        FetchResult result = fetchWith(Fault.slowBody(5_000, Duration.ofSeconds(8)));
        assertThat(result).isEqualTo(new FetchResult.TimedOut(uri, "body stall", TIMEOUT_MILLIS, 5_000, 1));
    }

    @Test
    void connectionResetBeforeTheResponse() throws Exception {
        FetchResult result = fetchWith(Fault.connectionReset());
        assertThat(result).isInstanceOf(FetchResult.ConnectionFailed.class);
        assertThat(result.bytesDelivered()).isZero();
    }

    @Test
    void connectionResetMidBody() throws Exception {
        FetchResult result = fetchWith(Fault.connectionResetAfter(20_000));
        assertThat(result).isInstanceOf(FetchResult.Truncated.class);
        FetchResult.Truncated truncated = (FetchResult.Truncated) result;
        assertThat(truncated.expectedBytes()).isEqualTo(length);
        assertThat(truncated.receivedBytes()).isEqualTo(result.bytesDelivered()).isLessThanOrEqualTo(20_000);
    }

    @Test
    void truncatedBody() throws Exception {
        FetchResult result = fetchWith(Fault.truncatedBody(30_000));
        assertThat(result).isInstanceOf(FetchResult.Truncated.class);
        assertThat(((FetchResult.Truncated) result).expectedBytes()).isEqualTo(length);
        assertThat(result.bytesDelivered()).isEqualTo(30_000);
    }

    @Test
    void contentLengthLargerThanTheBody() throws Exception {
        FetchResult result = fetchWith(Fault.wrongContentLength(length + 1_000));
        assertThat(result).isInstanceOf(FetchResult.Truncated.class);
        assertThat(((FetchResult.Truncated) result).expectedBytes()).isEqualTo(length + 1_000);
        assertThat(result.bytesDelivered()).isEqualTo(length);
    }

    @Test
    void contentLengthSmallerThanTheRequestedRange() throws Exception {
        origin.inject(origin.segmentPath(VARIANT, SEQ), Fault.wrongContentLength(4_000));
        RecordingListener listener = new RecordingListener();
        FetchResult result = await(fetcher.fetch(FetchRequest.of(uri, DEADLINE)
                .withByteRange(new ByteRange(0, 10_000)), listener), WAIT);

        assertThat(result).isInstanceOf(FetchResult.Truncated.class);
        assertThat(((FetchResult.Truncated) result).expectedBytes()).isEqualTo(10_000);
        assertThat(result.bytesDelivered()).isEqualTo(4_000).isEqualTo(listener.bytes.size());
    }

    @Test
    void contentLengthSmallerThanTheWholeBodyCannotBeSeenOverHttp() throws Exception {
        // Without a known size nothing in HTTP/1.1 tells a short declared length from the truth:
        // the fetch ends cleanly with the declared bytes. Byte-range fetches do catch it (above).
        FetchResult result = fetchWith(Fault.wrongContentLength(length - 1_000));
        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(result.bytesDelivered()).isEqualTo(length - 1_000);
    }

    @Test
    void connectionRefused() throws Exception {
        URI closed;
        try (LiveHlsOrigin gone = LiveHlsOrigin.start()) {
            closed = gone.segmentUri(VARIANT, SEQ);
        }
        FetchResult result = await(fetcher.fetch(FetchRequest.of(closed, DEADLINE), BodyListener.discarding()), WAIT);
        assertThat(result).isInstanceOf(FetchResult.ConnectionFailed.class);
        assertThat(((FetchResult.ConnectionFailed) result).uri()).isEqualTo(closed);
    }
}
