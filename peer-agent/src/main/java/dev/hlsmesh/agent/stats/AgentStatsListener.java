package dev.hlsmesh.agent.stats;

/**
 * Receives an agent's delivery figures as they happen, for an embedding application's own
 * analytics. Register with {@link AgentStats#addListener}. Every method has an empty default.
 *
 * <p>Calls come on the thread that recorded the event (an HTTP client, agent or timer thread):
 * return quickly and do not block. An exception thrown here is logged and otherwise ignored.
 */
public interface AgentStatsListener {

  /** A segment (or part of one) was received for playback. */
  default void onReceived(SegmentSourceKind source, long bytes) {
  }

  /** Bytes were uploaded to a peer. */
  default void onUploaded(long bytes) {
  }

  /** Playback started, {@code startupMillis} after the player was started. */
  default void onStartup(long startupMillis) {
  }

  /** A stall ended; playback had stopped for {@code stallMillis}. */
  default void onStall(long stallMillis) {
  }

  /** A periodic snapshot (see {@link StatsReporter}). */
  default void onSnapshot(AgentStatsSnapshot snapshot) {
  }
}
