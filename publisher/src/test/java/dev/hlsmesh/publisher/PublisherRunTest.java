package dev.hlsmesh.publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SegmentHashes;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The running command (no --once): it follows the directory until it is stopped. */
class PublisherRunTest {
    @TempDir
    Path temp;

    @Test
    void aRunningPublisherFollowsNewSegmentsUntilStopped() throws Exception {
        KeyPair pair = IntegrityKeys.generate();
        Path key = temp.resolve("live-1.key");
        Files.writeString(key, IntegrityKeys.privateKeyPem(pair.getPrivate()));
        Path dir = Files.createDirectories(temp.resolve("www/v"));
        writePlaylist(dir, 1);
        CountDownLatch stop = new CountDownLatch(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
            try {
                return PublisherMain.run(new String[] {"run", "--key", key.toString(), "--dir", temp.resolve("www").toString(),
                        "--path-prefix", "/live/", "--interval-millis", "50"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Clock.systemUTC(), stop);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            Path sidecar = dir.resolve("index.m3u8.integrity");
            await().atMost(Duration.ofSeconds(30)).until(() -> lastListed(sidecar, pair) == 1);
            writePlaylist(dir, 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> lastListed(sidecar, pair) == 2);
        } finally {
            stop.countDown();
        }
        assertThat(status.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("publisher: following", "(key id live-1)");
    }

    private static void writePlaylist(Path dir, int segments) throws Exception {
        StringBuilder text = new StringBuilder("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n");
        for (int msn = 1; msn <= segments; msn++) {
            Files.writeString(dir.resolve(msn + ".ts"), "segment " + msn);
            text.append("#EXTINF:2,\n").append(msn).append(".ts\n");
        }
        Path temp = dir.resolve("index.m3u8.new");
        Files.writeString(temp, text);
        Files.move(temp, dir.resolve("index.m3u8"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static long lastListed(Path sidecar, KeyPair pair) throws Exception {
        if (!Files.exists(sidecar)) {
            return -1;
        }
        SegmentHashes hashes = SidecarCodec.verify(Files.readAllBytes(sidecar), Map.of("live-1", pair.getPublic()),
                "/live/v/index.m3u8");
        return hashes.segments().isEmpty() ? -1 : hashes.segments().get(hashes.segments().size() - 1).mediaSequenceNumber();
    }
}
