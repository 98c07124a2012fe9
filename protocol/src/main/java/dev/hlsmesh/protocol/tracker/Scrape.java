package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A scrape request (PROTOCOL.md A.3.3). A single hash is encoded as a plain string (as the
 * reference client sends it), several as an array, none by omitting {@code info_hash}.
 *
 * @param infoHashes the swarms asked about; empty means "all swarms" (a full scrape)
 */
public record Scrape(List<BinaryId> infoHashes) implements ClientMessage {
  public Scrape {
    infoHashes = List.copyOf(requireNonNull(infoHashes, "infoHashes"));
  }

  /** True for a request without {@code info_hash}. */
  public boolean isFullScrape() {
    return infoHashes.isEmpty();
  }
}
