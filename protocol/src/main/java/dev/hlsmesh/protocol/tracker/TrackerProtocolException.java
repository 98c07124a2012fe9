package dev.hlsmesh.protocol.tracker;

/**
 * A tracker message that cannot be decoded: not JSON, a duplicate key, a missing or mistyped
 * field, an id that is not 20 characters U+0000..U+00FF. The message is precise and fit to send
 * back as a {@code failure reason}, e.g. {@code invalid `info_hash`: expected 20 characters, got
 * 19}.
 */
public final class TrackerProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient TrackerAction action;
  private final transient BinaryId infoHash;

  TrackerProtocolException(String message, TrackerAction action, BinaryId infoHash) {
    super(message, null, false, false);
    this.action = action;
    this.infoHash = infoHash;
  }

  /** The message's action if it was read before the error, else {@code null}. */
  public TrackerAction action() {
    return action;
  }

  /** The message's (single) info hash if it was read before the error, else {@code null}. */
  public BinaryId infoHash() {
    return infoHash;
  }

  /** The failure to send back for this error: with {@code action} and {@code info_hash} if known. */
  public Failure toFailure() {
    return new Failure(getMessage(), action, infoHash);
  }
}
