package dev.hlsmesh.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import java.net.URI;
import org.junit.jupiter.api.Test;

class PlaylistRewriterTest {
  private static final URI MASTER = URI.create("https://cdn.test/live/master.m3u8?token=abc");
  private static final URI MEDIA = URI.create("https://cdn.test/live/v1/index.m3u8?token=abc");

  @Test
  void masterVariantsAndRenditionsPointToStreamsAndOtherLinesStay() {
    String master = """
        #EXTM3U
        #EXT-X-VERSION:6
        #EXT-X-INDEPENDENT-SEGMENTS
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",URI="audio/en.m3u8"
        #EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="CC1",INSTREAM-ID="CC1"
        #EXT-X-STREAM-INF:BANDWIDTH=1280000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360,AUDIO="aud"
        v1/index.m3u8?token=abc

        #EXT-X-STREAM-INF:BANDWIDTH=640000,RESOLUTION=426x240,AUDIO="aud"
        https://other.test/v2/index.m3u8
        #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="v1/iframes.m3u8"
        #EXT-X-SESSION-KEY:METHOD=AES-128,URI="https://keys.test/k1"
        #EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd://fairplay-key",KEYFORMAT="com.apple.streamingkeydelivery"
        """;
    String out = PlaylistRewriter.rewriteMaster(MASTER, master, uri -> "/stream[" + uri + "]", uri -> "/res[" + uri + "]");

    assertThat(out).isEqualTo("""
        #EXTM3U
        #EXT-X-VERSION:6
        #EXT-X-INDEPENDENT-SEGMENTS
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",URI="/stream[https://cdn.test/live/audio/en.m3u8]"
        #EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="CC1",INSTREAM-ID="CC1"
        #EXT-X-STREAM-INF:BANDWIDTH=1280000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360,AUDIO="aud"
        /stream[https://cdn.test/live/v1/index.m3u8?token=abc]

        #EXT-X-STREAM-INF:BANDWIDTH=640000,RESOLUTION=426x240,AUDIO="aud"
        /stream[https://other.test/v2/index.m3u8]
        #EXT-X-SESSION-KEY:METHOD=AES-128,URI="/res[https://keys.test/k1]"
        #EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd://fairplay-key",KEYFORMAT="com.apple.streamingkeydelivery"
        """);
  }

  @Test
  void mediaSegmentsMapInOrderAndMapKeysGoThroughResources() throws Exception {
    String media = """
        #EXTM3U
        #EXT-X-VERSION:7
        #EXT-X-TARGETDURATION:2
        #EXT-X-MEDIA-SEQUENCE:41
        #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0
        #EXT-X-PART-INF:PART-TARGET=0.5
        #EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"
        #EXT-X-KEY:METHOD=AES-128,URI="https://keys.test/k?id=1",IV=0x1
        #EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z
        #EXTINF:2.000,
        #EXT-X-BYTERANGE:1000@720
        media.mp4?token=abc
        #EXTINF:2.000,
        #EXT-X-BYTERANGE:1000
        media.mp4?token=abc
        #EXT-X-PART:DURATION=0.5,URI="part1.mp4"
        #EXT-X-PRELOAD-HINT:TYPE=PART,URI="part2.mp4"
        #EXT-X-RENDITION-REPORT:URI="../v2/index.m3u8",LAST-MSN=42
        """;
    MediaPlaylist playlist = PlaylistParser.parseMedia(MEDIA, media);
    String out = PlaylistRewriter.rewriteMedia(playlist, media,
        s -> "/seg/" + s.mediaSequenceNumber() + "/" + s.byteRange().orElseThrow(), uri -> "/res[" + uri + "]");

    assertThat(out).isEqualTo("""
        #EXTM3U
        #EXT-X-VERSION:7
        #EXT-X-TARGETDURATION:2
        #EXT-X-MEDIA-SEQUENCE:41
        #EXT-X-MAP:URI="/res[https://cdn.test/live/v1/init.mp4]",BYTERANGE="720@0"
        #EXT-X-KEY:METHOD=AES-128,URI="/res[https://keys.test/k?id=1]",IV=0x1
        #EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z
        #EXTINF:2.000,
        /seg/41/720-1719
        #EXTINF:2.000,
        /seg/42/1720-2719
        """);
  }

  @Test
  void aTextThatDisagreesWithItsModelIsRefused() throws Exception {
    String media = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n";
    MediaPlaylist playlist = PlaylistParser.parseMedia(MEDIA, media);
    assertThatThrownBy(() -> PlaylistRewriter.rewriteMedia(playlist, media + "#EXTINF:2,\nb.ts\n", s -> "x", u -> "y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more segments than its 1");
  }
}
