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
 *   <li>A neighbour is receiving it (its {@code p} list): take it from that neighbour while it
 *       arrives, if expected in time; a neighbour that answered Absent (it serves only complete
 *       segments, as browsers do) is waited for instead, at most until the safety point.</li>
 *   <li>Nobody has it: an election. Every agent ranks itself and the peers it sees by a
 *       rendezvous hash of (segment id, peer id); the first {@code electedFetchers} fetch from the
 *       CDN and announce it, after a short delay that the same hash orders across the swarm
 *       ({@link #electionDelayMillis}); rank {@code r} beyond them waits {@code electionWaitMillis}
 *       more per rank, then fetches it itself (the elected agent may have left or be slow to see
 *       the segment). An agent with no neighbours at all fetches at once, like a plain player,
 *       except in its first seconds, while it is still connecting: then it waits for neighbours
 *       until the safety point.
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
    ELECTION_BACKOFF,
    /** The agent has just joined and is still connecting to its first peers. */
    NO_NEIGHBOURS_YET
  }

  /**
   * What the agent knows about one segment now.
   *
   * @param firstWantedMillis when this agent first wanted the segment (the election back-off
   *     counts from then)
   * @param jitterMillis this segment's random extra back-off, drawn once
   * @param expectedBytes the segment's expected size
   * @param excludedPeers peers that failed this segment already
   * @param peersExpectedUntilMillis until then an agent without neighbours waits for some (up to
   *     the safety point) instead of fetching at once: it has just joined and is still connecting
   * @param notServingWhileLoading loading neighbours that answered Absent for this segment (a
   *     browser serves only complete segments): waited for, not asked again until they hold it
   */
  record Situation(long segmentId, long nowMillis, long deadlineMillis, long firstWantedMillis, long jitterMillis,
      long expectedBytes, String selfId, List<Neighbour> neighbours, Set<String> excludedPeers,
      long peersExpectedUntilMillis, Set<String> notServingWhileLoading) {
    Situation {
      requireNonNull(selfId, "selfId");
      requireNonNull(neighbours, "neighbours");
      requireNonNull(excludedPeers, "excludedPeers");
      requireNonNull(notServingWhileLoading, "notServingWhileLoading");
    }

    /** A situation in which every loading neighbour may serve the segment while it arrives. */
    Situation(long segmentId, long nowMillis, long deadlineMillis, long firstWantedMillis, long jitterMillis,
        long expectedBytes, String selfId, List<Neighbour> neighbours, Set<String> excludedPeers,
        long peersExpectedUntilMillis) {
      this(segmentId, nowMillis, deadlineMillis, firstWantedMillis, jitterMillis, expectedBytes, selfId, neighbours,
          excludedPeers, peersExpectedUntilMillis, Set.of());
    }

    /** A situation in which an agent without neighbours expects none. */
    Situation(long segmentId, long nowMillis, long deadlineMillis, long firstWantedMillis, long jitterMillis,
        long expectedBytes, String selfId, List<Neighbour> neighbours, Set<String> excludedPeers) {
      this(segmentId, nowMillis, deadlineMillis, firstWantedMillis, jitterMillis, expectedBytes, selfId, neighbours,
          excludedPeers, Long.MIN_VALUE);
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
    List<Neighbour> loaders = new ArrayList<>();
    boolean someoneFetching = false;
    long latestStartMillis = s.deadlineMillis() - settings.minSafetyMarginMillis();
    for (Neighbour n : s.neighbours()) {
      if (s.excludedPeers().contains(n.peerId())) {
        continue;
      }
      long peerMillis = peerRates.apply(n.peerId()).millisFor(s.expectedBytes());
      if (n.storedSegmentIds().contains(s.segmentId())) {
        if (s.nowMillis() + peerMillis <= latestStartMillis) {
          holders.add(n);
        }
      } else if (n.loadingSegmentIds().contains(s.segmentId())) {
        someoneFetching = true;
        // Served while it arrives: no faster than the neighbour's own download.
        long arrivalMillis = Math.max(peerMillis, cdn.millisFor(s.expectedBytes()));
        if (!s.notServingWhileLoading().contains(n.peerId()) && s.nowMillis() + arrivalMillis <= latestStartMillis) {
          loaders.add(n);
        }
      }
    }
    Comparator<Neighbour> fastest = Comparator.comparingDouble(n -> -peerRates.apply(n.peerId()).bytesPerSecond());
    Comparator<Neighbour> byHash = Comparator.comparingLong(n -> -score(s.segmentId(), n.peerId()));
    if (!holders.isEmpty()) {
      holders.sort(fastest.thenComparing(byHash));
      return new FromPeer(holders.get(0).peerId());
    }
    if (!loaders.isEmpty()) {
      loaders.sort(fastest.thenComparing(byHash));
      return new FromPeer(loaders.get(0).peerId());
    }
    if (someoneFetching) {
      return new Wait(safetyPoint, WaitReason.NEIGHBOUR_FETCHING);
    }
    if (s.neighbours().isEmpty()) {
      if (s.nowMillis() < s.peersExpectedUntilMillis()) {
        return new Wait(Math.min(s.peersExpectedUntilMillis(), safetyPoint), WaitReason.NO_NEIGHBOURS_YET);
      }
      return new FromCdn(CdnReason.ELECTED); // nobody to wait for: a plain player
    }
    List<String> others = new ArrayList<>();
    for (Neighbour n : s.neighbours()) {
      others.add(n.peerId());
    }
    int rank = rank(s.segmentId(), s.selfId(), others);
    long backoffEnd = s.firstWantedMillis() + s.jitterMillis()
        + electionDelayMillis(s.segmentId(), s.selfId(), rank, safetyPoint - s.firstWantedMillis());
    if (s.nowMillis() >= backoffEnd) {
      return new FromCdn(rank < settings.electedFetchers() ? CdnReason.ELECTED : CdnReason.ELECTION_TIMEOUT);
    }
    return new Wait(Math.min(backoffEnd, safetyPoint), WaitReason.ELECTION_BACKOFF);
  }

  /**
   * How long after it first wanted a segment nobody has an agent of this rank waits before fetching
   * it from the CDN (jitter aside): {@code electionWaitMillis} per rank beyond the elected ones,
   * plus {@code (1 - score) x electionSpreadMillis}. The spread orders agents that are each first in
   * their own partial view of the swarm: the one with the highest score (the first in the whole
   * swarm) goes first and the others hear of it (its {@code p} announcement, relayed by the
   * neighbours that fetch from it) before their turn comes.
   */
  long electionDelayMillis(long segmentId, String selfId, int rank) {
    return electionDelayMillis(segmentId, selfId, rank, Long.MAX_VALUE);
  }

  /**
   * As {@link #electionDelayMillis(long, String, int)} for a segment whose safety point is
   * {@code windowMillis} after it was first wanted: the spread shrinks to half of that window
   * (a player's next segment at startup has well under a second), so that the elected agent still
   * fetches it early enough for the others to take it from it while it arrives.
   */
  long electionDelayMillis(long segmentId, String selfId, int rank, long windowMillis) {
    long ranksBehind = Math.max(0, rank - settings.electedFetchers() + 1);
    double unitScore = (score(segmentId, selfId) >>> 11) * 0x1.0p-53;
    long spread = Math.min(settings.electionSpreadMillis(), Math.max(0, windowMillis / 2));
    return ranksBehind * settings.electionWaitMillis() + (long) ((1.0 - unitScore) * spread);
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
