package dev.hlsmesh.protocol.swarm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Swarm ids, stream swarm ids and tracker info hashes as p2p-media-loader computes them
 * (PROTOCOL.md B.1, B.3, B.4). Stateless; any thread.
 */
public final class SwarmIds {
  private SwarmIds() {
  }

  /**
   * The default swarm id of a master playlist (B.1): its response URL (after redirects) with
   * everything from the first {@code ?} removed. Use the URL as a browser reports it (lowercase
   * host, no default port); configure an explicit swarm id instead when viewers reach the
   * playlist through different URLs.
   *
   * @param manifestResponseUrl the final URL of the master playlist
   * @return the swarm id
   */
  public static String swarmIdFromManifestUrl(String manifestResponseUrl) {
    Objects.requireNonNull(manifestResponseUrl, "manifestResponseUrl");
    int query = manifestResponseUrl.indexOf('?');
    return query < 0 ? manifestResponseUrl : manifestResponseUrl.substring(0, query);
  }

  /**
   * {@code "v2-" + swarmId + "-" + type + "-" + index} (B.3).
   *
   * @param swarmId the swarm id (configured, or {@link #swarmIdFromManifestUrl})
   * @param type    main variant or secondary rendition
   * @param index   the stream index: {@link StreamIndex#index} for 2.3.x, the position for 2.2.x
   * @return the stream swarm id
   */
  public static String streamSwarmId(String swarmId, StreamType type, String index) {
    Objects.requireNonNull(swarmId, "swarmId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(index, "index");
    return "v2-" + swarmId + "-" + type.wireName() + "-" + index;
  }

  /**
   * The 2.3.x stream swarm id of a stream: {@link #streamSwarmId(String, StreamType, String)}
   * with the type and {@link StreamIndex#index} of {@code props}.
   *
   * @param swarmId the swarm id
   * @param props   the stream's props
   * @return the stream swarm id
   */
  public static String streamSwarmId(String swarmId, StreamProps props) {
    return streamSwarmId(swarmId, props.type(), StreamIndex.index(props));
  }

  /**
   * The 2.3.x tracker info hash (B.4): Base64 of the first 15 bytes of
   * {@code SHA-1(UTF-8(streamSwarmId))}, always 20 ASCII characters. On the tracker wire the
   * {@code info_hash} is these 20 characters' bytes ({@link #infoHashBytes}).
   *
   * @param streamSwarmId the stream swarm id
   * @return the info hash string, e.g. {@code D2L6qLdcAO0vh07WoiT4}
   */
  public static String infoHash(String streamSwarmId) {
    return Hashing.base64(Arrays.copyOfRange(Hashing.sha1(streamSwarmId), 0, 15));
  }

  /**
   * The 2.2.x tracker info hash: Base64 of bytes 1..15 of {@code MD5(UTF-8(streamSwarmId))}.
   *
   * @param streamSwarmId the 2.2.x stream swarm id (index = position of the stream)
   * @return the info hash string, 20 ASCII characters
   */
  public static String infoHashV22(String streamSwarmId) {
    return Hashing.base64(Arrays.copyOfRange(Hashing.md5(streamSwarmId), 1, 16));
  }

  /**
   * The 20 bytes sent as {@code info_hash}: the ASCII bytes of an info hash string.
   *
   * @param infoHash a string from {@link #infoHash} or {@link #infoHashV22}
   * @return a new 20-byte array
   */
  public static byte[] infoHashBytes(String infoHash) {
    byte[] bytes = infoHash.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length != 20) {
      throw new IllegalArgumentException("infoHash: \"" + infoHash + "\" (expected: 20 characters)");
    }
    return bytes;
  }
}
