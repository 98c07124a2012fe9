package dev.hlsmesh.agent.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.tracker.BinaryId;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PeerBansTest {
  private final AtomicLong nanos = new AtomicLong(-5); // any origin, even negative
  private final BinaryId peer = BinaryId.ofAscii("-HM0001-abcdefghijkl");
  private final BinaryId other = BinaryId.ofAscii("-HM0001-mnopqrstuvwx");

  @Test
  void aBannedPeerIsRefusedUntilTheBanEnds() {
    PeerBans bans = new PeerBans(1_000, nanos::get);
    bans.ban(peer);
    assertThat(bans.isBanned(peer)).isTrue();
    assertThat(bans.isBanned(other)).isFalse();
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
    assertThat(bans.isBanned(peer)).isTrue();
    assertThat(bans.size()).isEqualTo(1);
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
    assertThat(bans.isBanned(peer)).isFalse();
    assertThat(bans.size()).isZero();
  }

  @Test
  void aZeroBanTimeDisablesBanning() {
    PeerBans bans = new PeerBans(0, nanos::get);
    bans.ban(peer);
    assertThat(bans.isBanned(peer)).isFalse();
  }
}
