package dev.hlsmesh.publisher;

import dev.hlsmesh.cdn.integrity.SegmentHashes;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.util.Objects;

/**
 * Signs sidecars and writes them atomically (a temporary file in the same directory, then a
 * rename), so a CDN or web server never serves half a sidecar.
 *
 * <p>Stateless apart from its key; any thread.
 */
final class SidecarWriter {
    private final PrivateKey key;

    SidecarWriter(PrivateKey key) {
        this.key = Objects.requireNonNull(key, "key");
    }

    /**
     * Writes {@code hashes} signed to {@code target} unless it already holds the same segments
     * (the publication time alone does not make a new file).
     *
     * @return whether the file was written
     */
    boolean write(Path target, SegmentHashes hashes, SegmentHashes previous) throws IOException {
        if (previous != null && previous.segments().equals(hashes.segments()) && Files.exists(target)) {
            return false;
        }
        byte[] bytes = SidecarCodec.sign(hashes, key);
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.write(temp, bytes);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return true;
    }
}
