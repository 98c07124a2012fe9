package dev.hlsmesh.publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SegmentHashes;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.cdn.integrity.SidecarException;
import dev.hlsmesh.testsupport.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublisherCommandTest {
    @TempDir
    Path temp;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-22T08:00:00Z"));
    private Path keys;
    private Path live;

    @BeforeEach
    void setUp() throws Exception {
        keys = temp.resolve("keys");
        live = temp.resolve("www/ch1");
        Files.createDirectories(live.resolve("360p"));
    }

    private int run(String... args) throws Exception {
        return PublisherMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), clock, null);
    }

    private PublicKey keygen(String keyId) throws Exception {
        assertThat(run("keygen", "--key-id", keyId, "--out", keys.toString())).isZero();
        String printed = out.toString(StandardCharsets.UTF_8);
        String line = printed.lines().filter(l -> l.startsWith("  " + keyId + ": ")).findFirst().orElseThrow();
        PublicKey fromConfigLine = IntegrityKeys.parsePublicKey(line.substring(line.indexOf(": ") + 2));
        assertThat(IntegrityKeys.parsePublicKey(Files.readString(keys.resolve(keyId + ".pub")))).isEqualTo(fromConfigLine);
        return fromConfigLine;
    }

    private void writeSegments(long first, int count) throws Exception {
        StringBuilder playlist = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:")
                .append(first).append('\n');
        for (long msn = first; msn < first + count; msn++) {
            Files.writeString(live.resolve("360p/seg" + msn + ".ts"), "segment " + msn);
            playlist.append("#EXTINF:2.0,\nseg").append(msn).append(".ts\n");
        }
        Files.writeString(live.resolve("360p/index.m3u8"), playlist);
    }

    private SegmentHashes readSidecar(PublicKey key) throws Exception {
        return SidecarCodec.verify(Files.readAllBytes(live.resolve("360p/index.m3u8.integrity")), Map.of("ch1-2026", key),
                "/live/ch1/360p/index.m3u8");
    }

    @Test
    void keygenWritesAProtectedPrivateKeyAndPrintsTheAgentConfigurationLine() throws Exception {
        keygen("ch1-2026");
        assertThat(Files.getPosixFilePermissions(keys.resolve("ch1-2026.key")))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        assertThat(run("keygen", "--key-id", "ch1-2026", "--out", keys.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("not overwriting a key");
        assertThat(run("keygen", "--key-id", "bad id")).isEqualTo(2);
    }

    @Test
    void publishesASignedSidecarNextToEachMediaPlaylistAndFollowsItsChanges() throws Exception {
        PublicKey key = keygen("ch1-2026");
        Files.writeString(live.resolve("master.m3u8"), "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p/index.m3u8\n");
        writeSegments(5, 3);
        String[] once = {"run", "--key", keys.resolve("ch1-2026.key").toString(), "--dir", live.toString(),
            "--path-prefix", "/live/ch1/", "--keep-old", "1", "--once"};

        assertThat(run(once)).isZero();
        SegmentHashes first = readSidecar(key);
        assertThat(first.keyId()).isEqualTo("ch1-2026");
        assertThat(first.published()).isEqualTo(Instant.parse("2026-11-22T08:00:00Z"));
        assertThat(first.segments()).extracting(SegmentHashes.Entry::path)
                .containsExactly("/live/ch1/360p/seg5.ts", "/live/ch1/360p/seg6.ts", "/live/ch1/360p/seg7.ts");
        assertThat(first.segments().get(0).sha256Hex())
                .isEqualTo(HashWindow.sha256Hex("segment 5".getBytes(StandardCharsets.UTF_8)));
        assertThat(Files.exists(live.resolve("master.m3u8.integrity"))).isFalse();

        // A running publisher remembers the segments that left the playlist (--keep-old 1).
        DirectoryPublisher running = new DirectoryPublisher(live, "/live/ch1/", ".integrity", "ch1-2026", 1,
                new SidecarWriter(IntegrityKeys.parsePrivateKey(Files.readString(keys.resolve("ch1-2026.key")))), clock);
        assertThat(running.publishOnce()).isEqualTo(1);
        assertThat(running.publishOnce()).isZero(); // nothing changed
        clock.advance(java.time.Duration.ofSeconds(2));
        writeSegments(7, 3);
        assertThat(running.publishOnce()).isEqualTo(1);
        SegmentHashes slid = readSidecar(key);
        assertThat(slid.segments()).extracting(SegmentHashes.Entry::mediaSequenceNumber).containsExactly(6L, 7L, 8L, 9L);
        assertThat(slid.published()).isEqualTo(Instant.parse("2026-11-22T08:00:02Z"));
        try (var files = Files.list(live.resolve("360p"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    @Test
    void aPlaylistListingAMissingSegmentFileGetsNoSidecarUntilTheFileIsThere() throws Exception {
        PublicKey key = keygen("ch1-2026");
        writeSegments(5, 2);
        Files.delete(live.resolve("360p/seg6.ts"));
        String[] once = {"run", "--key", keys.resolve("ch1-2026.key").toString(), "--dir", live.toString(),
            "--path-prefix", "/live/ch1/", "--once"};
        assertThat(run(once)).isZero();
        assertThat(Files.exists(live.resolve("360p/index.m3u8.integrity"))).isFalse();
        Files.writeString(live.resolve("360p/seg6.ts"), "segment 6");
        assertThat(run(once)).isZero();
        assertThat(readSidecar(key).segments()).hasSize(2);
    }

    @Test
    void aSidecarSignedWithAnotherKeyIsRejectedByAgentsTrustingTheFirst() throws Exception {
        PublicKey trusted = keygen("ch1-2026");
        Path other = temp.resolve("other");
        assertThat(PublisherMain.run(new String[] {"keygen", "--key-id", "ch1-2026", "--out", other.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                clock, null)).isZero();
        writeSegments(1, 1);
        assertThat(run("run", "--key", other.resolve("ch1-2026.key").toString(), "--dir", live.toString(),
                "--path-prefix", "/live/ch1/", "--once")).isZero();
        assertThatThrownBy(() -> readSidecar(trusted)).isInstanceOf(SidecarException.class)
                .hasMessage("bad signature for key id 'ch1-2026'");
    }

    @Test
    void badArgumentsExitWithStatusTwoAndSayWhy() throws Exception {
        keygen("k");
        String key = keys.resolve("k.key").toString();
        assertThat(run("run", "--key", key)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("give exactly one of --dir and --playlist");
        assertThat(run("run", "--key", key, "--dir", live.toString(), "--keep-old", "-1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--keep-old -1 (expected: 0..1000)");
        assertThat(run("run", "--key", key, "--dir", live.toString(), "--frobnicate", "1")).isEqualTo(2);
        assertThat(run("run", "--key", live.resolve("nothing.key").toString(), "--dir", live.toString())).isEqualTo(1);
        assertThat(run("sign")).isEqualTo(2);
    }
}
