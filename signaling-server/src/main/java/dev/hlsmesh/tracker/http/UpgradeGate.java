package dev.hlsmesh.tracker.http;

import dev.hlsmesh.tracker.access.InvalidJoinTokenException;
import dev.hlsmesh.tracker.access.JoinGrant;
import dev.hlsmesh.tracker.access.JoinTokenVerifier;
import dev.hlsmesh.tracker.access.JoinTokens;
import dev.hlsmesh.tracker.config.TrackerConfig;
import dev.hlsmesh.tracker.stats.TrackerStats.Rejection;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides, before the WebSocket handshake, whether an upgrade request may become a connection:
 * the Origin allow-list (403), the join token (401), then the global connection cap (503).
 * The token's swarm list is enforced later, per announce, by the session.
 *
 * <p>Thread-safe: every event loop calls it.
 */
final class UpgradeGate {

  /** A refused upgrade: the HTTP status, the counter and the text for the body. */
  record Refusal(HttpResponseStatus status, Rejection reason, String text) {}

  /** Either a refusal, or an admission holding a connection slot and the token's grant. */
  record Decision(Refusal refusal, JoinGrant grant) {
    boolean admitted() {
      return refusal == null;
    }
  }

  private final TrackerConfig config;
  private final JoinTokenVerifier verifier;
  private final Set<String> origins = new HashSet<>();
  private final AtomicInteger admitted = new AtomicInteger();

  UpgradeGate(TrackerConfig config, Clock clock) {
    this.config = config;
    this.verifier = new JoinTokenVerifier(config.joinTokenKeys(), clock);
    for (String origin : config.allowedOrigins()) {
      origins.add(normalizeOrigin(origin));
    }
  }

  /**
   * Checks the request; an admission takes one of the {@code maxConnections} slots, which the
   * caller gives back with {@link #release} when the connection closes.
   */
  Decision check(HttpRequest request) {
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    // Only browsers send Origin; a non-browser client can claim any, so the list protects
    // against other web pages using this tracker, not against a determined client.
    if (origin != null && !origins.isEmpty() && !origins.contains(normalizeOrigin(origin))) {
      return refuse(HttpResponseStatus.FORBIDDEN, Rejection.ORIGIN_DENIED,
          "origin not allowed: " + truncate(origin));
    }
    JoinGrant grant = null;
    if (verifier.hasKeys()) {
      List<String> tokens = new QueryStringDecoder(request.uri())
          .parameters().get(JoinTokens.QUERY_PARAMETER);
      if (tokens == null || tokens.isEmpty()) {
        if (config.requireJoinToken()) {
          return refuse(HttpResponseStatus.UNAUTHORIZED, Rejection.TOKEN_MISSING,
              "join token required: connect with ?" + JoinTokens.QUERY_PARAMETER + "=...");
        }
      } else if (tokens.size() > 1) {
        return refuse(HttpResponseStatus.UNAUTHORIZED, Rejection.TOKEN_INVALID,
            "more than one join token");
      } else {
        try {
          grant = verifier.verify(tokens.get(0));
        } catch (InvalidJoinTokenException e) {
          Rejection reason = e.reason() == InvalidJoinTokenException.Reason.EXPIRED
              ? Rejection.TOKEN_EXPIRED : Rejection.TOKEN_INVALID;
          return refuse(HttpResponseStatus.UNAUTHORIZED, reason, e.getMessage());
        }
      }
    }
    if (admitted.incrementAndGet() > config.maxConnections()) {
      admitted.decrementAndGet();
      return refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, Rejection.TOO_MANY_CONNECTIONS,
          "the tracker holds its maximum of " + config.maxConnections() + " connections");
    }
    return new Decision(null, grant);
  }

  /** Gives back the slot of an admitted connection. */
  void release() {
    admitted.decrementAndGet();
  }

  private static Decision refuse(HttpResponseStatus status, Rejection reason, String text) {
    return new Decision(new Refusal(status, reason, text), null);
  }

  /** {@code scheme://host[:port]} in lower case, without a default port; or the input. */
  static String normalizeOrigin(String origin) {
    try {
      URI uri = new URI(origin.strip());
      if (uri.getScheme() == null || uri.getHost() == null) {
        return origin;
      }
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      int port = uri.getPort();
      boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80)
          || (scheme.equals("https") && port == 443);
      return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT)
          + (defaultPort ? "" : ":" + port);
    } catch (URISyntaxException e) {
      return origin;
    }
  }

  private static String truncate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }
}
