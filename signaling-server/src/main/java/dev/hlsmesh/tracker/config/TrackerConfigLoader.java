package dev.hlsmesh.tracker.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a {@link TrackerConfig} from YAML and the environment.
 *
 * <p>The file has one top-level key, {@code tracker}, holding the settings by their record
 * component names; absent settings keep their defaults, unknown keys are errors. Every problem
 * (YAML type, unknown key, range) is collected and reported at once. {@code TRACKER_HOST} and
 * {@code TRACKER_PORT} override the file. Stateless; call from any thread.
 */
public final class TrackerConfigLoader {

  /** Environment variable overriding {@code tracker.host}. */
  public static final String ENV_HOST = "TRACKER_HOST";
  /** Environment variable overriding {@code tracker.port}. */
  public static final String ENV_PORT = "TRACKER_PORT";

  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  private TrackerConfigLoader() {}

  /**
   * Loads {@code file} (or only defaults when {@code file} is null) and applies the environment.
   *
   * @throws InvalidConfigException listing every problem
   */
  public static TrackerConfig load(Path file, Map<String, String> environment) {
    String yaml = "";
    if (file != null) {
      try {
        yaml = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new InvalidConfigException(List.of(file + ": cannot read: " + e));
      }
    }
    return parse(yaml, file == null ? "(defaults)" : file.toString(), environment);
  }

  /**
   * Parses YAML text and applies the environment.
   *
   * @param source names the text in messages (a file name)
   * @throws InvalidConfigException listing every problem
   */
  public static TrackerConfig parse(String yaml, String source, Map<String, String> environment) {
    List<String> problems = new ArrayList<>();
    TrackerConfig.Builder builder = TrackerConfig.builder();
    JsonNode root;
    try {
      root = yaml.isBlank() ? null : YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new InvalidConfigException(
          List.of(source + ": invalid YAML: " + e.getOriginalMessage().strip()));
    }
    if (root != null && !root.isMissingNode() && !root.isNull()) {
      if (!root.isObject()) {
        problems.add(source + ": expected a mapping with the key `tracker`, got "
            + describe(root));
      } else {
        for (Map.Entry<String, JsonNode> e : root.properties()) {
          if (!e.getKey().equals("tracker")) {
            problems.add(e.getKey() + ": unknown key (expected: tracker)");
          } else if (e.getValue().isObject()) {
            readTracker(e.getValue(), builder, environment, problems);
          } else if (!e.getValue().isNull()) {
            problems.add("tracker: " + describe(e.getValue()) + " (expected: a mapping)");
          }
        }
      }
    }
    String envHost = environment.get(ENV_HOST);
    if (envHost != null) {
      if (envHost.isBlank()) {
        problems.add(ENV_HOST + "=\"" + envHost + "\" (expected: a host name or IP address)");
      } else {
        builder.host(envHost);
      }
    }
    String envPort = environment.get(ENV_PORT);
    if (envPort != null) {
      try {
        builder.port(Integer.parseInt(envPort.strip()));
      } catch (NumberFormatException e) {
        problems.add(ENV_PORT + "=\"" + envPort + "\" (expected: an integer 0..65535)");
      }
    }
    problems.addAll(TrackerConfig.problems(builder.host(), builder.values()));
    problems.addAll(TrackerConfig.accessProblems(builder.requireJoinToken(),
        builder.joinTokenKeys(), builder.allowedOrigins()));
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return builder.build();
  }

