/**
 * The segment-integrity publisher (bin/publisher): runs beside the packager, follows its output
 * (a directory or a playlist URL) and writes a signed sidecar of segment hashes next to each
 * media playlist (format: {@link dev.hlsmesh.cdn.integrity.SidecarCodec}, docs/security.md).
 */
package dev.hlsmesh.publisher;
