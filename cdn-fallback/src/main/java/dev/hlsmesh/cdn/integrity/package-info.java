/**
 * Segment integrity: the signed sidecar that lists each segment's SHA-256 next to a media
 * playlist ({@link dev.hlsmesh.cdn.integrity.SegmentHashes}, {@link dev.hlsmesh.cdn.integrity.SidecarCodec})
 * and the Ed25519 keys that sign it ({@link dev.hlsmesh.cdn.integrity.IntegrityKeys}). The
 * publisher writes sidecars; agents verify them and the segments peers send (docs/security.md).
 */
package dev.hlsmesh.cdn.integrity;
