package dev.hlsmesh.agent.scheduler;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.Neighbour;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The scheduler's decision for one segment at one moment, as a pure function of what the agent
 * knows: the playback deadline, what its neighbours hold or are fetching, and measured
 * throughputs. In order:
 *
 * <ol>
 *   <li>Past the <em>safety point</em> (deadline minus a margin of {@code safetyFactor} times the
 *       expected CDN time plus {@code minSafetyMarginMillis}): the CDN.</li>
 *   <li>A neighbour holds it and is expected to deliver before the deadline: that neighbour (the
 *       fastest measured; among equals the one rendezvous hashing ranks first for this segment,
 *       so downloaders spread over the holders).</li>
 *   <li>A neighbour is fetching it over HTTP: wait for its announcement, at most until the safety
 *       point.</li>
 *   <li>Nobody has it: an election. Every agent ranks itself and the peers it sees by a
 *       rendezvous hash of (segment id, peer id); the first {@code electedFetchers} fetch from the
 *       CDN at once and announce it; rank {@code r} beyond them waits
 *       {@code r x electionWaitMillis} plus its jitter from when it first wanted the segment,
 *       then fetches it itself (the elected agent may have left or be slow to see the segment).
 *       </li>
 * </ol>
 * The loader asks again whenever the neighbours' announcements change and when a wait ends.
 *
 * <p>Thread-safe (stateless).
 */
final class Planner {

  /** What to do now. */
  sealed interface Decision permits FromPeer, FromCdn, Wait {
  }

  /** Fetch from this connected peer. */
  record FromPeer(String peerId) implements Decision {
  }

  /** Fetch from the CDN now. */
  record FromCdn(CdnReason reason) implements Decision {
  }

  /** Do nothing until {@code untilMillis} or until the neighbours change. */
  record Wait(long untilMillis, WaitReason reason) implements Decision {
  }

  /** Why the CDN. */
  enum CdnReason {
    /** The deadline is within the safety margin. */
    DEADLINE,
    /** This agent won the election for a segment nobody has. */
    ELECTED,
    /** The election's back-off ran out and nobody announced the segment. */
    ELECTION_TIMEOUT
  }

  /** Why waiting. */
  enum WaitReason {
    /** A neighbour is fetching the segment over HTTP. */
    NEIGHBOUR_FETCHING,
    /** Another agent was elected to fetch it. */
    ELECTION_BACKOFF
  }

  /**
   * What the agent knows about one segment now.
   *
   * @param firstWantedMillis when this agent first wanted the segment (the election back-off
   *     counts from then)
   * @param jitterMillis this segment's random extra back-off, drawn once
   * @param expectedBytes the segment's expected size
   * @param excludedPeers peers that failed this segment already
   */
  record Situation(long segmentId, long nowMillis, long deadlineMillis, long firstWantedMillis, long jitterMillis,
      long expectedBytes, String selfId, List<Neighbour> neighbours, Set<String> excludedPeers) {
    Situation {
      requireNonNull(selfId, "selfId");
      requireNonNull(neighbours, "neighbours");
      requireNonNull(excludedPeers, "excludedPeers");
    }
  }

  private final SchedulerSettings settings;

  Planner(SchedulerSettings settings) {
    this.settings = requireNonNull(settings, "settings");
  }

  /** The margin before the deadline from which a segment goes to the CDN. */
  long safetyMarginMillis(long expectedBytes, Throughput cdn) {
    return (long) Math.ceil(cdn.millisFor(expectedBytes) * settings.safetyFactor()) + settings.minSafetyMarginMillis();
  }

  Decision decide(Situation s, Throughput cdn, Function<String, Throughput> peerRates) {
    long safetyPoint = s.deadlineMillis() - safetyMarginMillis(s.expectedBytes(), cdn);
    if (s.nowMillis() >= safetyPoint) {
      return new FromCdn(CdnReason.DEADLINE);
    }
    List<Neighbour> holders = new ArrayList<>();
    boolean someoneFetching = false;
    for (Neighbour n : s.neighbours()) {
      if (s.excludedPeers().contains(n.peerId())) {
        continue;
      }
      if (n.storedSegmentIds().contains(s.segmentId())) {
        long expectedMillis = peerRates.apply(n.peerId()).millisFor(s.expectedBytes());
        if (s.nowMillis() + expectedMillis <= s.deadlineMillis() - settings.minSafetyMarginMillis()) {
          holders.add(n);
        }
      } else if (n.loadingSegmentIds().contains(s.segmentId())) {
        someoneFetching = true;
      }
    }
    if (!holders.isEmpty()) {
      Comparator<Neighbour> fastest = Comparator.comparingDouble(n -> -peerRates.apply(n.peerId()).bytesPerSecond());
      Comparator<Neighbour> byHash = Comparator.comparingLong(n -> -score(s.segmentId(), n.peerId()));
      holders.sort(fastest.thenComparing(byHash));
      return new FromPeer(holders.get(0).peerId());
    }
    if (someoneFetching) {
      return new Wait(safetyPoint, WaitReason.NEIGHBOUR_FETCHING);
    }
    List<String> others = new ArrayList<>();
    for (Neighbour n : s.neighbours()) {
      others.add(n.peerId());
    }
    int rank = rank(s.segmentId(), s.selfId(), others);
    if (rank < settings.electedFetchers()) {
      return new FromCdn(CdnReason.ELECTED);
    }
    long backoffEnd = s.firstWantedMillis() + (rank - settings.electedFetchers() + 1) * settings.electionWaitMillis()
        + s.jitterMillis();
    if (s.nowMillis() >= backoffEnd) {
      return new FromCdn(CdnReason.ELECTION_TIMEOUT);
    }
    return new Wait(Math.min(backoffEnd, safetyPoint), WaitReason.ELECTION_BACKOFF);
  }

  /** This agent's place (0 = first) among itself and {@code others} for a segment. */
  static int rank(long segmentId, String selfId, Collection<String> others) {
    long mine = score(segmentId, selfId);
    int rank = 0;
    for (String other : others) {
      long theirs = score(segmentId, other);
      if (theirs > mine || (theirs == mine && other.compareTo(selfId) < 0)) {
        rank++;
      }
    }
    return rank;
  }

  /**
   * The rendezvous (highest random weight) score of a peer for a segment: the same on every
   * agent, so agents that see the same peers elect the same one without talking.
   */
  static long score(long segmentId, String peerId) {
    long h = 0xcbf29ce484222325L; // FNV-1a over the id, then the segment id through a 64-bit mixer
    for (byte b : peerId.getBytes(StandardCharsets.ISO_8859_1)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    long z = h ^ (segmentId * 0x9e3779b97f4a7c15L);
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
