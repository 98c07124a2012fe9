package dev.hlsmesh.protocol.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The {@code tracker} section of the shared protocol-vectors.json (test classpath copy). */
final class TrackerVectors {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNode TRACKER = load();

  private TrackerVectors() {}

  private static JsonNode load() {
    try (InputStream in = TrackerVectors.class.getResourceAsStream("/protocol-vectors.json")) {
      if (in == null) {
        throw new IllegalStateException("protocol-vectors.json is not on the test classpath");
      }
      return MAPPER.readTree(in).get("tracker");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode sample(String name) {
    return require(TRACKER.get("samples").get(name), name);
  }

  static JsonNode probe(String name) {
    return require(TRACKER.get("probes").get(name), name);
  }

  static JsonNode identities() {
    return TRACKER.get("identities");
  }

  static JsonNode samples() {
    return TRACKER.get("samples");
  }

  private static JsonNode require(JsonNode node, String name) {
    if (node == null) {
      throw new IllegalStateException("no vector " + name);
    }
    return node;
  }

  static JsonNode tree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
