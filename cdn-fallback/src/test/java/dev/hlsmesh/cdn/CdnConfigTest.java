package dev.hlsmesh.cdn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import org.junit.jupiter.api.Test;

class CdnConfigTest {

    @Test
    void defaultsAreValid() {
        CdnConfig config = CdnConfig.defaults();
        assertThat(config.cdnBaseUrls()).isEmpty();
        assertThat(config.httpVersion()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(config.maxAttempts()).isEqualTo(4);
        assertThat(config.toBuilder().build()).isEqualTo(config);
    }

    @Test
    void baseUrlsGetATrailingSlash() {
        CdnConfig config = CdnConfig.builder()
                .cdnBaseUrls(List.of(URI.create("https://a.example.com/live"), URI.create("http://b.example.com/")))
                .build();
        assertThat(config.cdnBaseUrls())
                .containsExactly(URI.create("https://a.example.com/live/"), URI.create("http://b.example.com/"));
    }

    @Test
    void reportsEveryBadValueAtOnce() {
        assertThatThrownBy(() -> CdnConfig.builder()
                .cdnBaseUrls(List.of(URI.create("ftp://x/"), URI.create("http://a/?t=1"), URI.create("/relative"),
                        URI.create("http://b/x"), URI.create("http://b/x/")))
                .maxAttempts(0)
                .connectTimeoutMillis(-1)
                .initialBackoffMillis(500)
                .maxBackoffMillis(100)
                .maxPlaylistBytes(10)
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cdn.cdnBaseUrls[0]: ftp://x/ (expected: an absolute http or https URL)")
                .hasMessageContaining("cdn.cdnBaseUrls[1]: http://a/?t=1 (expected: no query or fragment)")
                .hasMessageContaining("cdn.cdnBaseUrls[2]: /relative (expected: an absolute http or https URL)")
                .hasMessageContaining("cdn.cdnBaseUrls[4]: http://b/x/ (expected: no duplicates)")
                .hasMessageContaining("cdn.maxAttempts: 0 (expected: 1..20)")
                .hasMessageContaining("cdn.connectTimeoutMillis: -1 (expected: 1..60000)")
                .hasMessageContaining("cdn.maxBackoffMillis: 100 (expected: 500..60000)")
                .hasMessageContaining("cdn.maxPlaylistBytes: 10 (expected: 1024..67108864)");
    }

    @Test
    void byteRangeRejectsNonsenseAndPrintsInclusiveEnd() {
        assertThat(new ByteRange(100, 50).lastByteInclusive()).isEqualTo(149);
        assertThat(new ByteRange(100, 50)).hasToString("100-149");
        assertThatThrownBy(() -> new ByteRange(-1, 5)).hasMessage("offset: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new ByteRange(0, 0)).hasMessage("length: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new ByteRange(Long.MAX_VALUE, 2)).hasMessageContaining("overflows");
    }
}
