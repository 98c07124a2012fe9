package dev.hlsmesh.publisher;

import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParseException;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.Segment;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.SegmentHashes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a packager's output directory: on every {@link #publishOnce()} it finds the media
 * playlists under the directory ({@code *.m3u8} with {@code #EXTINF}; master playlists are
 * skipped), hashes the segment files each one lists and writes the signed sidecar
 * {@code NAME.m3u8 + suffix} next to it. A playlist that lists a file outside the directory or
 * not there (yet, or any more) is skipped this round and retried on the next.
 *
 * <p>Not thread-safe: one thread calls {@link #publishOnce()} (the command runs it on a timer).
 */
final class DirectoryPublisher {
    private static final Logger log = LoggerFactory.getLogger(DirectoryPublisher.class);
    private static final int MAX_DEPTH = 8;
    private static final int MAX_PLAYLIST_BYTES = 4 << 20;

    private final Path root;
    private final String pathPrefix;
    private final String suffix;
    private final String keyId;
    private final int keepOldSegments;
    private final SidecarWriter writer;
    private final Clock clock;
    private final Map<Path, Followed> followed = new HashMap<>();

    private static final class Followed {
        final HashWindow window;
        String lastText;
        SegmentHashes lastWritten;
        String lastProblem;

        Followed(HashWindow window) {
            this.window = window;
        }
    }

    /**
     * @param root the directory the packager writes (served by the CDN at {@code pathPrefix})
     * @param pathPrefix the URL path at which {@code root} is served, starting and ending with
     *     {@code /} ({@code /live/}): sidecars name their playlist by its URL path
     * @param suffix appended to a playlist's file name to name its sidecar
     */
    DirectoryPublisher(Path root, String pathPrefix, String suffix, String keyId, int keepOldSegments,
            SidecarWriter writer, Clock clock) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.pathPrefix = Objects.requireNonNull(pathPrefix, "pathPrefix");
        if (!pathPrefix.startsWith("/") || !pathPrefix.endsWith("/")) {
            throw new IllegalArgumentException("path prefix '" + pathPrefix + "' (expected: starts and ends with /)");
        }
        this.suffix = Objects.requireNonNull(suffix, "suffix");
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.keepOldSegments = keepOldSegments;
        this.writer = Objects.requireNonNull(writer, "writer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * One pass over the directory.
     *
     * @return the sidecars written in this pass
     * @throws IOException if the directory itself cannot be listed
     */
    int publishOnce() throws IOException {
        List<Path> playlists = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root, MAX_DEPTH)) {
            files.filter(p -> p.getFileName().toString().endsWith(".m3u8") && Files.isRegularFile(p)).forEach(playlists::add);
        }
        int written = 0;
        for (Path playlist : playlists) {
            try {
                if (publish(playlist)) {
                    written++;
                }
            } catch (IOException | PlaylistParseException | RuntimeException e) {
                Followed state = followed.get(playlist);
                String problem = e.getMessage();
                if (state == null || !Objects.equals(state.lastProblem, problem)) {
                    log.warn("{}: no sidecar this round: {}", root.relativize(playlist), problem);
                }
                if (state != null) {
                    state.lastProblem = problem;
                    state.lastText = null; // retry next round
                }
            }
        }
        followed.keySet().retainAll(playlists);
        return written;
    }

    private boolean publish(Path playlistFile) throws IOException, PlaylistParseException {
        if (Files.size(playlistFile) > MAX_PLAYLIST_BYTES) {
            throw new IOException("larger than " + MAX_PLAYLIST_BYTES + " bytes");
        }
        String text = Files.readString(playlistFile, StandardCharsets.UTF_8);
        if (!text.contains("#EXTINF")) {
            return false; // a master playlist, or an empty media playlist
        }
        String urlPath = pathPrefix + toUrlPath(root.relativize(playlistFile));
        Followed state = followed.computeIfAbsent(playlistFile,
                p -> new Followed(new HashWindow(keyId, encodedPath(urlPath), keepOldSegments)));
        if (text.equals(state.lastText)) {
            return false;
        }
        MediaPlaylist playlist = PlaylistParser.parseMedia(playlistUri(urlPath), text);
        SegmentHashes hashes = state.window.update(playlist, this::read, clock.instant());
        Path target = playlistFile.resolveSibling(playlistFile.getFileName() + suffix);
        boolean written = writer.write(target, hashes, state.lastWritten);
        state.lastText = text;
        state.lastWritten = hashes;
        state.lastProblem = null;
        if (written) {
            log.debug("{}: {} segments up to {}", target, hashes.segments().size(),
                    hashes.segments().isEmpty() ? "-" : hashes.segments().get(hashes.segments().size() - 1).mediaSequenceNumber());
        }
        return written;
    }

    private byte[] read(Segment segment) throws IOException {
        String path = segment.uri().getPath(); // decoded
        if (!"publisher.invalid".equals(segment.uri().getHost()) || !path.startsWith(pathPrefix)) {
            throw new IOException("segment " + segment.mediaSequenceNumber() + " (" + segment.uri()
                    + ") is not under the followed directory");
        }
        Path file = root.resolve(path.substring(pathPrefix.length())).normalize();
        if (!file.startsWith(root)) {
            throw new IOException("segment " + segment.mediaSequenceNumber() + " (" + path + ") escapes the directory");
        }
        try {
            if (segment.byteRange().isEmpty()) {
                return Files.readAllBytes(file);
            }
            long offset = segment.byteRange().get().offset();
            long length = segment.byteRange().get().length();
            try (InputStream in = Files.newInputStream(file)) {
                in.skipNBytes(offset);
                byte[] bytes = in.readNBytes((int) length);
                if (bytes.length != length) {
                    throw new IOException("segment " + segment.mediaSequenceNumber() + ": " + file + " ends before its byte range");
                }
                return bytes;
            }
        } catch (NoSuchFileException e) {
            throw new IOException("segment " + segment.mediaSequenceNumber() + ": " + file + " not found");
        }
    }

    private static String toUrlPath(Path relative) {
        List<String> parts = new ArrayList<>();
        for (Path part : relative) {
            parts.add(part.toString());
        }
        return String.join("/", parts);
    }

    /** A URL in a reserved domain whose path is the playlist's served path, to resolve segment URIs against. */
    private static URI playlistUri(String decodedPath) {
        try {
            return new URI("http", "publisher.invalid", decodedPath, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("playlist path " + decodedPath + ": " + e.getMessage(), e);
        }
    }

    private static String encodedPath(String decodedPath) {
        return playlistUri(decodedPath).getRawPath();
    }
}
