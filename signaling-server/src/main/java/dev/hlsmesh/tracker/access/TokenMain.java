package dev.hlsmesh.tracker.access;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.tracker.config.JoinTokenKey;
import dev.hlsmesh.tracker.config.TrackerConfig;
import dev.hlsmesh.tracker.config.TrackerConfigLoader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code bin/tracker-token}: mints one join token and prints it (or a tracker URL carrying it).
 * The key comes from the tracker's own configuration file, or from an environment variable.
 * Exits 2 on a usage or configuration error.
 */
public final class TokenMain {
  private static final String USAGE = String.join("\n",
      "usage: tracker-token (--config FILE [--kid ID] | --secret-env VAR --kid ID)",
      "                     (--stream-swarm-id ID | --info-hash HASH)... | --any-swarm",
      "                     [--ttl-seconds N] [--subject TEXT] [--url WS_URL]",
      "  --config FILE         the tracker's YAML: its tracker.joinTokenKeys (default: the first)",
      "  --secret-env VAR      the key in Base64 from this environment variable",
      "  --stream-swarm-id ID  allow the swarm of this p2p-media-loader stream swarm id",
      "                        (v2-<swarmId>-main|secondary-<index>); repeatable",
      "  --info-hash HASH      allow this info hash: 40 hex digits or the 20-character string",
      "  --any-swarm           allow every swarm",
      "  --ttl-seconds N       lifetime (default 3600)",
      "  --url WS_URL          print WS_URL with ?token=... instead of the bare token");

  private TokenMain() {}

  public static void main(String[] args) {
    int status = run(args, System.out, System.err, System.getenv(), Clock.systemUTC());
    if (status != 0) {
      System.exit(status);
    }
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env,
      Clock clock) {
    Path config = null;
    String kid = null;
    String secretEnv = null;
    String subject = "";
    String url = null;
    long ttlSeconds = 3600;
    boolean anySwarm = false;
    Set<BinaryId> infoHashes = new LinkedHashSet<>();
    try {
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("-h") || arg.equals("--help")) {
          out.println(USAGE);
          return 0;
        }
        if (arg.equals("--any-swarm")) {
          anySwarm = true;
          continue;
        }
        if (i + 1 >= args.length) {
          return usage(err, "missing value after " + arg);
        }
        String value = args[++i];
        switch (arg) {
          case "--config" -> config = Path.of(value);
          case "--kid" -> kid = value;
          case "--secret-env" -> secretEnv = value;
          case "--subject" -> subject = value;
          case "--url" -> url = value;
          case "--ttl-seconds" -> ttlSeconds = Long.parseLong(value);
          case "--stream-swarm-id" -> infoHashes.add(JoinTokens.infoHashOf(value));
          case "--info-hash" -> infoHashes.add(parseInfoHash(value));
          default -> {
            return usage(err, "unexpected argument " + arg);
          }
        }
      }
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    }
    if (anySwarm == !infoHashes.isEmpty()) {
      return usage(err, "name the allowed swarms (--stream-swarm-id, --info-hash) or --any-swarm");
    }
    if (ttlSeconds < 1) {
      return usage(err, "--ttl-seconds " + ttlSeconds + " (expected: at least 1)");
    }
    JoinTokenKey key;
    try {
      key = key(config, kid, secretEnv, env);
    } catch (IllegalArgumentException e) { // InvalidConfigException too
      err.println("tracker-token: " + e.getMessage());
      return 2;
    }
    Instant now = clock.instant();
    Instant expiresAt = now.plus(Duration.ofSeconds(ttlSeconds));
    JoinGrant grant;
    try {
      grant = (anySwarm ? JoinGrant.anySwarm(expiresAt) : JoinGrant.forSwarms(infoHashes, expiresAt))
          .withSubject(subject);
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    }
    String token = JoinTokens.mint(key, grant, now);
    out.println(url == null ? token : JoinTokens.withToken(URI.create(url), token).toString());
    return 0;
  }

  private static JoinTokenKey key(Path config, String kid, String secretEnv,
      Map<String, String> env) {
    if ((config == null) == (secretEnv == null)) {
      throw new IllegalArgumentException("give exactly one of --config FILE, --secret-env VAR");
    }
    if (secretEnv != null) {
      String base64 = env.get(secretEnv);
      if (base64 == null) {
        throw new IllegalArgumentException("environment variable " + secretEnv + " is not set");
      }
      if (kid == null) {
        throw new IllegalArgumentException("--secret-env needs --kid (the id the tracker knows"
            + " the key by)");
      }
      byte[] secret;
      try {
        secret = Base64.getDecoder().decode(base64.strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("environment variable " + secretEnv
            + " is not Base64");
      }
      return new JoinTokenKey(kid, secret);
    }
    TrackerConfig tracker = TrackerConfigLoader.load(config, env);
    List<JoinTokenKey> keys = tracker.joinTokenKeys();
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(config + ": no tracker.joinTokenKeys");
    }
    if (kid == null) {
      return keys.get(0);
    }
    for (JoinTokenKey key : keys) {
      if (key.id().equals(kid)) {
        return key;
      }
    }
    throw new IllegalArgumentException(config + ": no key with id " + kid);
  }

  private static BinaryId parseInfoHash(String value) {
    if (value.length() == 2 * BinaryId.LENGTH && value.matches("[0-9A-Fa-f]+")) {
      return BinaryId.fromHex(value);
    }
    if (value.length() == BinaryId.LENGTH) {
      return BinaryId.fromWireString(value);
    }
    throw new IllegalArgumentException("--info-hash " + value
        + " (expected: 40 hex digits or a 20-character info hash)");
  }

  private static int usage(PrintStream err, String problem) {
    err.println("tracker-token: " + problem);
    err.println(USAGE);
    return 2;
  }
}
