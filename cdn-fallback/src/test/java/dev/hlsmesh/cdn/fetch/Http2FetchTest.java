package dev.hlsmesh.cdn.fetch;

import static dev.hlsmesh.cdn.fetch.FetcherTestSupport.await;
import static dev.hlsmesh.cdn.fetch.FetcherTestSupport.fetcher;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.FetcherTestSupport.RecordingListener;
import dev.hlsmesh.cdn.fetch.FetcherTestSupport.SteppableNanoClock;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fetcher over real HTTP/2 (cleartext, upgraded from HTTP/1.1 as java.net.http does). */
class Http2FetchTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private H2cServer server;
    private CdnFetcher fetcher;

    @BeforeEach
    void start() throws Exception {
        server = new H2cServer();
        fetcher = fetcher(CdnConfig.builder().httpVersion(HttpClient.Version.HTTP_2).maxAttempts(1)
                .stallTimeoutMillis(60_000).build(), new SteppableNanoClock());
    }

    @AfterEach
    void stop() {
        fetcher.close();
        server.close();
    }

    @Test
    void streamsABodyOverHttp2() throws Exception {
        int length = 300_000;
        for (int i = 0; i < 3; i++) { // the first request upgrades the connection, the others are HTTP/2 only
            RecordingListener listener = new RecordingListener();
            FetchResult result = await(fetcher.fetch(FetchRequest.of(server.uri("/bytes/" + length),
                    Duration.ofSeconds(10)), listener), WAIT);

            assertThat(result).isInstanceOf(FetchResult.Completed.class);
            assertThat(listener.bytes.toByteArray()).isEqualTo(H2cServer.expectedBytes(length));
            assertThat(listener.chunkSizes).hasSizeGreaterThan(1);
        }
        assertThat(server.http2Streams.get()).as("answered over HTTP/2").isEqualTo(3);
    }

    @Test
    void deadlineExpiryResetsTheHttp2Stream() throws Exception {
        // Upgrade the connection first, so that the stalled answer is on a plain HTTP/2 stream.
        assertThat(await(fetcher.fetch(FetchRequest.of(server.uri("/bytes/10"), Duration.ofSeconds(10)),
                BodyListener.discarding()), WAIT)).isInstanceOf(FetchResult.Completed.class);
        RecordingListener listener = new RecordingListener();
        FetchResult result = await(fetcher.fetch(FetchRequest.of(server.uri("/stall/200000"),
                Duration.ofMillis(500)), listener), WAIT);

        assertThat(result).isInstanceOf(FetchResult.DeadlineExpired.class);
        assertThat(result.bytesDelivered()).isEqualTo(H2cServer.FRAME_BYTES);
        await().atMost(WAIT).until(() -> server.streamsClosedEarly.get() == 1);
    }
}
