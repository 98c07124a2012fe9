/**
 * CDN fallback: following live HLS playlists and fetching segments from one or several CDNs
 * against a deadline. This package holds what both parts share: {@link dev.hlsmesh.cdn.CdnConfig}
 * (the one validated configuration record), {@link dev.hlsmesh.cdn.ByteRange} and
 * {@link dev.hlsmesh.cdn.TaskScheduler} (the injected timer). Playlists are in
 * {@link dev.hlsmesh.cdn.hls}, fetching in {@link dev.hlsmesh.cdn.fetch}.
 */
package dev.hlsmesh.cdn;
