/**
 * The Netty transport: HTTP ({@code /health}, {@code /stats}) and WebSocket on one port,
 * limits on connections, frames and message rate. Internal to the tracker, not API.
 */
package dev.hlsmesh.tracker.http;
