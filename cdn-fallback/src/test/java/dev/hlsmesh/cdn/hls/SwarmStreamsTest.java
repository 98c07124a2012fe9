package dev.hlsmesh.cdn.hls;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.protocol.swarm.StreamType;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwarmStreamsTest {

    @Test
    void parsedMasterPlaylistsYieldTheSwarmsOfEveryHlsjsVector() throws Exception {
        JsonNode vectors;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("protocol-vectors.json")) {
            assertThat(in).isNotNull();
            vectors = new ObjectMapper().readTree(in).path("swarmIdentity").path("hlsjsPipeline");
        }
        assertThat(vectors.size()).isGreaterThanOrEqualTo(5);
        for (JsonNode vector : vectors) {
            String name = vector.path("name").asText();
            MasterPlaylist master = PlaylistParser.parseMaster(URI.create(vector.path("manifestResponseUrl").asText()),
                    vector.path("masterPlaylist").asText());
            List<SwarmStream> streams = vector.path("swarmIdOption").isNull()
                    ? SwarmStreams.of(master)
                    : SwarmStreams.of(master, vector.path("swarmIdOption").asText());

            List<String> expected = new ArrayList<>();
            for (JsonNode s : vector.path("streams")) {
                expected.add(String.join(" ", s.path("streamUrl").asText(), s.path("type").asText(),
                        s.path("index").asText(), s.path("streamSwarmId").asText(), s.path("infoHash").asText()));
            }
            List<String> actual = streams.stream().map(s -> String.join(" ", s.playlistUri().toString(),
                    s.type().wireName(), s.streamIndex(), s.streamSwarmId(), s.infoHash())).toList();
            assertThat(actual).as(name).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void parsedMediaPlaylistsYieldTheSegmentIdsOfEveryVector() throws Exception {
        JsonNode cases;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("protocol-vectors.json")) {
            cases = new ObjectMapper().readTree(in).path("segmentIds").path("cases");
        }
        assertThat(cases.size()).isGreaterThanOrEqualTo(2);
        for (JsonNode vector : cases) {
            MediaPlaylist playlist = PlaylistParser.parseMedia(URI.create(vector.path("playlistUrl").asText()),
                    vector.path("mediaPlaylist").asText());
            assertThat(playlist.live()).as(vector.path("name").asText()).isEqualTo(vector.path("live").asBoolean());
            List<String> expected = new ArrayList<>();
            for (JsonNode s : vector.path("segments")) {
                expected.add(s.path("url").asText() + " " + s.path("externalId").asLong() + " "
                        + s.path("runtimeId").asText());
            }
            assertThat(playlist.segments()).extracting(s -> s.uri() + " " + s.id() + " " + s.localId())
                    .as(vector.path("name").asText()).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void theSwarmIdDropsTheQueryAndNormalisesTheUrlAsABrowserDoes() throws Exception {
        String text = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2628000,CODECS=\"avc1.4d401f,mp4a.40.2\","
                + "RESOLUTION=1280x720,FRAME-RATE=30.000\nv/720.m3u8?token=1\n";
        MasterPlaylist master = PlaylistParser.parseMaster(
                URI.create("HTTPS://CDN.Example.com:443/live/channel1/master.m3u8?token=abc123&exp=99"), text);

        List<SwarmStream> streams = SwarmStreams.of(master);

        assertThat(streams).hasSize(1);
        SwarmStream stream = streams.get(0);
        assertThat(stream.type()).isEqualTo(StreamType.MAIN);
        assertThat(stream.streamIndex()).isEqualTo("RBJcGgBiOomhLhapF6nbpo2gYEs=");
        assertThat(stream.streamSwarmId()).isEqualTo(
                "v2-https://cdn.example.com/live/channel1/master.m3u8-main-RBJcGgBiOomhLhapF6nbpo2gYEs=");
        assertThat(stream.infoHash()).isEqualTo("D2L6qLdcAO0vh07WoiT4");
        assertThat(stream.playlistUri().getQuery()).as("kept for HTTP").isEqualTo("token=1");
    }

    @Test
    void theShippedClipHasOneSwarmPerVariant() throws Exception {
        MasterPlaylist master = PlaylistParser.parseMaster(URI.create("http://127.0.0.1:8080/live/master.m3u8"),
                PlaylistParserTest.resource("clip/master.m3u8"));

        List<SwarmStream> streams = SwarmStreams.of(master);

        assertThat(streams).extracting(SwarmStream::type).containsExactly(StreamType.MAIN, StreamType.MAIN);
        assertThat(streams).extracting(SwarmStream::streamSwarmId)
                .allMatch(id -> id.startsWith("v2-http://127.0.0.1:8080/live/master.m3u8-main-"))
                .doesNotHaveDuplicates();
        assertThat(streams).extracting(SwarmStream::infoHash).allMatch(h -> h.length() == 20);
    }
}
