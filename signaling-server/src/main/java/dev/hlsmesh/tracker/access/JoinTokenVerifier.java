package dev.hlsmesh.tracker.access;

import static java.util.Objects.requireNonNull;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.tracker.access.InvalidJoinTokenException.Reason;
import dev.hlsmesh.tracker.config.JoinTokenKey;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks join tokens (see {@link JoinTokens} for the format) against the configured keys.
 *
 * <p>Immutable and thread-safe: every event loop calls {@link #verify} concurrently.
 */
public final class JoinTokenVerifier {
  /** Longest token accepted; a longer one is refused unparsed. */
  public static final int MAX_TOKEN_CHARS = 3_000;
  /** Clock skew tolerated on {@code exp}, {@code nbf} and {@code iat}. */
  private static final long LEEWAY_SECONDS = 30;

  private final Map<String, JWTVerifier> verifiers = new LinkedHashMap<>();

  /**
   * @param keys the accepted keys by id; a token without {@code kid} is checked against the
   *     key when there is exactly one
   * @param clock the time source for expiry
   */
  public JoinTokenVerifier(List<JoinTokenKey> keys, Clock clock) {
    requireNonNull(keys, "keys");
    requireNonNull(clock, "clock");
    for (JoinTokenKey key : keys) {
      JWTVerifier verifier = ((JWTVerifier.BaseVerification) JWT
          .require(Algorithm.HMAC256(key.secret()))
          .withClaimPresence("exp")
          .acceptLeeway(LEEWAY_SECONDS))
          .build(clock);
      verifiers.put(key.id(), verifier);
    }
  }

  /** True if at least one key is configured (otherwise every token is refused). */
  public boolean hasKeys() {
    return !verifiers.isEmpty();
  }

  /**
   * Verifies a token and returns what it grants.
   *
   * @throws InvalidJoinTokenException if it is malformed, signed with an unknown key or a wrong
   *     one, not HS256, expired, not yet valid, or carries malformed claims
   */
  public JoinGrant verify(String token) throws InvalidJoinTokenException {
    requireNonNull(token, "token");
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new InvalidJoinTokenException(Reason.INVALID,
          "token longer than " + MAX_TOKEN_CHARS + " characters");
    }
    DecodedJWT decoded;
    try {
      decoded = JWT.decode(token);
    } catch (RuntimeException e) {
      // JWTDecodeException, and whatever else garbage may provoke: a refusal, never a crash.
      throw new InvalidJoinTokenException(Reason.INVALID, "token is not a JWT");
    }
    String kid = decoded.getKeyId();
    JWTVerifier verifier;
    if (kid == null) {
      if (verifiers.size() != 1) {
        throw new InvalidJoinTokenException(Reason.INVALID, "token has no kid (key id)");
      }
      verifier = verifiers.values().iterator().next();
    } else {
      verifier = verifiers.get(kid);
      if (verifier == null) {
        throw new InvalidJoinTokenException(Reason.INVALID, "unknown key id");
      }
    }
    DecodedJWT verified;
    try {
      verified = verifier.verify(decoded);
    } catch (TokenExpiredException e) {
      throw new InvalidJoinTokenException(Reason.EXPIRED, "token expired");
    } catch (IncorrectClaimException e) {
      // nbf in the future or iat in the future: not valid at this time.
      throw new InvalidJoinTokenException(Reason.EXPIRED,
          "token not valid yet (" + e.getClaimName() + ")");
    } catch (AlgorithmMismatchException e) {
      throw new InvalidJoinTokenException(Reason.INVALID, "token is not signed with HS256");
    } catch (SignatureVerificationException e) {
      throw new InvalidJoinTokenException(Reason.INVALID, "bad token signature");
    } catch (JWTVerificationException e) {
      throw new InvalidJoinTokenException(Reason.INVALID, "invalid token: " + e.getMessage());
    } catch (RuntimeException e) {
      throw new InvalidJoinTokenException(Reason.INVALID, "invalid token");
    }
    Instant expiresAt = verified.getExpiresAtAsInstant();
    String subject = verified.getSubject() == null ? "" : verified.getSubject();
    Claim infoHashes = verified.getClaim(JoinTokens.INFO_HASHES_CLAIM);
    if (infoHashes.isMissing() || infoHashes.isNull()) {
      return new JoinGrant(Set.of(), true, expiresAt, subject);
    }
    List<String> hex;
    try {
      hex = infoHashes.asList(String.class);
    } catch (JWTDecodeException e) {
      hex = null;
    }
    if (hex == null || hex.isEmpty() || hex.size() > JoinGrant.MAX_INFO_HASHES) {
      throw new InvalidJoinTokenException(Reason.INVALID, "claim " + JoinTokens.INFO_HASHES_CLAIM
          + " must be a list of 1 to " + JoinGrant.MAX_INFO_HASHES + " info hashes in hex");
    }
    Set<BinaryId> allowed = new HashSet<>();
    for (String h : hex) {
      try {
        allowed.add(BinaryId.fromHex(h));
      } catch (RuntimeException e) {
        throw new InvalidJoinTokenException(Reason.INVALID, "claim " + JoinTokens.INFO_HASHES_CLAIM
            + " holds a value that is not 40 hex digits");
      }
    }
    return new JoinGrant(allowed, false, expiresAt, subject);
  }
}
