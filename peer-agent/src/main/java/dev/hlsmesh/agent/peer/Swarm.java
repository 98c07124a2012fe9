package dev.hlsmesh.agent.peer;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.PeerFetchException;
import dev.hlsmesh.agent.PeerFetchException.Reason;
import dev.hlsmesh.agent.tracker.SwarmMembership;
import dev.hlsmesh.agent.webrtc.PeerLink;
import dev.hlsmesh.protocol.tracker.BinaryId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * The peers of one joined swarm: links being set up, open sessions keyed by remote peer id (at
 * most one per remote peer), and the peer bounds the tracker client asks about.
 *
 * <p>Thread: every method must be called on the agent's owner executor.
 */
public final class Swarm implements SwarmMembership {
  private final BinaryId infoHash;
  private final BinaryId peerId;
  private final int minPeers;
  private final int maxPeers;
  private final SessionSettings settings;
  private final SegmentSource source;
  private final ScheduledExecutorService owner;
  private final Consumer<Swarm> peersChanged;
  private final Map<BinaryId, Binding> connecting = new HashMap<>();
  private final Map<BinaryId, PeerSession> sessions = new LinkedHashMap<>();
  private final List<Binding> unboundOffers = new ArrayList<>();
  private Runnable announcementListener = () -> { };
  private UploadBudget uploadBudget = UploadBudget.unlimited();
  private PeerBans bans = new PeerBans(0, System::nanoTime);
  private boolean closed;

  /**
   * Creates the swarm state.
   *
   * @param peersChanged told (on the owner) whenever a session opens or closes
   */
  public Swarm(BinaryId infoHash, BinaryId peerId, int minPeers, int maxPeers, SessionSettings settings,
      SegmentSource source, ScheduledExecutorService owner, Consumer<Swarm> peersChanged) {
    this.infoHash = requireNonNull(infoHash, "infoHash");
    this.peerId = requireNonNull(peerId, "peerId");
    if (minPeers < 0 || maxPeers < 1 || minPeers > maxPeers) {
      throw new IllegalArgumentException("expected 0 <= minPeers <= maxPeers, 1 <= maxPeers; got " + minPeers + ", " + maxPeers);
    }
    this.minPeers = minPeers;
    this.maxPeers = maxPeers;
    this.settings = requireNonNull(settings, "settings");
    this.source = requireNonNull(source, "source");
    this.owner = requireNonNull(owner, "owner");
    this.peersChanged = requireNonNull(peersChanged, "peersChanged");
  }

  @Override
  public BinaryId infoHash() {
    return infoHash;
  }

  @Override
  public BinaryId peerId() {
    return peerId;
  }

  @Override
  public int offersWanted() {
    return closed ? 0 : Math.max(0, maxPeers - sessions.size() - connecting.size());
  }

  @Override
  public boolean belowMinimum() {
    return !closed && sessions.size() < minPeers;
  }

  @Override
  public boolean admit(BinaryId remote, boolean weInitiate) {
    if (closed || remote.equals(peerId) || sessions.containsKey(remote) || bans.isBanned(remote)) {
      return false;
    }
    Binding existing = connecting.get(remote);
    if (existing != null) {
      // Both sides keep the link initiated by the smaller peer id.
      boolean weArePreferredInitiator = compare(peerId, remote) < 0;
      if (weInitiate != weArePreferredInitiator || existing.initiatedByUs == weInitiate) {
        return false;
      }
      connecting.remove(remote);
      existing.link.close("duplicate connection to " + ascii(remote));
      return true;
    }
    return sessions.size() + connecting.size() < maxPeers;
  }

  @Override
  public LinkBinding newBinding() {
    Binding binding = new Binding();
    unboundOffers.add(binding);
    return binding;
  }

  /** Remote peer ids of the open sessions. */
  public List<String> connectedPeerIds() {
    List<String> ids = new ArrayList<>(sessions.size());
    for (BinaryId id : sessions.keySet()) {
      ids.add(ascii(id));
    }
    return ids;
  }

  /** Open sessions (a copy). */
  public List<PeerSession> sessions() {
    return List.copyOf(sessions.values());
  }

  /** Segment ids a connected peer last announced as stored; empty if not connected. */
  public java.util.Set<Long> announcedBy(String remotePeerId) {
    PeerSession session = isPeerIdShaped(remotePeerId) ? sessions.get(BinaryId.ofAscii(remotePeerId)) : null;
    return session == null ? java.util.Set.of() : session.remoteStored();
  }

  /** Segment ids a connected peer last announced as being fetched over HTTP; empty if not connected. */
  public java.util.Set<Long> loadingBy(String remotePeerId) {
    PeerSession session = isPeerIdShaped(remotePeerId) ? sessions.get(BinaryId.ofAscii(remotePeerId)) : null;
    return session == null ? java.util.Set.of() : session.remoteLoading();
  }

  /** Sets who is told (on the owner) whenever a connected peer replaces its announcement. */
  public void onAnnouncement(Runnable listener) {
    this.announcementListener = requireNonNull(listener, "listener");
  }

