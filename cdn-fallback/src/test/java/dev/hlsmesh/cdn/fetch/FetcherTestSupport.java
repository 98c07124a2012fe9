package dev.hlsmesh.cdn.fetch;

import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Builds fetchers whose cool-down clock a test can move, and records what a listener saw. */
final class FetcherTestSupport {

    private FetcherTestSupport() {
    }

    /**
     * Real time plus a hand-moved offset: deadlines and timeouts run in real time against the real
     * servers, while a test jumps over a cool-down period.
     */
    static final class SteppableNanoClock {
        final AtomicLong offsetNanos = new AtomicLong();

        long nanoTime() {
            return System.nanoTime() + offsetNanos.get();
        }

        void advance(Duration amount) {
            offsetNanos.addAndGet(amount.toNanos());
        }
    }

    static CdnFetcher fetcher(CdnConfig config, SteppableNanoClock clock) {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        timer.setRemoveOnCancelPolicy(true);
        return new CdnFetcher(config, CdnFetcher.newHttpClient(config), TaskScheduler.of(timer), clock::nanoTime,
                new Random(42), timer);
    }

    /** Records chunks and whether the result was complete when each arrived. */
    static class RecordingListener implements BodyListener {
        final ByteCollector bytes = new ByteCollector(64 * 1024 * 1024);
        final List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
        volatile Fetch fetch;
        volatile boolean chunkAfterCompletion;
        volatile boolean chunkBeforeCompletion;
        final List<Long> bodySizes = new CopyOnWriteArrayList<>();
        volatile boolean bodySizeBeforeFirstChunk;

        @Override
        public void onBodySize(long totalBytes) {
            bodySizeBeforeFirstChunk = chunkSizes.isEmpty();
            bodySizes.add(totalBytes);
        }

        @Override
        public void onData(ByteBuffer chunk) {
            if (fetch != null && fetch.result().isDone()) {
                chunkAfterCompletion = true;
            } else if (fetch != null) {
                chunkBeforeCompletion = true;
            }
            chunkSizes.add(chunk.remaining());
            bytes.onData(chunk);
        }
    }

    static FetchResult await(Fetch fetch, Duration atMost) throws Exception {
        return fetch.result().get(atMost.toMillis(), TimeUnit.MILLISECONDS);
    }
}
