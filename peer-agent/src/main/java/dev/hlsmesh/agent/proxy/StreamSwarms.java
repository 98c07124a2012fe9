package dev.hlsmesh.agent.proxy;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.SwarmStream;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import dev.hlsmesh.protocol.swarm.StreamIndex;
import dev.hlsmesh.protocol.swarm.StreamProps;
import dev.hlsmesh.protocol.swarm.StreamType;
import dev.hlsmesh.protocol.swarm.SwarmIds;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The swarm of each stream the proxy offers (PROTOCOL.md B: one swarm per variant or audio
 * rendition), computed from the upstream master playlist as a browser running hls.js with
 * p2p-media-loader computes it, so the agent meets browser peers watching the same variant.
 * Streams without a swarm (subtitles) have none and are loaded from the CDN only.
 *
 * <p>Thread-safe: the proxy's connections register and look up concurrently.
 */
final class StreamSwarms {
  private static final Logger log = LoggerFactory.getLogger(StreamSwarms.class);

  /** A stream's swarm and whether it is a main (variant) or secondary (audio) stream. */
  record StreamSwarm(SwarmKey swarm, StreamType type) {
    StreamSwarm {
      requireNonNull(swarm, "swarm");
      requireNonNull(type, "type");
    }
  }

  private final Map<URI, StreamSwarm> byPlaylist = new HashMap<>();

  /**
   * Records the swarms of every stream of {@code master}. A master whose swarms cannot be computed
   * still plays: its streams load from the CDN only.
   */
  void register(MasterPlaylist master) {
    List<SwarmStream> streams;
    try {
      streams = SwarmStreams.of(master);
    } catch (RuntimeException e) {
      log.warn("no swarms for {} (its streams load from the CDN only): {}", master.uri(), e.toString());
      return;
    }
    Map<URI, StreamSwarm> found = new HashMap<>();
    for (SwarmStream stream : streams) {
      found.putIfAbsent(stream.playlistUri(),
          new StreamSwarm(SwarmKey.ofStreamSwarmId(stream.streamSwarmId()), stream.type()));
    }
    synchronized (byPlaylist) {
      byPlaylist.putAll(found);
    }
  }

  /**
   * Records the swarm of a lone media playlist: hls.js makes it one level without attributes
   * (bitrate 0), so its stream index is that of a main stream with bitrate 0, and the swarm id is
   * the media playlist's own URL.
   */
  void registerLoneMediaPlaylist(URI mediaPlaylistUri) {
    String swarmId = SwarmIds.swarmIdFromManifestUrl(mediaPlaylistUri.toString());
    String streamSwarmId = SwarmIds.streamSwarmId(swarmId, StreamType.MAIN,
        StreamIndex.index(StreamProps.mainWithBitrateOnly(0)));
    synchronized (byPlaylist) {
      byPlaylist.putIfAbsent(mediaPlaylistUri, new StreamSwarm(SwarmKey.ofStreamSwarmId(streamSwarmId), StreamType.MAIN));
    }
  }

  /** The swarm of a stream, if it has one. */
  Optional<StreamSwarm> of(HlsStream stream) {
    synchronized (byPlaylist) {
      return Optional.ofNullable(byPlaylist.get(stream.mediaPlaylistUri()));
    }
  }
}