  private static void readTracker(JsonNode tracker, TrackerConfig.Builder builder,
      Map<String, String> environment, List<String> problems) {
    for (Map.Entry<String, JsonNode> e : tracker.properties()) {
      String key = e.getKey();
      JsonNode value = e.getValue();
      String path = TrackerConfig.PREFIX + key;
      if (key.equals("host")) {
        if (value.isTextual()) {
          builder.host(value.textValue());
        } else {
          problems.add(path + ": " + value + " (expected: a host name or IP address)");
        }
        continue;
      }
      if (key.equals("requireJoinToken")) {
        if (value.isBoolean()) {
          builder.requireJoinToken(value.booleanValue());
        } else {
          problems.add(path + ": " + value + " (expected: true or false)");
        }
        continue;
      }
      if (key.equals("allowedOrigins")) {
        readOrigins(value, path, builder, problems);
        continue;
      }
      if (key.equals("joinTokenKeys")) {
        readKeys(value, path, builder, environment, problems);
        continue;
      }
      if (key.equals("cluster")) {
        readCluster(value, path, builder, problems);
        continue;
      }
      TrackerConfig.IntSetting setting = TrackerConfig.INT_SETTINGS.stream()
          .filter(s -> s.name().equals(key)).findFirst().orElse(null);
      if (setting == null) {
        problems.add(path + ": unknown key (expected one of: " + knownKeys() + ")");
      } else if (value.isIntegralNumber() && value.canConvertToInt()) {
        builder.setInt(key, value.intValue());
      } else {
        problems.add(path + ": " + value + " (expected: an integer " + setting.range() + ")");
      }
    }
  }

  private static void readOrigins(JsonNode value, String path, TrackerConfig.Builder builder,
      List<String> problems) {
    if (!value.isArray()) {
      problems.add(path + ": " + describe(value) + " (expected: a list of origins)");
      return;
    }
    List<String> origins = new ArrayList<>();
    for (JsonNode origin : value) {
      if (origin.isTextual()) {
        origins.add(origin.textValue());
      } else {
        problems.add(path + ": " + origin + " (expected: an origin string)");
      }
    }
    builder.allowedOrigins(origins);
  }

