package dev.hlsmesh.cdn.fetch;

import static dev.hlsmesh.cdn.fetch.FetcherTestSupport.await;
import static dev.hlsmesh.cdn.fetch.FetcherTestSupport.fetcher;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.FetcherTestSupport.RecordingListener;
import dev.hlsmesh.cdn.fetch.FetcherTestSupport.SteppableNanoClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Servers that bend HTTP in ways real CDNs and origins do, and the test origin does not: ignoring
 * {@code Range}, answering another range than asked, redirecting. A real JDK HTTP server on
 * 127.0.0.1.
 */
class NonCompliantServerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final byte[] body = new byte[100_000];
    private HttpServer server;
    private CdnFetcher fetcher;

    @BeforeEach
    void start() throws IOException {
        new Random(7).nextBytes(body);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // Ignores Range: always the whole body with 200.
        server.createContext("/ignores-range", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        // Answers any Range with the bytes from 0.
        server.createContext("/wrong-range", exchange -> {
            exchange.getResponseHeaders().set("Content-Range", "bytes 0-99/" + body.length);
            exchange.sendResponseHeaders(206, 100);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body, 0, 100);
            }
        });
        server.createContext("/moved", exchange -> {
            exchange.getResponseHeaders().set("Location", "/ignores-range?from=moved");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
        fetcher = fetcher(CdnConfig.builder().maxAttempts(1).build(), new SteppableNanoClock());
    }

    @AfterEach
    void stop() {
        fetcher.close();
        server.stop(0);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void aServerIgnoringRangeStillYieldsExactlyTheRequestedBytes() throws Exception {
        RecordingListener listener = new RecordingListener();

        FetchResult result = await(fetcher.fetch(FetchRequest.of(uri("/ignores-range"), Duration.ofSeconds(10))
                .withByteRange(new ByteRange(30_000, 20_000)), listener), WAIT);

        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(((FetchResult.Completed) result).statusCode()).isEqualTo(200);
        assertThat(listener.bytes.toByteArray()).isEqualTo(Arrays.copyOfRange(body, 30_000, 50_000));
    }

    @Test
    void aPartialAnswerForAnotherRangeIsAnInvalidResponse() throws Exception {
        RecordingListener listener = new RecordingListener();

        FetchResult result = await(fetcher.fetch(FetchRequest.of(uri("/wrong-range"), Duration.ofSeconds(10))
                .withByteRange(new ByteRange(500, 100)), listener), WAIT);

        assertThat(result).isInstanceOf(FetchResult.InvalidResponse.class);
        assertThat(((FetchResult.InvalidResponse) result).reason()).contains("does not start at the requested byte 500");
        assertThat(listener.bytes.size()).isZero();
    }

    @Test
    void redirectsAreFollowedAndTheFinalUrlReported() throws Exception {
        RecordingListener listener = new RecordingListener();

        FetchResult result = await(fetcher.fetch(FetchRequest.of(uri("/moved"), Duration.ofSeconds(10)), listener),
                WAIT);

        assertThat(result).isInstanceOf(FetchResult.Completed.class);
        assertThat(((FetchResult.Completed) result).uri()).isEqualTo(uri("/ignores-range?from=moved"));
        assertThat(listener.bytes.toByteArray()).isEqualTo(body);
    }
}