  /** Sets the agent-wide upload cap that paces this swarm's uploads (default: uncapped). */
  public void uploadBudget(UploadBudget budget) {
    this.uploadBudget = requireNonNull(budget, "budget");
  }

  /** Sets the refused peers of this swarm (default: nobody is ever refused). */
  public void bans(PeerBans peerBans) {
    this.bans = requireNonNull(peerBans, "peerBans");
  }

  /**
   * Refuses a peer for the ban time and closes every link to it (its fetches fail with
   * {@code DISCONNECTED}). The peer id need not be connected.
   */
  public void ban(String remotePeerId, String reason) {
    if (!isPeerIdShaped(remotePeerId)) {
      return;
    }
    BinaryId remote = BinaryId.ofAscii(remotePeerId);
    bans.ban(remote);
    PeerSession session = sessions.get(remote);
    if (session != null) {
      session.close(reason);
    }
    Binding pending = connecting.get(remote);
    if (pending != null && pending.link != null) {
      pending.link.close(reason);
    }
  }

  /** Fetches a segment from a connected peer. */
  public CompletableFuture<byte[]> fetch(String remotePeerId, long segmentId) {
    PeerSession session = closed || !isPeerIdShaped(remotePeerId) ? null : sessions.get(BinaryId.ofAscii(remotePeerId));
    if (session == null) {
      return CompletableFuture.failedFuture(new PeerFetchException(Reason.NOT_CONNECTED,
          "no connected peer " + remotePeerId + " in swarm " + infoHash.toHex()));
    }
    return session.fetch(segmentId);
  }

  /** Gives up a fetch from a connected peer (see {@link PeerSession#giveUp}); no-op if none. */
  public void giveUp(String remotePeerId, long segmentId) {
    PeerSession session = isPeerIdShaped(remotePeerId) ? sessions.get(BinaryId.ofAscii(remotePeerId)) : null;
    if (session != null) {
      session.giveUp(segmentId);
    }
  }

  /** Sends the current announcement to every connected peer (after the source changed). */
  public void announceToAll() {
    for (PeerSession session : sessions.values()) {
      session.announce();
    }
  }

  /** Closes every link of this swarm. */
  public void close() {
    closed = true;
    for (Binding binding : new ArrayList<>(connecting.values())) {
      binding.link.close("swarm left");
    }
    for (Binding binding : new ArrayList<>(unboundOffers)) {
      if (binding.link != null) {
        binding.link.close("swarm left");
      }
    }
    for (PeerSession session : new ArrayList<>(sessions.values())) {
      session.close("swarm left");
    }
  }

  private static boolean isPeerIdShaped(String id) {
    return id.length() == BinaryId.LENGTH && id.chars().allMatch(c -> c < 0x80);
  }

  private static int compare(BinaryId a, BinaryId b) {
    return a.toHex().compareTo(b.toHex());
  }

  private static String ascii(BinaryId id) {
    return new String(id.toBytes(), StandardCharsets.ISO_8859_1);
  }

  /** Routes one link's events: to the swarm while it is set up, then to its session. */
  private final class Binding implements LinkBinding {
    PeerLink link;
    BinaryId remote;
    boolean initiatedByUs;
    PeerSession session;

    @Override
    public void attach(PeerLink attached) {
      link = attached;
      initiatedByUs = attached.isInitiator();
      if (!initiatedByUs) {
        unboundOffers.remove(this);
      }
    }

    @Override
    public void remotePeer(BinaryId remotePeerId) {
      remote = remotePeerId;
      unboundOffers.remove(this);
      connecting.put(remotePeerId, this);
    }

    @Override
    public void onOpen(PeerLink opened) {
      if (remote == null) {
        opened.close("opened without a known remote peer");
        return;
      }
      if (connecting.get(remote) == this) {
        connecting.remove(remote);
      }
      if (closed || sessions.containsKey(remote) || sessions.size() >= maxPeers) {
        opened.close(closed ? "swarm left" : sessions.containsKey(remote) ? "duplicate connection" : "swarm full");
        return;
      }
      session = new PeerSession(opened, ascii(remote), settings, source, owner, new PeerSession.Listener() {
        @Override
        public void onAnnouncement(PeerSession s) {
          announcementListener.run();
        }

        @Override
        public void onClosed(PeerSession s, String reason) {
          if (sessions.get(remote) == s) {
            sessions.remove(remote);
            peersChanged.accept(Swarm.this);
          }
        }
      }, uploadBudget);
      sessions.put(remote, session);
      session.onOpen();
      peersChanged.accept(Swarm.this);
    }

    @Override
    public void onMessage(PeerLink from, byte[] message) {
      if (session != null) {
        session.onMessage(message);
      }
    }

    @Override
    public void onWritable(PeerLink from) {
      if (session != null) {
        session.onWritable();
      }
    }

    @Override
    public void onClosed(PeerLink from, String reason) {
      unboundOffers.remove(this);
      if (remote != null && connecting.get(remote) == this) {
        connecting.remove(remote);
        peersChanged.accept(Swarm.this);
      }
      if (session != null) {
        session.onClosed(reason);
      }
    }
  }
}
