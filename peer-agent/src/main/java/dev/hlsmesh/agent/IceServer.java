package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A STUN or TURN server the agent's WebRTC connections may use.
 *
 * @param urls {@code stun:host:port}, {@code turn:host:port?transport=udp} or {@code turns:...}
 *     URLs of one server (at least one)
 * @param username TURN user name, or {@code null} for STUN
 * @param credential TURN password, or {@code null} for STUN
 */
public record IceServer(List<String> urls, String username, String credential) {
  /** Validates and copies the URL list. */
  public IceServer {
    requireNonNull(urls, "urls");
    urls = List.copyOf(urls);
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("iceServers[].urls: empty (expected: at least one stun:, turn: or turns: URL)");
    }
    for (String url : urls) {
      if (!(url.startsWith("stun:") || url.startsWith("stuns:") || url.startsWith("turn:") || url.startsWith("turns:"))) {
        throw new IllegalArgumentException("iceServers[].urls: " + url + " (expected: a stun:, stuns:, turn: or turns: URL)");
      }
    }
  }

  /** A STUN server without credentials. */
  public static IceServer stun(String url) {
    return new IceServer(List.of(url), null, null);
  }
}
