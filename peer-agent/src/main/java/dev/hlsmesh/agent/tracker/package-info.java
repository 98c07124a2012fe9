/**
 * WebTorrent tracker client of the agent (internal): announces, offers and answers relayed over
 * one WebSocket per tracker URL (PROTOCOL.md A.3-A.6).
 */
package dev.hlsmesh.agent.tracker;
