package dev.hlsmesh.cdn;

/**
 * A contiguous range of bytes inside a resource: {@code length} bytes starting at {@code offset}.
 *
 * <p>HLS writes it as {@code EXT-X-BYTERANGE:<length>@<offset>}; HTTP as
 * {@code Range: bytes=<offset>-<lastByte>} with an inclusive last byte.
 *
 * @param offset first byte, 0-based, {@code >= 0}
 * @param length number of bytes, {@code >= 1}
 */
public record ByteRange(long offset, long length) {

    public ByteRange {
        if (offset < 0) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
        }
        if (length < 1) {
            throw new IllegalArgumentException("length: " + length + " (expected: >= 1)");
        }
        if (offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("offset + length overflows: " + offset + " + " + length);
        }
    }

    /** The last byte of the range, inclusive (as HTTP {@code Range} and P2PML segment ids write it). */
    public long lastByteInclusive() {
        return offset + length - 1;
    }

    /** {@code start-end} with an inclusive end, the suffix P2PML appends to a segment's local id. */
    @Override
    public String toString() {
        return offset + "-" + lastByteInclusive();
    }
}
