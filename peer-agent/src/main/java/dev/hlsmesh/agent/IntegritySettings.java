package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How an agent checks segments received from peers (docs/security.md, "Segment integrity").
 * Part of {@link AgentConfig}; validated once.
 *
 * @param publicKeys the platform's Ed25519 public keys that sign sidecars, by key id (the
 *     one-line base64 form {@code bin/publisher keygen} prints); empty: no sidecars are fetched
 * @param sidecarRequired with keys: a peer's segment that no valid sidecar proves (not
 *     published, not listed yet, forged) is dropped and fetched from the CDN; without it, while
 *     a playlist has no valid sidecar at all, its segments are checked by size only and counted
 *     as unverified
 * @param sidecarSuffix appended to a media playlist's URL path to find its sidecar
 * @param sidecarRefreshMillis a sidecar that does not list a wanted segment is fetched again
 *     at most this often
 * @param sizeCheckByHead without a sidecar, ask the CDN for the segment's size with a HEAD
 *     request (a segment with a byte range needs none)
 * @param peerBanMillis a peer that sent a corrupt segment is disconnected and refused this long
 * @param validator the embedding application's own check, after the agent's
 */
public record IntegritySettings(
    Map<String, String> publicKeys,
    boolean sidecarRequired,
    String sidecarSuffix,
    long sidecarRefreshMillis,
    boolean sizeCheckByHead,
    long peerBanMillis,
    Optional<SegmentValidator> validator) {

  /** Validates every setting and reports all problems at once. */
  public IntegritySettings {
    publicKeys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(publicKeys, "publicKeys")));
    requireNonNull(sidecarSuffix, "sidecarSuffix");
    requireNonNull(validator, "validator");
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> key : publicKeys.entrySet()) {
      if (!IntegrityKeys.isValidKeyId(key.getKey())) {
        problems.add("agent.integrity.publicKeys: key id '" + key.getKey() + "' (expected: 1..64 of A-Z a-z 0-9 . _ -)");
        continue;
      }
      try {
        IntegrityKeys.parsePublicKey(requireNonNull(key.getValue(), "public key"));
      } catch (IllegalArgumentException e) {
        problems.add("agent.integrity.publicKeys." + key.getKey() + ": " + e.getMessage());
      }
    }
    if (sidecarRequired && publicKeys.isEmpty()) {
      problems.add("agent.integrity.sidecarRequired: true (expected: false unless publicKeys are set)");
    }
    if (!sidecarSuffix.matches("[A-Za-z0-9._~-]{1,64}")) {
      problems.add("agent.integrity.sidecarSuffix: '" + sidecarSuffix + "' (expected: 1..64 of A-Z a-z 0-9 . _ ~ -)");
    }
    if (sidecarRefreshMillis < 50 || sidecarRefreshMillis > 600_000) {
      problems.add("agent.integrity.sidecarRefreshMillis: " + sidecarRefreshMillis + " (expected: 50..600000)");
    }
    if (peerBanMillis < 0 || peerBanMillis > 86_400_000) {
      problems.add("agent.integrity.peerBanMillis: " + peerBanMillis + " (expected: 0..86400000)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid agent configuration: " + String.join("; ", problems));
    }
  }

  /** No keys (size checks only), a 10-minute ban, no validator. */
  public static IntegritySettings defaults() {
    return builder().build();
  }

  /** A builder with every default set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The trusted keys, parsed. */
  public Map<String, PublicKey> trustedKeys() {
    Map<String, PublicKey> keys = new LinkedHashMap<>();
    publicKeys.forEach((id, text) -> keys.put(id, IntegrityKeys.parsePublicKey(text)));
    return keys;
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private Map<String, String> publicKeys = Map.of();
    private boolean sidecarRequired;
    private String sidecarSuffix = ".integrity";
    private long sidecarRefreshMillis = 500;
    private boolean sizeCheckByHead = true;
    private long peerBanMillis = 600_000;
    private Optional<SegmentValidator> validator = Optional.empty();

    private Builder() {}

    /** Trusted sidecar keys by key id, base64 (default none). */
    public Builder publicKeys(Map<String, String> keys) {
      this.publicKeys = requireNonNull(keys, "keys");
      return this;
    }

    /** Drop peer segments no sidecar proves (default false). */
    public Builder sidecarRequired(boolean value) {
      this.sidecarRequired = value;
      return this;
    }

    /** Sidecar name suffix (default {@code .integrity}). */
    public Builder sidecarSuffix(String value) {
      this.sidecarSuffix = requireNonNull(value, "value");
      return this;
    }

    /** Least time between two fetches of one sidecar (default 500 ms). */
    public Builder sidecarRefreshMillis(long value) {
      this.sidecarRefreshMillis = value;
      return this;
    }

    /** HEAD requests for sizes when there is no sidecar (default true). */
    public Builder sizeCheckByHead(boolean value) {
      this.sizeCheckByHead = value;
      return this;
    }

    /** How long a peer that sent a corrupt segment is refused (default 600000 ms). */
    public Builder peerBanMillis(long value) {
      this.peerBanMillis = value;
      return this;
    }

    /** The embedding application's own segment check (default none). */
    public Builder validator(SegmentValidator value) {
      this.validator = Optional.of(requireNonNull(value, "value"));
      return this;
    }

    /** Validates and builds. */
    public IntegritySettings build() {
      return new IntegritySettings(publicKeys, sidecarRequired, sidecarSuffix, sidecarRefreshMillis, sizeCheckByHead,
          peerBanMillis, validator);
    }
  }
}
