package dev.hlsmesh.agent.delivery;

/** A segment could not be loaded; the message says from where and why. */
public final class SegmentLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  public SegmentLoadException(String message) {
    super(message);
  }

  public SegmentLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
