package dev.hlsmesh.protocol.swarm;

/** The kind of stream a swarm is for, as spelled inside a stream swarm id (PROTOCOL.md B.3). */
public enum StreamType {
  /** A variant of the master playlist ({@code #EXT-X-STREAM-INF}). */
  MAIN("main"),
  /** An alternative rendition, e.g. an audio track ({@code #EXT-X-MEDIA:TYPE=AUDIO}). */
  SECONDARY("secondary");

  private final String wireName;

  StreamType(String wireName) {
    this.wireName = wireName;
  }

  /** The spelling inside a stream swarm id: {@code main} or {@code secondary}. */
  public String wireName() {
    return wireName;
  }
}
