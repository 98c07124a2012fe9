/**
 * Checks of segments received from peers before they are stored, re-shared or played: the
 * platform's signed sidecar of segment hashes (fetched from the CDN only), the size the CDN
 * reports when there is no sidecar, and the embedder's own {@link dev.hlsmesh.agent.SegmentValidator}.
 */
package dev.hlsmesh.agent.integrity;
