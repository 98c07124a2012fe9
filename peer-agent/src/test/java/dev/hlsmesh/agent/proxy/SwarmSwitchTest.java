package dev.hlsmesh.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import dev.hlsmesh.testsupport.HlsClip;
import dev.hlsmesh.testsupport.ManualClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The swarm switch on a manual clock, with a fake membership and fake per-swarm loaders: which
 * swarms the agent is in follows the variant the player requests, and the previous swarm is left
 * only after the grace, so a player flipping back and forth does not churn.
 */
class SwarmSwitchTest {
  private static final long GRACE_MILLIS = 10_000;
  private static final URI MASTER = URI.create("http://cdn.example/live/master.m3u8");

  private final ManualClock clock = new ManualClock();
  private final Timers timers = new Timers();
  private final StreamSwarms swarms = new StreamSwarms();
  private final Set<SwarmKey> member = ConcurrentHashMap.newKeySet();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final Map<SwarmKey, FakeLoader> loaders = new ConcurrentHashMap<>();
  private final FakeLoader plain = new FakeLoader();
  private final Set<SwarmKey> joinedByEmbedder = new HashSet<>();
  private HlsStream low;
  private HlsStream high;
  private SwarmKey lowSwarm;
  private SwarmKey highSwarm;
  private MediaPlaylist playlist;
  private SwarmSwitch swarmSwitch;

  private final class FakeLoader implements SegmentLoader {
    final List<CompletableFuture<byte[]>> loads = new CopyOnWriteArrayList<>();
    volatile boolean closed;
    int playlists;

    @Override
    public CompletableFuture<byte[]> load(SegmentRequest request) {
      CompletableFuture<byte[]> load = new CompletableFuture<>();
      loads.add(load);
      return load;
    }

    @Override
    public void playlistLoaded(HlsStream stream, MediaPlaylist loaded) {
      playlists++;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    HlsClip clip = HlsClip.bundled();
    MasterPlaylist master = PlaylistParser.parseMaster(MASTER, clip.masterPlaylist());
    swarms.register(master);
    low = HlsStream.ofVariant(MASTER, master.variants().get(0));
    high = HlsStream.ofVariant(MASTER, master.variants().get(1));
    lowSwarm = SwarmKey.ofStreamSwarmId(SwarmStreams.of(master).get(0).streamSwarmId());
    highSwarm = SwarmKey.ofStreamSwarmId(SwarmStreams.of(master).get(1).streamSwarmId());
    String name = clip.firstVariant().name();
    playlist = PlaylistParser.parseMedia(MASTER.resolve(name + "/index.m3u8"), clip.firstVariant().mediaPlaylist());
    SwarmSwitch.Membership membership = new SwarmSwitch.Membership() {
      @Override
      public boolean join(SwarmKey swarm) {
        if (joinedByEmbedder.contains(swarm)) {
          return false;
        }
        assertThat(member.add(swarm)).as("joined twice: " + swarm).isTrue();
        events.add("join " + label(swarm));
        return true;
      }

      @Override
      public void leave(SwarmKey swarm) {
        assertThat(member.remove(swarm)).as("left a swarm not joined: " + swarm).isTrue();
        events.add("leave " + label(swarm));
      }
    };
    swarmSwitch = new SwarmSwitch(swarms, membership, swarm -> {
      FakeLoader loader = new FakeLoader();
      loaders.put(swarm, loader);
      return loader;
    }, plain, GRACE_MILLIS, clock, timers);
  }

  private String label(SwarmKey swarm) {
    return swarm.equals(lowSwarm) ? "low" : swarm.equals(highSwarm) ? "high" : swarm.toString();
  }

  private CompletableFuture<byte[]> segment(HlsStream stream) {
    return swarmSwitch.load(new SegmentRequest(stream, playlist, playlist.segments().get(0), clock.instant()));
  }

