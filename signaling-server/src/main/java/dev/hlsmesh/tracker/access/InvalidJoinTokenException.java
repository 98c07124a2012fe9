package dev.hlsmesh.tracker.access;

import static java.util.Objects.requireNonNull;

/** A join token that the tracker refuses, with why (for the 401 body and the counters). */
public final class InvalidJoinTokenException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a token was refused. */
  public enum Reason {
    /** No token, but the tracker requires one. */
    MISSING,
    /** Expired, not yet valid ({@code nbf}) or issued in the future ({@code iat}). */
    EXPIRED,
    /** Anything else: not a JWT, unknown key id, bad signature, wrong algorithm, bad claims. */
    INVALID
  }

  private final Reason reason;

  InvalidJoinTokenException(Reason reason, String message) {
    super(message);
    this.reason = requireNonNull(reason, "reason");
  }

  /** Why the token was refused. */
  public Reason reason() {
    return reason;
  }
}
