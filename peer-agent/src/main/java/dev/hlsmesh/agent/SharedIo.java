package dev.hlsmesh.agent;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The process-wide Netty event loop that carries every agent's tracker connection: one thread
 * ({@code hlsmesh-agent-io-…}) and one selector however many agents a process runs, instead of
 * one of each per agent. A tracker connection carries a few small messages a minute, so one loop
 * serves hundreds of agents.
 *
 * <p>Thread-safe: any thread may {@link #acquire()} and {@link Lease#close() release}. The loop
 * starts with the first lease and shuts down when the last one is released, so a JVM whose
 * agents are all closed keeps no thread of ours.
 */
final class SharedIo {
  private static final Object LOCK = new Object();
  private static EventLoopGroup group;
  private static int leases;

  private SharedIo() {}

  /** A claim on the shared loop; closing it releases the claim exactly once. */
  static final class Lease implements AutoCloseable {
    private final EventLoopGroup leased;
    private boolean closed;

    private Lease(EventLoopGroup leased) {
      this.leased = leased;
    }

    /** The shared loop; channels on it must be closed before this lease is. */
    EventLoopGroup group() {
      return leased;
    }

    @Override
    public void close() {
      EventLoopGroup last = null;
      synchronized (LOCK) {
        if (closed) {
          return;
        }
        closed = true;
        leases--;
        if (leases == 0) {
          last = group;
          group = null;
        }
      }
      if (last != null) {
        // Outside the lock: a new agent may start its own loop meanwhile.
        last.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Claims the shared loop, starting it if no lease is held. */
  static Lease acquire() {
    synchronized (LOCK) {
      if (group == null) {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hlsmesh-agent-io", true),
            NioIoHandler.newFactory());
      }
      leases++;
      return new Lease(group);
    }
  }

  /** Number of leases currently held (for tests). */
  static int leaseCount() {
    synchronized (LOCK) {
      return leases;
    }
  }
}
