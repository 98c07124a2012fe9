package dev.hlsmesh.cdn.hls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.ManualScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.testsupport.ManualClock;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class PlaylistFollowerTest {

    private static final URI PLAYLIST = URI.create("https://cdn.example.com/live/ch1/index.m3u8?token=t");

    /** Collects what a follower reports. */
    static final class Recorder implements PlaylistFollower.Listener {
        final List<Segment> segments = new CopyOnWriteArrayList<>();
        final List<List<Long>> batches = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final AtomicReference<MediaPlaylist> ended = new AtomicReference<>();

        @Override
        public void onNewSegments(MediaPlaylist playlist, List<Segment> fresh) {
            segments.addAll(fresh);
            batches.add(fresh.stream().map(Segment::mediaSequenceNumber).toList());
        }

        @Override
        public void onLoadFailed(URI uri, Throwable error) {
            failures.add(error);
        }

        @Override
        public void onEnded(MediaPlaylist playlist) {
            ended.set(playlist);
        }
    }

    private static String playlist(long firstMsn, int count, boolean endList) {
        StringBuilder text = new StringBuilder("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:")
                .append(firstMsn).append('\n');
        for (long msn = firstMsn; msn < firstMsn + count; msn++) {
            text.append("#EXTINF:4.0,\nseg").append(msn).append(".ts\n");
        }
        if (endList) {
            text.append("#EXT-X-ENDLIST\n");
        }
        return text.toString();
    }

    @Test
    void reloadsAfterTargetDurationWhenChangedHalfOfItWhenNotAndStopsAtEndList() {
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        Instant start = clock.instant();
        List<Long> loadTimesMillis = new ArrayList<>();
        Deque<Object> script = new ConcurrentLinkedDeque<>(List.of(
                playlist(10, 3, false),                  // t=0: first load, changed -> +4 s
                playlist(10, 3, false),                  // t=4: unchanged -> +2 s
                new IOException("connection reset"),     // t=6: failed -> +2 s
                playlist(11, 3, false),                  // t=8: changed, one new segment -> +4 s
                playlist(11, 3, true)));                 // t=12: ENDLIST -> no more loads
        PlaylistLoader loader = uri -> {
            loadTimesMillis.add(clock.millis() - start.toEpochMilli());
            Object next = script.poll();
            if (next instanceof Exception e) {
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.completedFuture(new PlaylistLoader.Loaded(uri, (String) next));
        };
        Recorder recorder = new Recorder();
        PlaylistFollower follower = PlaylistFollower.start(PLAYLIST, loader, scheduler, clock,
                Duration.ofSeconds(1), recorder);

        scheduler.advance(Duration.ofSeconds(30));

        assertThat(loadTimesMillis).containsExactly(0L, 4_000L, 6_000L, 8_000L, 12_000L);
        assertThat(recorder.batches).containsExactly(List.of(10L, 11L, 12L), List.of(13L));
        assertThat(recorder.failures).hasSize(1);
        assertThat(recorder.ended.get()).isNotNull();
        assertThat(recorder.ended.get().endList()).isTrue();
        assertThat(scheduler.pending()).isZero();
        assertThat(follower.loadCount()).isEqualTo(5);
        assertThat(recorder.segments.get(0).uri()).isEqualTo(URI.create("https://cdn.example.com/live/ch1/seg10.ts"));
    }

    @Test
    void retriesAFailedFirstLoadAfterTheRetryDelayAndStopsWhenClosed() {
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        AtomicInteger loads = new AtomicInteger();
        PlaylistLoader loader = uri -> {
            loads.incrementAndGet();
            return CompletableFuture.completedFuture(new PlaylistLoader.Loaded(uri, "<html>502 Bad Gateway</html>"));
        };
        Recorder recorder = new Recorder();
        PlaylistFollower follower = PlaylistFollower.start(PLAYLIST, loader, scheduler, clock,
                Duration.ofMillis(1500), recorder);

        scheduler.advance(Duration.ofMillis(4_600));
        assertThat(loads.get()).as("t=0, 1.5, 3.0, 4.5 s").isEqualTo(4);
        assertThat(recorder.failures).hasSize(4).allMatch(e -> e instanceof PlaylistParseException);

        follower.close();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(loads.get()).isEqualTo(4);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void followsTheLiveOriginOverThirtySimulatedSecondsWithoutSleeping() {
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        try (LiveHlsOrigin origin = LiveHlsOrigin.builder().clock(clock).firstMediaSequence(100)
                .windowSegments(6).segmentQuery("token=abc").start();
                CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults())) {
            Recorder recorder = new Recorder();
            PlaylistFollower follower = PlaylistFollower.start(origin.mediaPlaylistUri("360p"),
                    PlaylistLoader.using(fetcher), scheduler, clock, Duration.ofSeconds(1), recorder);
            Instant end = clock.instant().plusSeconds(30);
            List<Instant> loadInstants = new ArrayList<>();
            while (true) {
                // The load in flight is real HTTP: wait for it to schedule the next reload.
                await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.pending() > 0);
                if (clock.instant().plus(scheduler.untilNext()).isAfter(end)) {
                    break;
                }
                scheduler.runNext();
                loadInstants.add(clock.instant());
            }
            follower.close();

            assertThat(loadInstants).as("changed at every reload: one per target duration (2 s), t=0..30 s")
                    .hasSize(16);
            assertThat(recorder.failures).isEmpty();
            long edge = origin.liveEdgeMediaSequence();
            assertThat(edge).isEqualTo(120);
            assertThat(recorder.segments).extracting(Segment::mediaSequenceNumber)
                    .containsExactlyElementsOf(LongStream.rangeClosed(100, edge).boxed().toList());
            assertThat(recorder.segments).extracting(Segment::id).as("live: ids are media sequence numbers")
                    .containsExactlyElementsOf(LongStream.rangeClosed(100, edge).boxed().toList());
            assertThat(recorder.segments.get(0).uri().toString())
                    .isEqualTo(origin.segmentUri("360p", 100) + "?token=abc");
            assertThat(recorder.segments).filteredOn(Segment::discontinuity)
                    .as("the 8-segment clip loops").extracting(Segment::mediaSequenceNumber)
                    .containsExactly(108L, 116L);
            assertThat(recorder.segments).allMatch(s -> s.programDateTime().isPresent());
            assertThat(follower.latest().orElseThrow().lastMediaSequenceNumber()).isEqualTo(edge);
        }
    }

    @Test
    void stopsWhenTheLiveStreamEnds() {
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        try (LiveHlsOrigin origin = LiveHlsOrigin.builder().clock(clock).windowSegments(3).endAfterSegments(5)
                .start();
                CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults())) {
            Recorder recorder = new Recorder();
            PlaylistFollower.start(origin.mediaPlaylistUri("240p"), PlaylistLoader.using(fetcher), scheduler, clock,
                    Duration.ofSeconds(1), recorder);
            for (int i = 0; i < 20 && recorder.ended.get() == null; i++) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> scheduler.pending() > 0 || recorder.ended.get() != null);
                scheduler.runNext();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.ended.get() != null);

            assertThat(recorder.ended.get().endList()).isTrue();
            assertThat(recorder.segments).extracting(Segment::mediaSequenceNumber).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(scheduler.pending()).isZero();
        }
    }
}
