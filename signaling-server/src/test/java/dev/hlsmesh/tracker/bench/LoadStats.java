package dev.hlsmesh.tracker.bench;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
* Counters of one load run. Events are counted only while {@link #measuring} is on (after the
* warm-up, until the end of the measured window); connection-level events are always counted.
*
* <p>Thread-safe: every event loop records, the main thread reads.
*/
final class LoadStats {

  private static final int FAILURE_SAMPLES = 5;

  volatile boolean measuring;

  final LongAdder messagesReceived = new LongAdder();
  final LongAdder announceResponses = new LongAdder();
  final LongAdder relayedOffers = new LongAdder();
  final LongAdder relayedAnswers = new LongAdder();
  final LongAdder failures = new LongAdder();
  final LongAdder otherMessages = new LongAdder();

  final LongAdder announcesSent = new LongAdder();
  final LongAdder offersSent = new LongAdder();
  final LongAdder answersSent = new LongAdder();
  final LongAdder offersExpired = new LongAdder();
  final LongAdder pacedSendsSkipped = new LongAdder();

  final LatencyHistogram offerRelay = new LatencyHistogram();
  final LatencyHistogram answerRelay = new LatencyHistogram();

  /** Connections closed by the tracker (not by the generator). Always counted. */
  final LongAdder closedByTracker = new LongAdder();
  final LongAdder connectFailures = new LongAdder();

  final List<String> failureSamples = new CopyOnWriteArrayList<>();

  void received(LoadWire.Incoming message, long nowNanos, long epochNanos) {
    if (!measuring) {
      return;
    }
    messagesReceived.increment();
    switch (message.kind()) {
      case ANNOUNCE_RESPONSE, SCRAPE_RESPONSE -> announceResponses.increment();
      case RELAYED_OFFER -> {
        relayedOffers.increment();
        if (message.stampNanos() >= 0) {
          offerRelay.record(nowNanos - epochNanos - message.stampNanos());
        }
      }
      case RELAYED_ANSWER -> {
        relayedAnswers.increment();
        if (message.stampNanos() >= 0) {
          answerRelay.record(nowNanos - epochNanos - message.stampNanos());
        }
      }
      case FAILURE -> {
        failures.increment();
        if (failureSamples.size() < FAILURE_SAMPLES) {
          failureSamples.add(message.failure());
        }
      }
      case OTHER -> otherMessages.increment();
    }
  }

  void count(LongAdder counter, long n) {
    if (measuring) {
      counter.add(n);
    }
  }
}
