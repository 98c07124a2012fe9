package dev.hlsmesh.protocol.tracker;

/** A message from a peer to the tracker. */
public sealed interface ClientMessage extends TrackerMessage
    permits Announce, AnswerAnnounce, Scrape {}
