package dev.hlsmesh.tracker.cluster;

import dev.hlsmesh.protocol.tracker.BinaryId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An offer or answer on its way to the node that holds the receiving peer's connection, as
 * published on that node's relay channel: a small binary header, then the WebSocket message
 * exactly as the receiving peer gets it (encoded once, by the node that received the original,
 * so the SDP is never decoded or re-escaped on the way).
 *
 * <pre>
 * offer:  'O' infoHash[20] toPeerId[20] fromPeerId[20] offerId[20] nodeLength[1] fromNode json
 * answer: 'A' infoHash[20] toPeerId[20] json
 * </pre>
 *
 * @param offer true for an offer, false for an answer
 * @param fromPeerId the offerer (offers only, else null)
 * @param offerId the offer's id (offers only, else null)
 * @param fromNode the offerer's node, where the answer goes (offers only, else null)
 * @param json the message for the receiving peer
 */
record RelayMessage(boolean offer, BinaryId infoHash, BinaryId toPeerId, BinaryId fromPeerId,
    BinaryId offerId, String fromNode, byte[] json) {

  private static final int ID = BinaryId.LENGTH;

  static byte[] offer(BinaryId infoHash, BinaryId toPeerId, BinaryId fromPeerId,
      BinaryId offerId, String fromNode, byte[] json) {
    byte[] node = fromNode.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(1 + 4 * ID + 1 + node.length + json.length);
    b.put((byte) 'O').put(infoHash.toBytes()).put(toPeerId.toBytes()).put(fromPeerId.toBytes())
        .put(offerId.toBytes()).put((byte) node.length).put(node).put(json);
    return b.array();
  }

  static byte[] answer(BinaryId infoHash, BinaryId toPeerId, byte[] json) {
    ByteBuffer b = ByteBuffer.allocate(1 + 2 * ID + json.length);
    b.put((byte) 'A').put(infoHash.toBytes()).put(toPeerId.toBytes()).put(json);
    return b.array();
  }

  /**
   * Decodes a relay channel message.
   *
   * @throws IllegalArgumentException if it is not one (another program publishing there)
   */
  static RelayMessage decode(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (bytes.length < 1 + 2 * ID) {
      throw new IllegalArgumentException("relay message of " + bytes.length + " bytes");
    }
    byte type = b.get();
    BinaryId infoHash = id(b);
    BinaryId to = id(b);
    if (type == 'A') {
      return new RelayMessage(false, infoHash, to, null, null, null, rest(b));
    }
    if (type != 'O' || b.remaining() < 2 * ID + 1) {
      throw new IllegalArgumentException("relay message of type " + (type & 0xff) + ", "
          + bytes.length + " bytes");
    }
    BinaryId from = id(b);
    BinaryId offerId = id(b);
    int nodeLength = b.get() & 0xff;
    if (b.remaining() < nodeLength) {
      throw new IllegalArgumentException("relay offer with a truncated node name");
    }
    byte[] node = new byte[nodeLength];
    b.get(node);
    return new RelayMessage(true, infoHash, to, from, offerId,
        new String(node, StandardCharsets.US_ASCII), rest(b));
  }

  private static BinaryId id(ByteBuffer b) {
    byte[] id = new byte[ID];
    b.get(id);
    return BinaryId.of(id);
  }

  private static byte[] rest(ByteBuffer b) {
    byte[] json = new byte[b.remaining()];
    b.get(json);
    return json;
  }
}
