package dev.hlsmesh.tracker.http;

import io.netty.channel.group.ChannelGroup;

/** What connections share with their server: limits, endpoints, open channels, serving flag. */
interface ServerState {
  HttpEndpoints endpoints();

  IpConnectionLimiter ipLimiter();

  /** Origin, join-token and connection-count checks before the upgrade. */
  UpgradeGate gate();

  /** Bytes queued for sending on all connections together. */
  OutboundBudget outbound();

  ChannelGroup channels();

  /** False once shutdown began: {@code /health} answers 503 and upgrades are closed. */
  boolean isServing();
}
