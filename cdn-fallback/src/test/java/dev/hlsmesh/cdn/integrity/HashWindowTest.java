package dev.hlsmesh.cdn.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.Segment;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HashWindowTest {
    private static final URI PLAYLIST = URI.create("http://cdn.example/live/360p/index.m3u8?token=abc");
    private static final Instant NOW = Instant.parse("2026-11-22T08:00:00.750Z");
    private final List<Long> reads = new ArrayList<>();

    private byte[] read(Segment segment) {
        reads.add(segment.mediaSequenceNumber());
        return (segment.uri().getPath() + "#" + segment.mediaSequenceNumber()).getBytes(StandardCharsets.US_ASCII);
    }

    static MediaPlaylist playlist(long first, int count, String prefix) throws Exception {
        StringBuilder text = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:")
                .append(first).append('\n');
        for (long msn = first; msn < first + count; msn++) {
            text.append("#EXTINF:2.0,\n").append(prefix).append(msn).append(".ts?token=abc\n");
        }
        return PlaylistParser.parseMedia(PLAYLIST, text.toString());
    }

    @Test
    void listsThePlaylistsSegmentsWithTheirHashSizeAndPathWithoutQuery() throws Exception {
        HashWindow window = new HashWindow("k1", "/live/360p/index.m3u8", 2);
        SegmentHashes hashes = window.update(playlist(10, 3, ""), this::read, NOW);
        assertThat(hashes.published()).isEqualTo(Instant.parse("2026-11-22T08:00:00Z"));
        assertThat(hashes.playlistPath()).isEqualTo("/live/360p/index.m3u8");
        assertThat(hashes.segments()).extracting(SegmentHashes.Entry::mediaSequenceNumber).containsExactly(10L, 11L, 12L);
        SegmentHashes.Entry first = hashes.segments().get(0);
        byte[] bytes = "/live/360p/10.ts#10".getBytes(StandardCharsets.US_ASCII);
        assertThat(first.path()).isEqualTo("/live/360p/10.ts");
        assertThat(first.sizeBytes()).isEqualTo(bytes.length);
        assertThat(first.sha256Hex()).isEqualTo(HashWindow.sha256Hex(bytes));
    }

    @Test
    void slidesKeepingOldSegmentsForAWhileAndHashesEachSegmentOnce() throws Exception {
        HashWindow window = new HashWindow("k1", "/live/360p/index.m3u8", 2);
        window.update(playlist(10, 3, ""), this::read, NOW);
        SegmentHashes next = window.update(playlist(13, 3, ""), this::read, NOW);
        assertThat(next.segments()).extracting(SegmentHashes.Entry::mediaSequenceNumber)
                .containsExactly(11L, 12L, 13L, 14L, 15L);
        SegmentHashes same = window.update(playlist(13, 3, ""), this::read, NOW);
        assertThat(same.segments()).isEqualTo(next.segments());
        assertThat(reads).containsExactly(10L, 11L, 12L, 13L, 14L, 15L);
    }

    @Test
    void aRestartedStreamStartsAFreshWindow() throws Exception {
        HashWindow window = new HashWindow("k1", "/live/360p/index.m3u8", 5);
        window.update(playlist(100, 3, ""), this::read, NOW);
        SegmentHashes restarted = window.update(playlist(0, 2, "r"), this::read, NOW);
        assertThat(restarted.segments()).extracting(SegmentHashes.Entry::path)
                .containsExactly("/live/360p/r0.ts", "/live/360p/r1.ts");
    }

    @Test
    void aSegmentRenamedUnderTheSameNumberIsHashedAgainAndLaterOnesDropped() throws Exception {
        HashWindow window = new HashWindow("k1", "/live/360p/index.m3u8", 5);
        window.update(playlist(10, 3, ""), this::read, NOW);
        SegmentHashes changed = window.update(playlist(11, 1, "b"), this::read, NOW);
        assertThat(changed.segments()).extracting(SegmentHashes.Entry::path)
                .containsExactly("/live/360p/10.ts", "/live/360p/b11.ts");
    }
}
