package dev.hlsmesh.agent;

/**
 * The WebRTC native library cannot be loaded on this machine. The message is one sentence that
 * says what to install; it is meant to be shown to the operator as is.
 */
public final class WebRtcUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message one sentence saying what is missing and how to install it
   */
  public WebRtcUnavailableException(String message) {
    super(message, null, false, false);
  }
}
