package dev.hlsmesh.cdn.hls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hlsmesh.cdn.ByteRange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class PlaylistParserTest {

    static String resource(String name) throws IOException {
        try (InputStream in = PlaylistParserTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesTheShippedFfmpegMasterPlaylist() throws Exception {
        URI uri = URI.create("http://127.0.0.1:8080/clip/master.m3u8?token=t1");
        MasterPlaylist master = PlaylistParser.parseMaster(uri, resource("clip/master.m3u8"));

        assertThat(master.uri()).isEqualTo(uri);
        assertThat(master.renditions()).isEmpty();
        assertThat(master.variants()).hasSize(2);
        Variant hi = master.variants().get(0);
        assertThat(hi.uri()).isEqualTo(URI.create("http://127.0.0.1:8080/clip/360p/index.m3u8"));
        assertThat(hi.bandwidth()).isEqualTo(1095600);
        assertThat(hi.width()).hasValue(640);
        assertThat(hi.height()).hasValue(360);
        assertThat(hi.codecs()).containsExactly("avc1.4d401e", "mp4a.40.2");
        assertThat(master.variants().get(1).uri())
                .isEqualTo(URI.create("http://127.0.0.1:8080/clip/240p/index.m3u8"));
    }

    @Test
    void parsesTheShippedFfmpegMediaPlaylistAsVodWithPositionIds() throws Exception {
        URI uri = URI.create("http://cdn.example.com/clip/360p/index.m3u8");
        MediaPlaylist playlist = PlaylistParser.parseMedia(uri, resource("clip/360p/index.m3u8"));

        assertThat(playlist.targetDurationSeconds()).isEqualTo(2);
        assertThat(playlist.mediaSequence()).isZero();
        assertThat(playlist.endList()).isTrue();
        assertThat(playlist.live()).isFalse();
        assertThat(playlist.playlistType()).hasValue("VOD");
        assertThat(playlist.segments()).hasSize(8);
        Segment first = playlist.segments().get(0);
        assertThat(first.uri()).isEqualTo(URI.create("http://cdn.example.com/clip/360p/seg000.ts"));
        assertThat(first.durationSeconds()).isEqualTo(2.0);
        assertThat(first.key()).isEmpty();
        assertThat(first.initSection()).isEmpty();
        assertThat(first.byteRange()).isEmpty();
        assertThat(playlist.segments()).extracting(Segment::id).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(first.localId()).isEqualTo("http://cdn.example.com/clip/360p/seg000.ts");
    }

    @Test
    void masterWithSeveralVariantsAudioRenditionsAndUnknownTags() throws Exception {
        URI uri = URI.create("https://cdn.example.com/live/ch1/master.m3u8?token=abc&exp=99");
        MasterPlaylist master = PlaylistParser.parseMaster(uri, resource("playlists/master-multi.m3u8"));

        assertThat(master.variants()).hasSize(3);
        Variant hd = master.variants().get(0);
        assertThat(hd.uri()).isEqualTo(URI.create("https://cdn.example.com/live/ch1/video/720p/index.m3u8?token=abc"));
        assertThat(hd.bandwidth()).isEqualTo(2628000);
        assertThat(hd.averageBandwidth()).hasValue(2500000);
        assertThat(hd.codecs()).containsExactly("avc1.4d401f", "mp4a.40.2");
        assertThat(hd.frameRate()).hasValue(30.0);
        assertThat(hd.videoRange()).hasValue("SDR");
        assertThat(hd.audioGroupId()).hasValue("aud");

        Variant sd = master.variants().get(1);
        assertThat(sd.uri()).isEqualTo(URI.create("https://cdn.example.com/live/shared/360p.m3u8"));
        assertThat(sd.codecs()).as("space separated, as hls.js accepts").containsExactly("avc1.4d401e", "mp4a.40.2");
        assertThat(sd.frameRate()).hasValue(29.97);
        assertThat(sd.videoRange()).isEmpty();

        Variant audioOnly = master.variants().get(2);
        assertThat(audioOnly.uri()).isEqualTo(URI.create("https://cdn.example.com/abs/audio-only.m3u8"));
        assertThat(audioOnly.width()).isEmpty();

        assertThat(master.renditions()).hasSize(3);
        Rendition en = master.renditions().get(0);
        assertThat(en.type()).isEqualTo(Rendition.Type.AUDIO);
        assertThat(en.groupId()).isEqualTo("aud");
        assertThat(en.name()).isEqualTo("English");
        assertThat(en.language()).hasValue("en-US");
        assertThat(en.channels()).isEqualTo(OptionalInt.of(2));
        assertThat(en.isDefault()).isTrue();
        assertThat(en.uri()).hasValue(URI.create("https://cdn.example.com/live/ch1/audio/en/index.m3u8?token=abc"));
        Rendition de = master.renditions().get(1);
        assertThat(de.channels()).isEqualTo(OptionalInt.of(6));
        assertThat(de.uri()).hasValue(URI.create("https://audio.example.net/de/index.m3u8"));
        assertThat(master.audioRenditions()).containsExactly(en, de);
    }

    @Test
    void carriesKeysInitSectionsByteRangesAndDateTimesToEverySegment() throws Exception {
        URI uri = URI.create("https://cdn.example.com/live/ch1/video/index.m3u8?token=abc");
        MediaPlaylist playlist = PlaylistParser.parseMedia(uri, resource("playlists/media-fmp4-byterange-key.m3u8"));

        assertThat(playlist.live()).isTrue();
        assertThat(playlist.mediaSequence()).isEqualTo(120);
        assertThat(playlist.discontinuitySequence()).isEqualTo(3);
        assertThat(playlist.lastMediaSequenceNumber()).isEqualTo(123);
        List<Segment> segments = playlist.segments();
        assertThat(segments).extracting(Segment::mediaSequenceNumber).containsExactly(120L, 121L, 122L, 123L);
        assertThat(segments).extracting(Segment::id).as("live: ids are media sequence numbers")
                .containsExactly(120L, 121L, 122L, 123L);

        Segment s0 = segments.get(0);
        URI main = URI.create("https://cdn.example.com/live/ch1/video/main.mp4");
        assertThat(s0.uri()).isEqualTo(main);
        assertThat(s0.byteRange()).hasValue(new ByteRange(720, 100000));
        assertThat(s0.initSection()).hasValue(new InitSection(main, Optional.of(new ByteRange(0, 720))));
        EncryptionKey key = s0.key().orElseThrow();
        assertThat(key.method()).isEqualTo("AES-128");
        assertThat(key.uri()).hasValue(URI.create("https://keys.example.net/k1?session=9"));
        assertThat(key.iv()).hasValue("0x000102030405060708090a0b0c0d0e0f");
        assertThat(s0.programDateTime()).hasValue(Instant.parse("2026-11-22T05:00:00Z"));
        assertThat(s0.discontinuitySequence()).isEqualTo(3);
        assertThat(s0.localId()).isEqualTo(main + "|720-100719");

        Segment s1 = segments.get(1);
        assertThat(s1.byteRange()).as("offset follows the previous sub-range").hasValue(new ByteRange(100720, 90000));
        assertThat(s1.key()).as("key carried forward").contains(key);
        assertThat(s1.initSection()).isEqualTo(s0.initSection());
        assertThat(s1.programDateTime()).hasValue(Instant.parse("2026-11-22T05:00:04Z"));

        Segment s2 = segments.get(2);
        assertThat(s2.discontinuity()).isTrue();
        assertThat(s2.discontinuitySequence()).isEqualTo(4);
        assertThat(s2.key()).as("METHOD=NONE ends encryption").isEmpty();
        assertThat(s2.initSection()).hasValue(new InitSection(
                URI.create("https://cdn.example.com/live/ch1/video/other-init.mp4"), Optional.empty()));
        assertThat(s2.uri()).as("query kept for HTTP")
                .isEqualTo(URI.create("https://cdn.example.com/live/ch1/video/other.mp4?cdn_token=xyz"));
        assertThat(s2.programDateTime()).as("no date-time across a discontinuity").isEmpty();
        assertThat(s2.durationSeconds()).isEqualTo(3.5);
        assertThat(segments.get(3).discontinuitySequence()).isEqualTo(4);
    }

    @Test
    void toleratesLowLatencyTagsAndListsOnlyFullSegments() throws Exception {
        URI uri = URI.create("https://ll.example.com/lowlat/index.m3u8");
        MediaPlaylist playlist = PlaylistParser.parseMedia(uri, resource("playlists/media-llhls.m3u8"));

        assertThat(playlist.live()).isTrue();
        assertThat(playlist.segments()).extracting(Segment::mediaSequenceNumber).containsExactly(266L, 267L, 268L);
        assertThat(playlist.segments().get(2).uri()).isEqualTo(URI.create("https://ll.example.com/lowlat/fileSequence268.mp4"));
        assertThat(playlist.segments().get(1).programDateTime())
                .hasValue(Instant.parse("2026-11-22T05:00:04.00008Z"));
        assertThat(playlist.segmentByMediaSequence(267)).contains(playlist.segments().get(1));
        assertThat(playlist.segmentByMediaSequence(269)).isEmpty();
    }

    @Test
    void rejectsBadInputWithTheTypedExceptionNamingThePlaylist() {
        URI uri = URI.create("http://cdn.example.com/x.m3u8");
        assertThatThrownBy(() -> PlaylistParser.parseMedia(uri, "<html>not found</html>"))
                .isInstanceOf(PlaylistParseException.class).hasMessageStartingWith(uri + ": ");
        assertThatThrownBy(() -> PlaylistParser.parseMedia(uri, "#EXTM3U\n#EXTINF:abc,\nx.ts\n"))
                .isInstanceOf(PlaylistParseException.class);
        assertThatThrownBy(() -> PlaylistParser.parseMedia(uri, "#EXTM3U\n#EXTINF:2,\nx.ts\n"))
                .isInstanceOf(PlaylistParseException.class).hasMessageContaining("targetDuration");
        assertThatThrownBy(() -> PlaylistParser.parseMedia(uri,
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n#EXT-X-BYTERANGE:100\nx.ts\n"))
                .isInstanceOf(PlaylistParseException.class).hasMessageContaining("without offset");
        assertThatThrownBy(() -> PlaylistParser.parseMedia(uri,
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile:///etc/passwd\n"))
                .isInstanceOf(PlaylistParseException.class).hasMessageContaining("expected: http or https");
        assertThatThrownBy(() -> PlaylistParser.parseMaster(uri,
                "#EXTM3U\n#EXT-X-STREAM-INF:CODECS=\"avc1\"\nv.m3u8\n"))
                .isInstanceOf(PlaylistParseException.class).hasMessageContaining("bandwidth");
        assertThatThrownBy(() -> PlaylistParser.parseMaster(uri,
                "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,VIDEO-RANGE=XYZ\nv.m3u8\n"))
                .isInstanceOf(PlaylistParseException.class);
        assertThatThrownBy(() -> PlaylistParser.parseMaster(uri,
                "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://bad host/v.m3u8\n"))
                .isInstanceOf(PlaylistParseException.class).hasMessageContaining("bad URL");
    }
}
