package dev.hlsmesh.cdn.fetch;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * A {@link BodyListener} that keeps the whole body in memory, up to a limit (a body over the limit
 * ends the fetch as {@link FetchResult.Cancelled}). For small resources such as playlists.
 *
 * <p>Thread-safe: the fetch writes, any thread may read once the fetch's result is complete.
 */
public final class ByteCollector implements BodyListener {

    private final int maxBytes;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** @param maxBytes largest body accepted, {@code >= 0} */
    public ByteCollector(int maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= 0)");
        }
        this.maxBytes = maxBytes;
    }

    @Override
    public synchronized void onData(ByteBuffer chunk) {
        if ((long) out.size() + chunk.remaining() > maxBytes) {
            throw new IllegalStateException("body larger than " + maxBytes + " bytes");
        }
        byte[] copy = new byte[chunk.remaining()];
        chunk.get(copy);
        out.write(copy, 0, copy.length);
    }

    /** A copy of the bytes received so far. */
    public synchronized byte[] toByteArray() {
        return out.toByteArray();
    }

    /** How many bytes were received so far. */
    public synchronized int size() {
        return out.size();
    }
}
