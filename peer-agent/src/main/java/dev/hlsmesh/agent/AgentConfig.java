package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything an {@link Agent} needs to know, validated once. Build it with
 * {@link #builder(URI)}; every setting has a default (docs/configuration.md lists them).
 *
 * @param trackerUrl {@code ws://} or {@code wss://} URL of a WebTorrent tracker (ours or any other);
 *     a join token goes in its query ({@code ?token=...}, see {@code JoinTokens.withToken}), and
 *     the agent never logs the query
 * @param iceServers STUN/TURN servers; empty means host candidates only
 * @param minPeers below this many connected peers per swarm the agent re-announces every
 *     {@code belowMinimumAnnounceMillis}
 * @param maxPeers connected peers per swarm; no offers are made or answered at this count
 * @param maxOffersPerAnnounce offers per announce (browsers: 5)
 * @param iceGatheringTimeoutMillis an SDP is sent with the candidates gathered by then
 * @param connectTimeoutMillis a link must open within this long after the remote description,
 *     and may stay disconnected at most this long; also bounds the tracker connect + handshake
 * @param offerTimeoutMillis an unanswered offer is dropped after this long (browsers: 50 s)
 * @param belowMinimumAnnounceMillis re-announce interval while below {@code minPeers}
 * @param trackerReconnectBaseMillis first tracker reconnect delay (doubled per failure, jittered)
 * @param trackerReconnectMaxMillis tracker reconnect delay cap
 * @param noBytesTimeoutMillis a download sends Cancel after this long without a byte, and
 *     resumes from the received bytes (browsers: 2000 ms)
 * @param maxConsecutiveTimeouts no-bytes timeouts in a row that fail the fetch and close the
 *     connection (browsers: 3)
 * @param maxSegmentBytes larger segments are refused when fetching
 * @param lowWatermarkBytes an upload blocked on the channel's buffered amount resumes at or
 *     below this
 * @param highWatermarkBytes an upload pauses when the buffered amount reaches this
 * @param maxUploadBytesPerSecond cap on the payload bytes this agent uploads, all peers and
 *     swarms together; 0 = uncapped (the default)
 * @param integrity how segments received from peers are checked (sidecar keys, peer bans, the
 *     embedder's validator)
 * @param reportIntervalMillis time between two viewer reports to the tracker (report-only
 *     announces carrying {@code x_hlsmesh}, docs/protocol.md); every announce carries the report
 *     too; 0 = no reports
 * @param moreTrackerUrls further trackers used at the same time as {@code trackerUrl}, as
 *     p2p-media-loader uses its {@code announceTrackers} (e.g. the nodes of a tracker cluster, or
 *     independent trackers); empty by default
 */
public record AgentConfig(
    URI trackerUrl,
    List<IceServer> iceServers,
    int minPeers,
    int maxPeers,
    int maxOffersPerAnnounce,
    long iceGatheringTimeoutMillis,
    long connectTimeoutMillis,
    long offerTimeoutMillis,
    long belowMinimumAnnounceMillis,
    long trackerReconnectBaseMillis,
    long trackerReconnectMaxMillis,
    long noBytesTimeoutMillis,
    int maxConsecutiveTimeouts,
    long maxSegmentBytes,
    long lowWatermarkBytes,
    long highWatermarkBytes,
    long maxUploadBytesPerSecond,
    IntegritySettings integrity,
    long reportIntervalMillis,
    List<URI> moreTrackerUrls) {

  /** Validates every setting and reports all problems at once. */
  public AgentConfig {
    requireNonNull(trackerUrl, "trackerUrl");
    iceServers = List.copyOf(requireNonNull(iceServers, "iceServers"));
    requireNonNull(integrity, "integrity");
    moreTrackerUrls = List.copyOf(requireNonNull(moreTrackerUrls, "moreTrackerUrls"));
    List<String> problems = new ArrayList<>();
    for (URI url : moreTrackerUrls) {
      String urlScheme = url.getScheme();
      if (urlScheme == null || !(urlScheme.equalsIgnoreCase("ws") || urlScheme.equalsIgnoreCase("wss"))
          || url.getHost() == null) {
        problems.add("agent.moreTrackerUrls: " + url + " (expected: ws://host[:port][/path] or wss://...)");
      } else if (url.equals(trackerUrl) || moreTrackerUrls.indexOf(url) != moreTrackerUrls.lastIndexOf(url)) {
        problems.add("agent.moreTrackerUrls: " + url + " appears twice (expected: distinct URLs)");
      }
    }
    String scheme = trackerUrl.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss")) || trackerUrl.getHost() == null) {
      problems.add("agent.trackerUrl: " + trackerUrl + " (expected: ws://host[:port][/path] or wss://...)");
    }
    check(problems, "agent.minPeers", minPeers, 0, 1000);
    check(problems, "agent.maxPeers", maxPeers, 1, 1000);
    if (minPeers > maxPeers) {
      problems.add("agent.minPeers: " + minPeers + " (expected: <= agent.maxPeers " + maxPeers + ")");
    }
    check(problems, "agent.maxOffersPerAnnounce", maxOffersPerAnnounce, 0, 50);
    check(problems, "agent.iceGatheringTimeoutMillis", iceGatheringTimeoutMillis, 100, 60_000);
    check(problems, "agent.connectTimeoutMillis", connectTimeoutMillis, 100, 300_000);
    check(problems, "agent.offerTimeoutMillis", offerTimeoutMillis, 1_000, 600_000);
    check(problems, "agent.belowMinimumAnnounceMillis", belowMinimumAnnounceMillis, 100, 3_600_000);
    check(problems, "agent.trackerReconnectBaseMillis", trackerReconnectBaseMillis, 10, 3_600_000);
    check(problems, "agent.trackerReconnectMaxMillis", trackerReconnectMaxMillis, trackerReconnectBaseMillis, 3_600_000);
    check(problems, "agent.noBytesTimeoutMillis", noBytesTimeoutMillis, 50, 600_000);
    check(problems, "agent.maxConsecutiveTimeouts", maxConsecutiveTimeouts, 1, 100);
    check(problems, "agent.maxSegmentBytes", maxSegmentBytes, 0, Integer.MAX_VALUE - 8);
    check(problems, "agent.lowWatermarkBytes", lowWatermarkBytes, 0, 8L << 20);
    check(problems, "agent.highWatermarkBytes", highWatermarkBytes, lowWatermarkBytes + 1, 8L << 20);
    check(problems, "agent.maxUploadBytesPerSecond", maxUploadBytesPerSecond, 0, 1L << 40);
    if (reportIntervalMillis != 0 && (reportIntervalMillis < 100 || reportIntervalMillis > 3_600_000)) {
      problems.add("agent.reportIntervalMillis: " + reportIntervalMillis + " (expected: 0 (off) or 100..3600000)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid agent configuration: " + String.join("; ", problems));
    }
  }

  private static void check(List<String> problems, String key, long value, long min, long max) {
    if (value < min || value > max) {
      problems.add(key + ": " + value + " (expected: " + min + ".." + max + ")");
    }
  }

  /** A builder with every default set, for the given tracker. */
  public static Builder builder(URI trackerUrl) {
    return new Builder(trackerUrl);
  }

  /**
   * A builder with every default set, for these trackers, all used at once (at least one).
   */
  public static Builder builder(List<URI> trackerUrls) {
    if (trackerUrls.isEmpty()) {
      throw new IllegalArgumentException("trackerUrls: empty (expected: at least one URL)");
    }
    Builder b = new Builder(trackerUrls.get(0));
    b.moreTrackerUrls = List.copyOf(trackerUrls.subList(1, trackerUrls.size()));
    return b;
  }

  /** Every tracker the agent announces on: {@code trackerUrl}, then {@code moreTrackerUrls}. */
  public List<URI> trackerUrls() {
    List<URI> all = new ArrayList<>(1 + moreTrackerUrls.size());
    all.add(trackerUrl);
    all.addAll(moreTrackerUrls);
    return List.copyOf(all);
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder(trackerUrl);
    b.iceServers = iceServers;
    b.minPeers = minPeers;
    b.maxPeers = maxPeers;
    b.maxOffersPerAnnounce = maxOffersPerAnnounce;
    b.iceGatheringTimeoutMillis = iceGatheringTimeoutMillis;
    b.connectTimeoutMillis = connectTimeoutMillis;
    b.offerTimeoutMillis = offerTimeoutMillis;
    b.belowMinimumAnnounceMillis = belowMinimumAnnounceMillis;
    b.trackerReconnectBaseMillis = trackerReconnectBaseMillis;
    b.trackerReconnectMaxMillis = trackerReconnectMaxMillis;
    b.noBytesTimeoutMillis = noBytesTimeoutMillis;
    b.maxConsecutiveTimeouts = maxConsecutiveTimeouts;
    b.maxSegmentBytes = maxSegmentBytes;
    b.lowWatermarkBytes = lowWatermarkBytes;
    b.highWatermarkBytes = highWatermarkBytes;
    b.maxUploadBytesPerSecond = maxUploadBytesPerSecond;
    b.integrity = integrity;
    b.reportIntervalMillis = reportIntervalMillis;
    b.moreTrackerUrls = moreTrackerUrls;
    return b;
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private URI trackerUrl;
    private List<IceServer> iceServers = List.of();
    private int minPeers = 1;
    private int maxPeers = 10;
    private int maxOffersPerAnnounce = 5;
    private long iceGatheringTimeoutMillis = 5_000;
    private long connectTimeoutMillis = 15_000;
    private long offerTimeoutMillis = 50_000;
    private long belowMinimumAnnounceMillis = 10_000;
    private long trackerReconnectBaseMillis = 1_000;
    private long trackerReconnectMaxMillis = 60_000;
    private long noBytesTimeoutMillis = 2_000;
    private int maxConsecutiveTimeouts = 3;
    private long maxSegmentBytes = 64L << 20;
    private long lowWatermarkBytes = 256 * 1024;
    private long highWatermarkBytes = 1024 * 1024;
    private long maxUploadBytesPerSecond = 0;
    private IntegritySettings integrity = IntegritySettings.defaults();
    private long reportIntervalMillis = 5_000;
    private List<URI> moreTrackerUrls = List.of();

    private Builder(URI trackerUrl) {
      this.trackerUrl = requireNonNull(trackerUrl, "trackerUrl");
    }

    /** STUN/TURN servers (default none). */
    public Builder iceServers(List<IceServer> servers) {
      this.iceServers = requireNonNull(servers, "servers");
      return this;
    }

    /** Connected-peer bounds per swarm (default 1..10). */
    public Builder peers(int min, int max) {
      this.minPeers = min;
      this.maxPeers = max;
      return this;
    }

    /** Offers per announce (default 5). */
    public Builder maxOffersPerAnnounce(int value) {
      this.maxOffersPerAnnounce = value;
      return this;
    }

    /** ICE gathering limit (default 5000 ms). */
    public Builder iceGatheringTimeoutMillis(long value) {
      this.iceGatheringTimeoutMillis = value;
      return this;
    }

    /** Link and tracker connect limit (default 15000 ms). */
    public Builder connectTimeoutMillis(long value) {
      this.connectTimeoutMillis = value;
      return this;
    }

    /** Unanswered-offer lifetime (default 50000 ms). */
    public Builder offerTimeoutMillis(long value) {
      this.offerTimeoutMillis = value;
      return this;
    }

    /** Re-announce interval while below the minimum peer count (default 10000 ms). */
    public Builder belowMinimumAnnounceMillis(long value) {
      this.belowMinimumAnnounceMillis = value;
      return this;
    }

    /** Tracker reconnect back-off (default 1000 ms doubling to 60000 ms, jittered). */
    public Builder trackerReconnectMillis(long baseMillis, long maxMillis) {
      this.trackerReconnectBaseMillis = baseMillis;
      this.trackerReconnectMaxMillis = maxMillis;
      return this;
    }

    /** No-bytes timeout of a download (default 2000 ms). */
    public Builder noBytesTimeoutMillis(long value) {
      this.noBytesTimeoutMillis = value;
      return this;
    }

    /** Timeouts in a row that fail a fetch and close the connection (default 3). */
    public Builder maxConsecutiveTimeouts(int value) {
      this.maxConsecutiveTimeouts = value;
      return this;
    }

    /** Largest segment accepted when fetching (default 64 MiB). */
    public Builder maxSegmentBytes(long value) {
      this.maxSegmentBytes = value;
      return this;
    }

    /** Upload flow-control watermarks on the channel's buffered amount (default 256 KiB / 1 MiB). */
    public Builder watermarks(long lowBytes, long highBytes) {
      this.lowWatermarkBytes = lowBytes;
      this.highWatermarkBytes = highBytes;
      return this;
    }

    /** Upload cap in payload bytes per second over all peers and swarms (default 0 = uncapped). */
    public Builder maxUploadBytesPerSecond(long value) {
      this.maxUploadBytesPerSecond = value;
      return this;
    }

    /** How segments from peers are checked (default {@link IntegritySettings#defaults()}). */
    public Builder integrity(IntegritySettings value) {
      this.integrity = requireNonNull(value, "value");
      return this;
    }

    /** Time between viewer reports to the tracker (default 5000 ms; 0 = no reports). */
    public Builder reportIntervalMillis(long value) {
      this.reportIntervalMillis = value;
      return this;
    }

    /** Validates and builds. */
    public AgentConfig build() {
      return new AgentConfig(trackerUrl, iceServers, minPeers, maxPeers, maxOffersPerAnnounce,
          iceGatheringTimeoutMillis, connectTimeoutMillis, offerTimeoutMillis, belowMinimumAnnounceMillis,
          trackerReconnectBaseMillis, trackerReconnectMaxMillis, noBytesTimeoutMillis, maxConsecutiveTimeouts,
          maxSegmentBytes, lowWatermarkBytes, highWatermarkBytes, maxUploadBytesPerSecond, integrity,
          reportIntervalMillis, moreTrackerUrls);
    }
  }
}
