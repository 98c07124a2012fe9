package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.swarm.SwarmIds;
import dev.hlsmesh.protocol.tracker.BinaryId;

/**
 * Names one swarm by its 20-byte info hash, the value the tracker groups peers by. Immutable.
 */
public final class SwarmKey {
  private final BinaryId infoHash;

  private SwarmKey(BinaryId infoHash) {
    this.infoHash = infoHash;
  }

  /** A swarm named by its 20 info-hash bytes. */
  public static SwarmKey ofInfoHash(byte[] infoHash) {
    requireNonNull(infoHash, "infoHash");
    if (infoHash.length != BinaryId.LENGTH) {
      throw new IllegalArgumentException("infoHash: " + infoHash.length + " bytes (expected: 20)");
    }
    return new SwarmKey(BinaryId.of(infoHash));
  }

  /**
   * The swarm p2p-media-loader 2.3 browsers join for a stream (PROTOCOL.md B.3-B.4): the info
   * hash derived from the stream swarm id (see {@link SwarmIds#streamSwarmId}).
   */
  public static SwarmKey ofStreamSwarmId(String streamSwarmId) {
    requireNonNull(streamSwarmId, "streamSwarmId");
    return new SwarmKey(BinaryId.of(SwarmIds.infoHashBytes(SwarmIds.infoHash(streamSwarmId))));
  }

  /** A swarm named by the 40 hex digits of its info hash. */
  public static SwarmKey ofHex(String hex) {
    return new SwarmKey(BinaryId.fromHex(requireNonNull(hex, "hex")));
  }

  /** The info hash bytes (a copy). */
  public byte[] infoHash() {
    return infoHash.toBytes();
  }

  BinaryId id() {
    return infoHash;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SwarmKey that && infoHash.equals(that.infoHash);
  }

  @Override
  public int hashCode() {
    return infoHash.hashCode();
  }

  @Override
  public String toString() {
    return infoHash.toHex();
  }
}