  private static void readKeys(JsonNode value, String path, TrackerConfig.Builder builder,
      Map<String, String> environment, List<String> problems) {
    if (!value.isArray()) {
      problems.add(path + ": " + describe(value) + " (expected: a list of {id, secret or"
          + " secretEnv})");
      return;
    }
    List<JoinTokenKey> keys = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode entry = value.get(i);
      String at = path + "[" + i + "]";
      if (!entry.isObject()) {
        problems.add(at + ": " + describe(entry) + " (expected: a mapping with id and secret or"
            + " secretEnv)");
        continue;
      }
      String id = null;
      String secretBase64 = null;
      String secretSource = null;
      boolean ok = true;
      for (Map.Entry<String, JsonNode> field : entry.properties()) {
        String name = field.getKey();
        JsonNode v = field.getValue();
        if (!v.isTextual()) {
          problems.add(at + "." + name + ": " + v + " (expected: a string)");
          ok = false;
        } else if (name.equals("id")) {
          id = v.textValue();
        } else if (name.equals("secret")) {
          secretBase64 = v.textValue();
          secretSource = at + ".secret";
        } else if (name.equals("secretEnv")) {
          String variable = v.textValue();
          secretBase64 = environment.get(variable);
          secretSource = at + ".secretEnv: environment variable " + variable;
          if (secretBase64 == null) {
            problems.add(secretSource + " is not set (expected: the key in Base64)");
            ok = false;
          }
        } else {
          problems.add(at + "." + name + ": unknown key (expected one of: id, secret, secretEnv)");
          ok = false;
        }
      }
      if (entry.has("secret") && entry.has("secretEnv")) {
        problems.add(at + ": both secret and secretEnv (expected: one of them)");
        continue;
      }
      if (id == null || (secretSource == null)) {
        problems.add(at + ": " + (id == null ? "no id" : "no secret or secretEnv")
            + " (expected: id and secret or secretEnv)");
        continue;
      }
      if (!ok) {
        continue;
      }
      byte[] secret;
      try {
        secret = Base64.getDecoder().decode(secretBase64.strip());
      } catch (IllegalArgumentException e) {
        // Never echo the secret itself.
        problems.add(secretSource + ": not Base64 (expected: at least "
            + JoinTokenKey.MIN_SECRET_BYTES + " bytes in standard Base64)");
        continue;
      }
      try {
        keys.add(new JoinTokenKey(id, secret));
      } catch (IllegalArgumentException e) {
        problems.add(at + ": " + e.getMessage());
      }
    }
    builder.joinTokenKeys(keys);
  }

  private static final List<String> CLUSTER_KEYS =
      List.of("redis", "nodeId", "heartbeatMillis", "keyPrefix", "commandTimeoutMillis");

  private static void readCluster(JsonNode value, String path, TrackerConfig.Builder builder,
      List<String> problems) {
    if (value.isNull()) {
      return;
    }
    if (!value.isObject()) {
      problems.add(path + ": " + describe(value) + " (expected: a mapping with redis and"
          + " optionally nodeId, heartbeatMillis, keyPrefix, commandTimeoutMillis)");
      return;
    }
    List<String> uris = null;
    String nodeId = null;
    int heartbeat = ClusterConfig.DEFAULT_HEARTBEAT_MILLIS;
    String keyPrefix = ClusterConfig.DEFAULT_KEY_PREFIX;
    int timeout = ClusterConfig.DEFAULT_COMMAND_TIMEOUT_MILLIS;
    int before = problems.size();
    for (Map.Entry<String, JsonNode> e : value.properties()) {
      String key = e.getKey();
      JsonNode v = e.getValue();
      String at = path + "." + key;
      switch (key) {
        case "redis" -> {
          if (v.isTextual()) {
            uris = List.of(v.textValue());
          } else if (v.isArray()) {
            uris = new ArrayList<>();
            for (JsonNode uri : v) {
              if (uri.isTextual()) {
                uris.add(uri.textValue());
              } else {
                problems.add(at + ": " + uri + " (expected: a URI string)");
              }
            }
          } else {
            problems.add(at + ": " + describe(v) + " (expected: a URI or a list of URIs)");
          }
        }
        case "nodeId" -> {
          if (v.isTextual()) {
            nodeId = v.textValue();
          } else {
            problems.add(at + ": " + v + " (expected: a string)");
          }
        }
        case "keyPrefix" -> {
          if (v.isTextual()) {
            keyPrefix = v.textValue();
          } else {
            problems.add(at + ": " + v + " (expected: a string)");
          }
        }
        case "heartbeatMillis", "commandTimeoutMillis" -> {
          if (v.isIntegralNumber() && v.canConvertToInt()) {
            if (key.equals("heartbeatMillis")) {
              heartbeat = v.intValue();
            } else {
              timeout = v.intValue();
            }
          } else {
            problems.add(at + ": " + v + " (expected: an integer)");
          }
        }
        default -> problems.add(at + ": unknown key (expected one of: "
            + String.join(", ", CLUSTER_KEYS) + ")");
      }
    }
    if (uris == null && problems.size() == before) {
      problems.add(path + ".redis: missing (expected: a Redis URI; remove tracker.cluster to run"
          + " a single tracker)");
      return;
    }
    if (problems.size() > before) {
      return;
    }
    try {
      builder.cluster(new ClusterConfig(uris,
          nodeId == null ? ClusterConfig.generatedNodeId() : nodeId, heartbeat, keyPrefix,
          timeout));
    } catch (InvalidConfigException e) {
      problems.addAll(e.problems());
    }
  }

  private static String knownKeys() {
    return "host, requireJoinToken, joinTokenKeys, allowedOrigins, cluster, " + TrackerConfig.INT_SETTINGS.stream()
        .map(TrackerConfig.IntSetting::name).collect(Collectors.joining(", "));
  }

  private static String describe(JsonNode node) {
    if (node.isArray()) {
      return "a list";
    }
    if (node.isTextual()) {
      return "the string " + node;
    }
    return node.toString();
  }
}
