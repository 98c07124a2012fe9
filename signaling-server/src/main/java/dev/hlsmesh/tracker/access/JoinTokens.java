package dev.hlsmesh.tracker.access;

import static java.util.Objects.requireNonNull;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import dev.hlsmesh.protocol.swarm.SwarmIds;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.tracker.config.JoinTokenKey;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Mints join tokens for a platform's backend: a JWT signed with HS256 whose header names the
 * key ({@code kid}) and whose claims are {@code exp}, {@code iat}, optionally {@code sub}, and
 * {@code ih}, the allowed info hashes as 40 lowercase hex digits each (absent = any swarm).
 * Any JWT library can mint the same tokens; docs/security.md has the details.
 *
 * <pre>{@code
 * String swarm = SwarmIds.streamSwarmId(swarmId, props);          // per stream variant
 * JoinGrant grant = JoinGrant.forSwarms(Set.of(JoinTokens.infoHashOf(swarm)),
 *     Instant.now().plus(Duration.ofHours(4))).withSubject("viewer-42");
 * URI trackerUrl = JoinTokens.withToken(URI.create("wss://tracker.example/"),
 *     JoinTokens.mint(key, grant, Instant.now()));
 * }</pre>
 *
 * <p>Stateless; any thread.
 */
public final class JoinTokens {
  /** Claim holding the allowed info hashes (hex). */
  public static final String INFO_HASHES_CLAIM = "ih";
  /** Query parameter that carries the token on the WebSocket URL. */
  public static final String QUERY_PARAMETER = "token";

  private JoinTokens() {}

  /**
   * Signs a token for {@code grant} with {@code key}.
   *
   * @param issuedAt the {@code iat} claim (now); the tracker refuses tokens issued in its future
   */
  public static String mint(JoinTokenKey key, JoinGrant grant, Instant issuedAt) {
    requireNonNull(key, "key");
    requireNonNull(grant, "grant");
    requireNonNull(issuedAt, "issuedAt");
    if (!grant.expiresAt().isAfter(issuedAt)) {
      throw new IllegalArgumentException("expiresAt " + grant.expiresAt()
          + " (expected: after issuedAt " + issuedAt + ")");
    }
    JWTCreator.Builder jwt = JWT.create()
        .withKeyId(key.id())
        .withIssuedAt(issuedAt)
        .withExpiresAt(grant.expiresAt());
    if (!grant.subject().isEmpty()) {
      jwt.withSubject(grant.subject());
    }
    if (!grant.anySwarm()) {
      List<String> hex = grant.infoHashes().stream().map(BinaryId::toHex).sorted().toList();
      jwt.withClaim(INFO_HASHES_CLAIM, hex);
    }
    return jwt.sign(Algorithm.HMAC256(key.secret()));
  }

  /**
   * The tracker info hash of a p2p-media-loader 2.3 stream swarm (PROTOCOL.md B.4), as a token
   * names it. Compute the stream swarm ids of every variant and rendition a viewer may play
   * with {@link SwarmIds#streamSwarmId(String, dev.hlsmesh.protocol.swarm.StreamProps)}.
   */
  public static BinaryId infoHashOf(String streamSwarmId) {
    return BinaryId.ofAscii(SwarmIds.infoHash(requireNonNull(streamSwarmId, "streamSwarmId")));
  }

  /** {@code trackerUrl} with {@code ?token=...} (or {@code &token=...}) appended. */
  public static URI withToken(URI trackerUrl, String token) {
    requireNonNull(trackerUrl, "trackerUrl");
    requireNonNull(token, "token");
    String url = trackerUrl.toString();
    String separator = trackerUrl.getRawQuery() == null ? "?" : "&";
    return URI.create(url + separator + QUERY_PARAMETER + "="
        + URLEncoder.encode(token, StandardCharsets.UTF_8));
  }
}
