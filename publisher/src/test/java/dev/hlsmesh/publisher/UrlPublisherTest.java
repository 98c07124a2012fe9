package dev.hlsmesh.publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SegmentHashes;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UrlPublisherTest {
    @TempDir
    Path out;

    @Test
    void followsEveryVariantOfALiveMasterPlaylistAndPublishesTheOriginsHashes() throws Exception {
        KeyPair pair = IntegrityKeys.generate();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (LiveHlsOrigin origin = LiveHlsOrigin.builder().windowSegments(3).start();
                CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults());
                UrlPublisher publisher = new UrlPublisher(fetcher, out, ".integrity", "k1", 2,
                        new SidecarWriter(pair.getPrivate()), Clock.systemUTC(), TaskScheduler.of(timer), worker)) {
            List<URI> followed = publisher.start(origin.masterPlaylistUri());
            assertThat(followed).hasSize(origin.clip().variants().size());
            for (String variant : origin.clip().variants().keySet()) {
                Path sidecar = out.resolve("live/" + variant + "/index.m3u8.integrity");
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(sidecar));
                SegmentHashes hashes = SidecarCodec.verify(Files.readAllBytes(sidecar), Map.of("k1", pair.getPublic()),
                        "/live/" + variant + "/index.m3u8");
                assertThat(hashes.segments()).isNotEmpty();
                for (SegmentHashes.Entry entry : hashes.segments()) {
                    byte[] bytes = origin.segmentBytes(variant, entry.mediaSequenceNumber());
                    assertThat(entry.sha256Hex()).isEqualTo(HashWindow.sha256Hex(bytes));
                    assertThat(entry.sizeBytes()).isEqualTo(bytes.length);
                    assertThat(entry.path()).isEqualTo(origin.segmentPath(variant, entry.mediaSequenceNumber()));
                }
            }
        } finally {
            timer.shutdownNow();
            worker.shutdownNow();
        }
    }
}