  @Test
  void theVariantThePlayerRequestsDecidesTheSwarmAndItsLoader() {
    swarmSwitch.playlistLoaded(low, playlist);
    segment(low);

    assertThat(member).containsExactly(lowSwarm);
    assertThat(loaders.get(lowSwarm).playlists).isEqualTo(1);
    assertThat(loaders.get(lowSwarm).loads).hasSize(1);
    assertThat(plain.loads).isEmpty();
  }

  @Test
  void aSwitchJoinsTheNewSwarmAtOnceAndLeavesTheOldOneAfterTheGrace() {
    swarmSwitch.playlistLoaded(low, playlist);
    timers.advance(Duration.ofSeconds(4));
    segment(low).complete(new byte[1]); // the low swarm's last use: the grace counts from here

    swarmSwitch.playlistLoaded(high, playlist);
    assertThat(member).containsExactlyInAnyOrder(lowSwarm, highSwarm);

    timers.advance(Duration.ofMillis(GRACE_MILLIS - 1));
    assertThat(member).as("within the grace").containsExactlyInAnyOrder(lowSwarm, highSwarm);
    timers.advance(Duration.ofMillis(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> member.equals(Set.of(highSwarm)));
    assertThat(loaders.get(lowSwarm).closed).isTrue();
    assertThat(loaders.get(highSwarm).closed).isFalse();
    assertThat(events).containsExactly("join low", "join high", "leave low");
  }

  @Test
  void aPlayerFlippingBackAndForthWithinTheGraceKeepsBothSwarmsWithoutRejoining() {
    for (int i = 0; i < 5; i++) {
      swarmSwitch.playlistLoaded(low, playlist);
      timers.advance(Duration.ofSeconds(2));
      swarmSwitch.playlistLoaded(high, playlist);
      timers.advance(Duration.ofSeconds(2));
    }
    assertThat(events).containsExactly("join low", "join high");

    // It settles on the high variant: the low swarm goes once the grace has passed.
    for (int i = 0; i < 6; i++) {
      swarmSwitch.playlistLoaded(high, playlist);
      timers.advance(Duration.ofSeconds(2));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> member.equals(Set.of(highSwarm)));
    assertThat(events).containsExactly("join low", "join high", "leave low");
  }

  @Test
  void aSegmentStillLoadingFromTheOldSwarmKeepsItUntilTheGraceAfterItEnds() {
    swarmSwitch.playlistLoaded(low, playlist);
    CompletableFuture<byte[]> slow = segment(low);
    swarmSwitch.playlistLoaded(high, playlist);

    timers.advance(Duration.ofMillis(3 * GRACE_MILLIS));
    assertThat(member).as("a load is in flight").contains(lowSwarm);

    slow.complete(new byte[1]);
    timers.advance(Duration.ofMillis(GRACE_MILLIS - 1));
    assertThat(member).contains(lowSwarm);
    timers.advance(Duration.ofMillis(GRACE_MILLIS));
    await().atMost(Duration.ofSeconds(10)).until(() -> member.equals(Set.of(highSwarm)));
  }

  @Test
  void aSegmentOfAStreamLeftBeforeRejoinsItsSwarmUntilTheGracePassesAgain() {
    swarmSwitch.playlistLoaded(low, playlist);
    swarmSwitch.playlistLoaded(high, playlist);
    timers.advance(Duration.ofMillis(GRACE_MILLIS));
    await().atMost(Duration.ofSeconds(10)).until(() -> member.equals(Set.of(highSwarm)));

    segment(low).complete(new byte[1]);
    assertThat(member).containsExactlyInAnyOrder(lowSwarm, highSwarm);
    timers.advance(Duration.ofMillis(GRACE_MILLIS));
    await().atMost(Duration.ofSeconds(10)).until(() -> member.equals(Set.of(highSwarm)));
    assertThat(events).containsExactly("join low", "join high", "leave low", "join low", "leave low");
  }

  @Test
  void aSwarmTheEmbedderJoinedIsUsedButNeverLeft() {
    joinedByEmbedder.add(lowSwarm);
    swarmSwitch.playlistLoaded(low, playlist);
    swarmSwitch.playlistLoaded(high, playlist);
    timers.advance(Duration.ofMillis(2 * GRACE_MILLIS));
    await().atMost(Duration.ofSeconds(10)).until(() -> loaders.get(lowSwarm).closed);

    assertThat(events).containsExactly("join high");
    swarmSwitch.close();
    assertThat(events).containsExactly("join high", "leave high");
  }

  @Test
  void aStreamWithoutASwarmLoadsThroughThePlainLoader() {
    HlsStream lone = HlsStream.ofMediaPlaylist(URI.create("http://elsewhere.example/a.m3u8"));
    swarmSwitch.playlistLoaded(lone, playlist);
    segment(lone);

    assertThat(plain.playlists).isEqualTo(1);
    assertThat(plain.loads).hasSize(1);
    assertThat(member).isEmpty();
  }

  @Test
  void closingLeavesEverySwarmItJoinedAndClosesEveryLoader() {
    swarmSwitch.playlistLoaded(low, playlist);
    swarmSwitch.playlistLoaded(high, playlist);
    swarmSwitch.close();

    assertThat(member).isEmpty();
    assertThat(loaders.values()).allMatch(l -> l.closed);
    assertThat(plain.closed).isTrue();
    assertThat(segment(low)).isCompletedExceptionally();
    assertThat(timers.pending()).isZero();
  }

  @Test
  void aLoneMediaPlaylistHasTheSwarmAnHlsjsBrowserJoinsForIt() {
    URI media = URI.create("http://cdn.example/live/360p/index.m3u8?token=1");
    swarms.registerLoneMediaPlaylist(media);

    // hls.js makes a lone media playlist one level without attributes: bitrate 0, preimage "0--------".
    SwarmKey expected = SwarmKey.ofStreamSwarmId(
        "v2-http://cdn.example/live/360p/index.m3u8-main-" + dev.hlsmesh.protocol.swarm.StreamIndex.index(
            dev.hlsmesh.protocol.swarm.StreamProps.mainWithBitrateOnly(0)));
    assertThat(swarms.of(HlsStream.ofMediaPlaylist(media)).orElseThrow().swarm()).isEqualTo(expected);
    assertThat(dev.hlsmesh.protocol.swarm.StreamIndex.preimage(
        dev.hlsmesh.protocol.swarm.StreamProps.mainWithBitrateOnly(0))).isEqualTo("0--------");
  }

  /** A {@link TaskScheduler} on the manual clock: tasks run on the test thread as time advances. */
  private final class Timers implements TaskScheduler {
    private final List<long[]> due = new ArrayList<>();
    private final List<Runnable> tasks = new ArrayList<>();
    private long sequence;

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMillis) {
      long[] entry = {clock.millis() + Math.max(0, delayMillis), sequence++};
      due.add(entry);
      tasks.add(task);
      return () -> {
        synchronized (this) {
          int i = due.indexOf(entry);
          if (i >= 0) {
            due.remove(i);
            tasks.remove(i);
          }
        }
      };
    }

    synchronized int pending() {
      return due.size();
    }

    void advance(Duration amount) {
      long target = clock.millis() + amount.toMillis();
      while (true) {
        Runnable task;
        long at;
        synchronized (this) {
          long[] next = due.stream().filter(e -> e[0] <= target)
              .min(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1])).orElse(null);
          if (next == null) {
            break;
          }
          int i = due.indexOf(next);
          due.remove(i);
          task = tasks.remove(i);
          at = next[0];
        }
        if (at > clock.millis()) {
          clock.advance(Duration.ofMillis(at - clock.millis()));
        }
        task.run();
      }
      if (target > clock.millis()) {
        clock.advance(Duration.ofMillis(target - clock.millis()));
      }
    }
  }
}
