package dev.hlsmesh.agent.webrtc;

import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Test helper: connects two real PeerLinks in this process without a tracker. */
public final class LinkPairs {
  private LinkPairs() {}

  /** The two ends; listeners see onOpen once the channel is open on their side. */
  public record Pair(PeerLink initiator, PeerLink answerer) {}

  public static Pair connect(WebRtcRuntime.Lease lease, LinkSettings settings,
      ScheduledExecutorService initiatorOwner, PeerLink.Listener initiatorListener,
      ScheduledExecutorService answererOwner, PeerLink.Listener answererListener) throws Exception {
    PeerLink initiator = on(initiatorOwner,
        () -> PeerLink.offer(lease, settings, initiatorOwner, new Random(), initiatorListener));
    String offer = initiator.localDescription().get(30, TimeUnit.SECONDS);
    PeerLink answerer = on(answererOwner,
        () -> PeerLink.answer(lease, settings, answererOwner, offer, answererListener));
    String answer = answerer.localDescription().get(30, TimeUnit.SECONDS);
    on(initiatorOwner, () -> {
      initiator.acceptAnswer(answer);
      return null;
    });
    return new Pair(initiator, answerer);
  }

  /** Runs an action on an owner executor and waits for its result. */
  public static <T> T on(ScheduledExecutorService owner, Supplier<T> action) throws Exception {
    return CompletableFuture.supplyAsync(action, owner).get(30, TimeUnit.SECONDS);
  }
}
