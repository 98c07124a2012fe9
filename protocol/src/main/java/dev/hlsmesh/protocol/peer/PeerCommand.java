package dev.hlsmesh.protocol.peer;

import java.util.List;
import java.util.Objects;

/**
 * A command of the p2p-media-loader peer protocol (PROTOCOL.md C.5). Immutable values; dispatch
 * with {@code instanceof} patterns or a switch over {@link #code()}.
 *
 * <p>All numbers are JavaScript numbers on the browser side, so every id, request id, size and
 * offset must lie within {@code ±}{@link #MAX_SAFE_INTEGER}; the constructors reject anything
 * else with {@link IllegalArgumentException}. The codec checks nothing beyond that: whether a
 * size is negative or a request id is one we sent is for the peer session to judge.
 */
public sealed interface PeerCommand {

  /** {@code Number.MAX_SAFE_INTEGER}: the largest integer a browser peer represents exactly. */
  long MAX_SAFE_INTEGER = (1L << 53) - 1;

  /** The command code, the first byte of the encoded command (0..5). */
  int code();

  /**
   * Code 0: the segment ids this peer holds ({@code l}) and is downloading over HTTP now
   * ({@code p}). Replaces the receiver's previous view of the sender entirely.
   *
   * <p>When encoded, ids are grouped by {@code id & ~0xFF} (so their order changes across
   * groups) and each list carries at most 255 groups of at most 255 ids; if a list needs more
   * groups its smallest ids are left out, see {@link PeerFraming}.
   *
   * @param loadedSegmentIds      segment ids stored and ready to upload ({@code l})
   * @param httpLoadingSegmentIds segment ids being fetched over HTTP now ({@code p})
   */
  record SegmentsAnnouncement(List<Long> loadedSegmentIds, List<Long> httpLoadingSegmentIds)
      implements PeerCommand {
    public SegmentsAnnouncement {
      loadedSegmentIds = safeList(loadedSegmentIds, "loadedSegmentIds");
      httpLoadingSegmentIds = safeList(httpLoadingSegmentIds, "httpLoadingSegmentIds");
    }

    /** An announcement saying "I hold nothing and load nothing". */
    public static SegmentsAnnouncement empty() {
      return new SegmentsAnnouncement(List.of(), List.of());
    }

    @Override
    public int code() {
      return 0;
    }
  }

  /**
   * Code 1: asks the receiver to upload a segment.
   *
   * @param segmentId  the segment id within the stream swarm ({@code i})
   * @param requestId  chosen by the requester and echoed by the uploader ({@code r})
   * @param byteOffset bytes the requester already holds; 0 = from the start ({@code b},
   *                   omitted on the wire when 0)
   */
  record SegmentRequest(long segmentId, long requestId, long byteOffset) implements PeerCommand {
    public SegmentRequest {
      checkSafe(segmentId, "segmentId");
      checkSafe(requestId, "requestId");
      checkSafe(byteOffset, "byteOffset");
    }

    @Override
    public int code() {
      return 1;
    }
  }

  /**
   * Code 2: the uploader is about to send {@code sizeBytes} bytes of raw payload messages.
   *
   * @param segmentId the requested segment id ({@code i})
   * @param requestId the request id being answered ({@code r})
   * @param sizeBytes number of payload bytes that follow: size minus the requested offset ({@code s})
   */
  record SegmentData(long segmentId, long requestId, long sizeBytes) implements PeerCommand {
    public SegmentData {
      checkSafe(segmentId, "segmentId");
      checkSafe(requestId, "requestId");
      checkSafe(sizeBytes, "sizeBytes");
    }

    @Override
    public int code() {
      return 2;
    }
  }

  /**
   * Code 3: all payload bytes announced by {@link SegmentData} were sent.
   *
   * @param segmentId the segment id ({@code i})
   * @param requestId the request id ({@code r})
   */
  record SegmentDataSendingCompleted(long segmentId, long requestId) implements PeerCommand {
    public SegmentDataSendingCompleted {
      checkSafe(segmentId, "segmentId");
      checkSafe(requestId, "requestId");
    }

    @Override
    public int code() {
      return 3;
    }
  }

  /**
   * Code 4: the uploader does not have the segment (or does not upload now).
   *
   * @param segmentId the segment id ({@code i})
   * @param requestId the request id ({@code r})
   */
  record SegmentAbsent(long segmentId, long requestId) implements PeerCommand {
    public SegmentAbsent {
      checkSafe(segmentId, "segmentId");
      checkSafe(requestId, "requestId");
    }

    @Override
    public int code() {
      return 4;
    }
  }

  /**
   * Code 5: the requester no longer wants the segment; the uploader compares only the
   * request id with its current upload.
   *
   * @param segmentId the segment id ({@code i})
   * @param requestId the request id ({@code r})
   */
  record CancelSegmentRequest(long segmentId, long requestId) implements PeerCommand {
    public CancelSegmentRequest {
      checkSafe(segmentId, "segmentId");
      checkSafe(requestId, "requestId");
    }

    @Override
    public int code() {
      return 5;
    }
  }

  private static void checkSafe(long value, String name) {
    if (value > MAX_SAFE_INTEGER || value < -MAX_SAFE_INTEGER) {
      throw new IllegalArgumentException(
          name + ": " + value + " (expected: within ±" + MAX_SAFE_INTEGER + ")");
    }
  }

  private static List<Long> safeList(List<Long> ids, String name) {
    Objects.requireNonNull(ids, name);
    List<Long> copy = List.copyOf(ids);
    for (Long id : copy) {
      checkSafe(id, name + " element");
    }
    return copy;
  }
}
