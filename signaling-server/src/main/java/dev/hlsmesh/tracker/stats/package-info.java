/** Counters for {@code /stats} and rate-limited warnings. Internal to the tracker, not API. */
package dev.hlsmesh.tracker.stats;
