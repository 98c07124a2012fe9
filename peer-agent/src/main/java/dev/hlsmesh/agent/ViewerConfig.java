package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.player.PlayerSettings;
import dev.hlsmesh.agent.proxy.ProxySettings;
import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.agent.store.StoreSettings;
import dev.hlsmesh.cdn.CdnConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a {@link Viewer} needs, one immutable value validated once. Each part is a section of
 * the YAML file ({@link #load(Path)}): {@code agent} (tracker, peers, WebRTC, uploads, and its
 * {@code integrity} subsection), {@code cdn}, {@code scheduler}, {@code proxy}, {@code store} and
 * {@code player}. docs/configuration.md lists every setting with its default and range.
 *
 * <pre>{@code
 * ViewerConfig config = ViewerConfig.load(Path.of("viewer.yaml"));          // from YAML
 * ViewerConfig same = ViewerConfig.builder(URI.create("wss://tracker.example/"))  // or in code
 *     .cdn(CdnConfig.builder().cdnBaseUrls(List.of(URI.create("https://cdn.example/live/"))).build())
 *     .build();
 * }</pre>
 *
 * @param agent the peer agent's settings; empty only when {@code scheduler.p2pEnabled} is false
 *     (a CDN-only viewer runs no agent and talks to no tracker)
 * @param cdn CDN mirrors, timeouts and retries of every HTTP fetch
 * @param scheduler how each segment is taken from peers or the CDN
 * @param proxy the local HLS proxy players open
 * @param store bounds of the segment store the viewer makes (unused when the embedder passes its own)
 * @param player the headless player ({@link Viewer#playHeadless})
 */
public record ViewerConfig(
    Optional<AgentConfig> agent,
    CdnConfig cdn,
    SchedulerSettings scheduler,
    ProxySettings proxy,
    StoreSettings store,
    PlayerSettings player) {

  /** Environment variable overriding {@code agent.trackerUrl}. */
  public static final String ENV_TRACKER_URL = "HLSMESH_TRACKER_URL";
  /** Environment variable overriding {@code cdn.cdnBaseUrls} (comma-separated URLs). */
  public static final String ENV_CDN_BASE_URLS = "HLSMESH_CDN_BASE_URLS";
  /** Environment variable overriding {@code proxy.port}. */
  public static final String ENV_PROXY_PORT = "HLSMESH_PROXY_PORT";
  /** Environment variable overriding {@code agent.maxUploadBytesPerSecond}. */
  public static final String ENV_MAX_UPLOAD_BYTES_PER_SECOND = "HLSMESH_MAX_UPLOAD_BYTES_PER_SECOND";

  /** Checks that the parts fit together (each part validated itself when it was built). */
  public ViewerConfig {
    requireNonNull(agent, "agent");
    requireNonNull(cdn, "cdn");
    requireNonNull(scheduler, "scheduler");
    requireNonNull(proxy, "proxy");
    requireNonNull(store, "store");
    requireNonNull(player, "player");
    if (scheduler.p2pEnabled() && agent.isEmpty()) {
      throw new InvalidConfigException(List.of(
          "agent.trackerUrl: missing (expected: a ws:// or wss:// tracker URL, or scheduler.p2pEnabled: false)"));
    }
  }

  /** A builder with every default, for viewers that share segments through {@code trackerUrl}. */
  public static Builder builder(URI trackerUrl) {
    return new Builder(Optional.of(AgentConfig.builder(requireNonNull(trackerUrl, "trackerUrl")).build()),
        SchedulerSettings.defaults());
  }

  /** A builder with every default and the given agent settings. */
  public static Builder builder(AgentConfig agent) {
    return new Builder(Optional.of(requireNonNull(agent, "agent")), SchedulerSettings.defaults());
  }

  /**
   * A builder for a CDN-only viewer: P2P off ({@code scheduler.p2pEnabled: false}), no agent, no
   * tracker; it plays exactly like a plain player (the baseline of the offload benchmark).
   */
  public static Builder cdnOnly() {
    return new Builder(Optional.empty(), SchedulerSettings.defaults().withP2pDisabled());
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder(agent, scheduler);
    b.cdn = cdn;
    b.proxy = proxy;
    b.store = store;
    b.player = player;
    return b;
  }

  /**
   * This configuration with the embedding application's own check of every segment received
   * from a peer ({@code agent.integrity.validator}, which YAML cannot express).
   *
   * @throws IllegalStateException if P2P is off (no segment comes from a peer)
   */
  public ViewerConfig withValidator(SegmentValidator validator) {
    requireNonNull(validator, "validator");
    AgentConfig a = agent.orElseThrow(() -> new IllegalStateException("P2P is off: no segment comes from a peer"));
    IntegritySettings i = a.integrity();
    IntegritySettings checked = new IntegritySettings(i.publicKeys(), i.sidecarRequired(), i.sidecarSuffix(),
        i.sidecarRefreshMillis(), i.sizeCheckByHead(), i.peerBanMillis(), Optional.of(validator));
    return toBuilder().agent(a.toBuilder().integrity(checked).build()).build();
  }

  /**
   * Reads a YAML file, with the process environment's overrides ({@value #ENV_TRACKER_URL},
   * {@value #ENV_CDN_BASE_URLS}, {@value #ENV_PROXY_PORT}, {@value #ENV_MAX_UPLOAD_BYTES_PER_SECOND}).
   *
   * @throws InvalidConfigException listing every problem: unknown keys, wrong types, values out
   *     of range, each with its path ({@code scheduler.safetyFactor: 0.5 (expected: 1.0..100.0)})
   */
  public static ViewerConfig load(Path file) {
    return load(file, System.getenv());
  }

  /** As {@link #load(Path)}, with the environment given (tests, or an application's own). */
  public static ViewerConfig load(Path file, Map<String, String> environment) {
    return ViewerConfigYaml.load(requireNonNull(file, "file"), requireNonNull(environment, "environment"));
  }

  /**
   * Parses YAML text (the content of a file), then applies the environment's overrides.
   *
   * @param source names the text in messages (a file name)
   * @throws InvalidConfigException listing every problem
   */
  public static ViewerConfig parse(String yaml, String source, Map<String, String> environment) {
    return ViewerConfigYaml.parse(requireNonNull(yaml, "yaml"), requireNonNull(source, "source"),
        requireNonNull(environment, "environment"));
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private Optional<AgentConfig> agent;
    private CdnConfig cdn = CdnConfig.defaults();
    private SchedulerSettings scheduler;
    private ProxySettings proxy = ProxySettings.defaults();
    private StoreSettings store = StoreSettings.defaults();
    private PlayerSettings player = PlayerSettings.defaults();

    private Builder(Optional<AgentConfig> agent, SchedulerSettings scheduler) {
      this.agent = agent;
      this.scheduler = scheduler;
    }

    /** The peer agent's settings (tracker, peers, uploads, integrity). */
    public Builder agent(AgentConfig value) {
      this.agent = Optional.of(requireNonNull(value, "value"));
      return this;
    }

    /** CDN mirrors, timeouts and retries (default {@link CdnConfig#defaults()}). */
    public Builder cdn(CdnConfig value) {
      this.cdn = requireNonNull(value, "value");
      return this;
    }

    /** The hybrid scheduler's settings (default {@link SchedulerSettings#defaults()}). */
    public Builder scheduler(SchedulerSettings value) {
      this.scheduler = requireNonNull(value, "value");
      return this;
    }

    /** The local proxy's settings (default {@link ProxySettings#defaults()}). */
    public Builder proxy(ProxySettings value) {
      this.proxy = requireNonNull(value, "value");
      return this;
    }

    /** The viewer's own segment store's bounds (default {@link StoreSettings#defaults()}). */
    public Builder store(StoreSettings value) {
      this.store = requireNonNull(value, "value");
      return this;
    }

    /** The headless player's settings (default {@link PlayerSettings#defaults()}). */
    public Builder player(PlayerSettings value) {
      this.player = requireNonNull(value, "value");
      return this;
    }

    /** Validates and builds. */
    public ViewerConfig build() {
      return new ViewerConfig(agent, cdn, scheduler, proxy, store, player);
    }
  }
}
