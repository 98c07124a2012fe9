package dev.hlsmesh.tracker.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.tracker.swarm.SwarmSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Swarm summaries as the nodes publish them to each other, and their cluster-wide sum: each
 * node counts its own viewers and their reports, so the cluster's figures are the sums, and the
 * time series add up bucket by bucket. Stateless.
 */
final class SwarmSummaries {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private SwarmSummaries() {}

  static ObjectNode toJson(SwarmSummary s) {
    ObjectNode o = NODES.objectNode();
    o.put("infoHash", s.infoHash().toHex());
    o.put("viewers", s.viewers());
    o.put("seeders", s.seeders());
    o.put("reporters", s.reporters());
    o.set("now", figures(s.now()));
    o.set("total", figures(s.total()));
    ArrayNode series = o.putArray("series");
    for (SwarmSummary.Bucket b : s.series()) {
      series.addArray().add(b.startMillis()).add(b.cdnBytes()).add(b.p2pBytes()).add(b.stalls());
    }
    return o;
  }

  private static ArrayNode figures(SwarmSummary.Figures f) {
    return NODES.arrayNode().add(f.cdnBytes()).add(f.p2pBytes()).add(f.uploadedBytes())
        .add(f.stalls()).add(f.stallMillis()).add(f.peers());
  }

  static SwarmSummary fromJson(JsonNode o) {
    List<SwarmSummary.Bucket> series = new ArrayList<>();
    for (JsonNode b : o.path("series")) {
      series.add(new SwarmSummary.Bucket(b.path(0).asLong(), b.path(1).asLong(),
          b.path(2).asLong(), b.path(3).asLong()));
    }
    return new SwarmSummary(BinaryId.fromHex(o.path("infoHash").asText()),
        o.path("viewers").asInt(), o.path("seeders").asInt(), o.path("reporters").asInt(),
        figures(o.path("now")), figures(o.path("total")), series);
  }

  private static SwarmSummary.Figures figures(JsonNode a) {
    return new SwarmSummary.Figures(a.path(0).asLong(), a.path(1).asLong(), a.path(2).asLong(),
        a.path(3).asLong(), a.path(4).asLong(), a.path(5).asLong());
  }

  /**
   * Sums this node's summaries and the other nodes' published ones by swarm; the {@code limit}
   * with the most viewers, largest first (ties by info hash).
   *
   * @throws IllegalArgumentException never for well-formed input; malformed published entries
   *     are skipped
   */
  static List<SwarmSummary> merge(List<SwarmSummary> own, List<JsonNode> others, int limit) {
    Map<BinaryId, SwarmSummary> sums = new LinkedHashMap<>();
    for (SwarmSummary s : own) {
      sums.put(s.infoHash(), s);
    }
    for (JsonNode o : others) {
      SwarmSummary s;
      try {
        s = fromJson(o);
      } catch (IllegalArgumentException e) {
        continue;
      }
      sums.merge(s.infoHash(), s, SwarmSummaries::add);
    }
    List<SwarmSummary> all = new ArrayList<>(sums.values());
    all.sort(Comparator.comparingInt(SwarmSummary::viewers).reversed()
        .thenComparing(s -> s.infoHash().toHex()));
    return all.size() > limit ? List.copyOf(all.subList(0, limit)) : all;
  }

  static SwarmSummary add(SwarmSummary a, SwarmSummary b) {
    TreeMap<Long, long[]> buckets = new TreeMap<>();
    for (List<SwarmSummary.Bucket> series : List.of(a.series(), b.series())) {
      for (SwarmSummary.Bucket x : series) {
        long[] sum = buckets.computeIfAbsent(x.startMillis(), k -> new long[3]);
        sum[0] += x.cdnBytes();
        sum[1] += x.p2pBytes();
        sum[2] += x.stalls();
      }
    }
    List<SwarmSummary.Bucket> series = new ArrayList<>();
    buckets.forEach((start, sum) ->
        series.add(new SwarmSummary.Bucket(start, sum[0], sum[1], sum[2])));
    return new SwarmSummary(a.infoHash(), a.viewers() + b.viewers(), a.seeders() + b.seeders(),
        a.reporters() + b.reporters(), add(a.now(), b.now()), add(a.total(), b.total()), series);
  }

  private static SwarmSummary.Figures add(SwarmSummary.Figures a, SwarmSummary.Figures b) {
    return new SwarmSummary.Figures(a.cdnBytes() + b.cdnBytes(), a.p2pBytes() + b.p2pBytes(),
        a.uploadedBytes() + b.uploadedBytes(), a.stalls() + b.stalls(),
        a.stallMillis() + b.stallMillis(), a.peers() + b.peers());
  }
}
