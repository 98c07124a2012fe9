package dev.hlsmesh.protocol.tracker;

/** A message from the tracker to a peer. */
public sealed interface ServerMessage extends TrackerMessage
    permits AnnounceResponse, RelayedOffer, RelayedAnswer, ScrapeResponse, Failure {}
