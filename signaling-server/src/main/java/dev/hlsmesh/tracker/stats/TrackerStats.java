package dev.hlsmesh.tracker.stats;

import dev.hlsmesh.protocol.tracker.ViewerReport;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters shown by {@code /stats}. Updated from every event-loop thread without locks
 * ({@link LongAdder}s); read from any thread.
 */
public final class TrackerStats {

  /** Messages counted by type. */
  public enum MessageType {
    ANNOUNCE("announce"),
    ANSWER("answer"),
    SCRAPE("scrape"),
    OFFER_RELAYED("offer_relayed"),
    ANSWER_RELAYED("answer_relayed");

    private final String key;

    MessageType(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  /** Why input or a connection was refused. */
  public enum Rejection {
    INVALID_MESSAGE("invalid_message"),
    /** An announce's {@code x_hlsmesh} viewer report was malformed and dropped. */
    INVALID_REPORT("invalid_report"),
    TOO_MANY_OFFERS("too_many_offers"),
    PEER_ID_CONFLICT("peer_id_conflict"),
    TOO_MANY_SWARMS("too_many_swarms"),
    SWARM_FULL("swarm_full"),
    CONNECTION_SWARM_LIMIT("connection_swarm_limit"),
    UNKNOWN_OFFER("unknown_offer"),
    FULL_SCRAPE("full_scrape"),
    TOO_MANY_SCRAPE_HASHES("too_many_scrape_hashes"),
    RATE_LIMITED("rate_limited"),
    MESSAGE_TOO_BIG("message_too_big"),
    BINARY_FRAME("binary_frame"),
    INVALID_UTF8("invalid_utf8"),
    PROTOCOL_ERROR("websocket_protocol_error"),
    TOO_MANY_CONNECTIONS_PER_IP("too_many_connections_per_ip"),
    IDLE_TIMEOUT("idle_timeout"),
    SLOW_CONSUMER("slow_consumer"),
    NOT_FOUND("http_not_found"),
    /** WebSocket upgrade without a join token where one is required (HTTP 401). */
    TOKEN_MISSING("token_missing"),
    /** Malformed token, unknown key id, bad signature or claims (HTTP 401). */
    TOKEN_INVALID("token_invalid"),
    /** Expired or not yet valid token (HTTP 401). */
    TOKEN_EXPIRED("token_expired"),
    /** Announce, answer or scrape for a swarm the join token does not name (failure message). */
    TOKEN_SWARM_DENIED("token_swarm_denied"),
    /** Browser Origin not in {@code allowedOrigins} (HTTP 403). */
    ORIGIN_DENIED("origin_denied"),
    /** Upgrade refused at {@code maxConnections} (HTTP 503). */
    TOO_MANY_CONNECTIONS("too_many_connections"),
    /** Connection closed because it did not read its queued messages in time. */
    SLOW_READER("slow_reader_closed"),
    /** Message dropped because all connections together queued {@code maxQueuedBytesTotal}. */
    QUEUED_BYTES_TOTAL("queued_bytes_total_exceeded"),
    /** Announce refused by the per-connection or per-IP announce rate. */
    ANNOUNCE_RATE_LIMITED("announce_rate_limited"),
    /** Offers not relayed because of the per-connection or per-IP offer rate (one per offer). */
    OFFER_RATE_LIMITED("offer_rate_limited");

    private final String key;

    Rejection(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  private final Map<MessageType, LongAdder> messages = new EnumMap<>(MessageType.class);
  private final Map<Rejection, LongAdder> rejections = new EnumMap<>(Rejection.class);
  private final Map<MessageType, LongAdder> rejectedMessages = new EnumMap<>(MessageType.class);
  private final AtomicInteger connections = new AtomicInteger();
  // Sums of the increases of all viewer reports (x_hlsmesh), over all swarms.
  private final LongAdder reports = new LongAdder();
  private final LongAdder reportedCdnBytes = new LongAdder();
  private final LongAdder reportedP2pBytes = new LongAdder();
  private final LongAdder reportedUploadedBytes = new LongAdder();
  private final LongAdder reportedStalls = new LongAdder();
  private final LongAdder reportedStallMillis = new LongAdder();

  public TrackerStats() {
    for (MessageType type : MessageType.values()) {
      messages.put(type, new LongAdder());
      rejectedMessages.put(type, new LongAdder());
    }
    for (Rejection reason : Rejection.values()) {
      rejections.put(reason, new LongAdder());
    }
  }

  public void message(MessageType type) {
    messages.get(type).increment();
  }

  public void messages(MessageType type, int count) {
    messages.get(type).add(count);
  }

  public void rejected(Rejection reason) {
    rejections.get(reason).increment();
  }

  /** Counts {@code count} rejections at once (e.g. offers withheld from one announce). */
  public void rejected(Rejection reason, int count) {
    rejections.get(reason).add(count);
  }

  /** A received message of this type was refused (with a failure reply); null is ignored. */
  public void messageRejected(MessageType type) {
    if (type != null) {
      rejectedMessages.get(type).increment();
    }
  }

  /** Adds the increase a viewer report brought (see {@code SwarmRegistry.report}). */
  public void viewerReport(ViewerReport increase) {
    reports.increment();
    reportedCdnBytes.add(increase.cdnBytes());
    reportedP2pBytes.add(increase.p2pBytes());
    reportedUploadedBytes.add(increase.uploadedBytes());
    reportedStalls.add(increase.stalls());
    reportedStallMillis.add(increase.stallMillis());
  }

  public void connectionOpened() {
    connections.incrementAndGet();
  }

  public void connectionClosed() {
    connections.decrementAndGet();
  }

  /** Open WebSocket connections. */
  public int connections() {
    return connections.get();
  }

  public long messages(MessageType type) {
    return messages.get(type).sum();
  }

  public long rejections(Rejection reason) {
    return rejections.get(reason).sum();
  }

  /** Received messages of this type that were refused. */
  public long rejectedMessages(MessageType type) {
    return rejectedMessages.get(type).sum();
  }

  /** Viewer reports recorded (of peers in their swarm). */
  public long reports() {
    return reports.sum();
  }

  /** Sum of the viewer reports' increases: bytes from the CDN. */
  public long reportedCdnBytes() {
    return reportedCdnBytes.sum();
  }

  /** Sum of the viewer reports' increases: bytes from peers. */
  public long reportedP2pBytes() {
    return reportedP2pBytes.sum();
  }

  /** Sum of the viewer reports' increases: bytes uploaded. */
  public long reportedUploadedBytes() {
    return reportedUploadedBytes.sum();
  }

  /** Sum of the viewer reports' increases: stalls. */
  public long reportedStalls() {
    return reportedStalls.sum();
  }

  /** Sum of the viewer reports' increases: stall time. */
  public long reportedStallMillis() {
    return reportedStallMillis.sum();
  }
}
