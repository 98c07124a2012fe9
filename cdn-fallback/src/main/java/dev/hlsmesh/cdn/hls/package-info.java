/**
 * HLS playlists: {@link dev.hlsmesh.cdn.hls.PlaylistParser} turns master and media playlists
 * into hlsmesh's own immutable records (parsed by io.lindstrom:m3u8-parser, whose types stay in
 * this package's implementation), {@link dev.hlsmesh.cdn.hls.PlaylistFollower} reloads a live
 * media playlist as RFC 8216 section 6.3.4 says and reports new segments, and
 * {@link dev.hlsmesh.cdn.hls.SwarmStreams} gives each stream the swarm browser peers join.
 */
package dev.hlsmesh.cdn.hls;
