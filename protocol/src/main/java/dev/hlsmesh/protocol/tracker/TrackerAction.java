package dev.hlsmesh.protocol.tracker;

/** The {@code action} of a tracker message. */
public enum TrackerAction {
  ANNOUNCE("announce"),
  SCRAPE("scrape");

  private final String wireName;

  TrackerAction(String wireName) {
    this.wireName = wireName;
  }

  /** The JSON string of this action. */
  public String wireName() {
    return wireName;
  }
}
