package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;

/** Agents in one process share one named event loop, gone with the last of them. */
class SharedIoTest {
  @Test
  void everyLeaseGetsTheSameLoopUntilTheLastIsReleased() throws Exception {
    int before = SharedIo.leaseCount();
    SharedIo.Lease first = SharedIo.acquire();
    SharedIo.Lease second = SharedIo.acquire();
    EventLoopGroup group = first.group();
    assertThat(second.group()).isSameAs(group);
    assertThat(group.submit(() -> Thread.currentThread().getName()).get()).startsWith("hlsmesh-agent-io-");

    first.close();
    first.close(); // once only
    assertThat(SharedIo.leaseCount()).isEqualTo(before + 1);
    assertThat(group.isShuttingDown()).isFalse();
    second.close();
    if (before == 0) { // no agent of another test holds it
      assertThat(group.isShuttingDown()).isTrue();
      SharedIo.Lease next = SharedIo.acquire();
      assertThat(next.group()).isNotSameAs(group);
      next.close();
    }
  }
}
