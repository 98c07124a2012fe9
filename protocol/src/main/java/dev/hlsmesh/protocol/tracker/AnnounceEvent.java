package dev.hlsmesh.protocol.tracker;

/** The {@code event} of an announce (PROTOCOL.md A.3.1); absent means a periodic update. */
public enum AnnounceEvent {
  STARTED("started"),
  STOPPED("stopped"),
  COMPLETED("completed"),
  UPDATE("update"),
  /** Accepted by bittorrent-tracker; handled as {@link #UPDATE}. */
  PAUSED("paused"),
  /** Accepted by bittorrent-tracker; the same as no event. */
  EMPTY("empty");

  private final String wireName;

  AnnounceEvent(String wireName) {
    this.wireName = wireName;
  }

  /** The JSON string of this event. */
  public String wireName() {
    return wireName;
  }

  /** Returns the event with this wire name, or {@code null} if there is none. */
  static AnnounceEvent fromWireName(String name) {
    for (AnnounceEvent event : values()) {
      if (event.wireName.equals(name)) {
        return event;
      }
    }
    return null;
  }
}
