/**
 * The WebTorrent-compatible tracker. API: {@link dev.hlsmesh.tracker.Tracker} (embedded) with
 * {@link dev.hlsmesh.tracker.config.TrackerConfig}; {@link dev.hlsmesh.tracker.TrackerMain}
 * (standalone). Sub-packages other than {@code config} are internal.
 */
package dev.hlsmesh.tracker;
