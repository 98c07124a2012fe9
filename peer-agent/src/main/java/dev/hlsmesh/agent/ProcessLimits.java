package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * What one process running many agents needs of its open-files and thread limits, checked before
 * the agents start so that a limit is reported with the number needed, not hit later as a failed
 * socket or event loop.
 *
 * <p>The figures per agent are measured (docs/benchmarks.md, "Footprint"): each peer connection
 * holds {@value #FILES_PER_LINK} UDP sockets (one per address family; libwebrtc opens no ICE-TCP
 * port since the agent turns it off), and an agent holds up to {@code maxPeers} connections plus
 * up to {@code maxPeers} offers waiting for an answer. The limits are read from {@code /proc}
 * (Linux); elsewhere they are unknown and nothing is checked.
 *
 * <p>Thread-safe: stateless.
 */
public final class ProcessLimits {
  /** Sockets one peer connection holds: a UDP socket per address family (IPv4, IPv6). */
  public static final int FILES_PER_LINK = 2;
  /** Files an agent holds besides its links: its tracker connection, with room for a CDN connection. */
  public static final int FILES_PER_AGENT = 4;
  /** Threads an agent starts: its owner thread and its event-delivery thread. */
  public static final int THREADS_PER_AGENT = 2;
  /** Open files and threads kept free for everything else in the process (HTTP, logs, class loading). */
  public static final int RESERVE = 256;

  private static final Path LIMITS = Path.of("/proc/self/limits");
  private static final Path FDS = Path.of("/proc/self/fd");
  private static final Path TASKS = Path.of("/proc/self/task");

  private ProcessLimits() {}

  /** Open files {@code agents} more agents with {@code maxPeers} each may hold at most. */
  public static long filesNeeded(int agents, int maxPeers) {
    return (long) agents * (FILES_PER_AGENT + 2L * maxPeers * FILES_PER_LINK);
  }

  /**
   * Checks that {@code agents} more agents with {@code maxPeers} each fit under this process's
   * open-files and thread limits, besides what it uses now.
   *
   * @return empty if they fit or the limits are unknown; otherwise one sentence per limit, with
   *     the number needed, the limit, and how many agents would fit
   */
  public static String check(int agents, int maxPeers) {
    if (agents < 0 || maxPeers < 0) {
      throw new IllegalArgumentException("agents and maxPeers must be >= 0, got " + agents + " and " + maxPeers);
    }
    String limits;
    try {
      limits = Files.readString(LIMITS);
    } catch (IOException | UnsupportedOperationException e) {
      return ""; // not Linux: the limits are unknown
    }
    StringBuilder problems = new StringBuilder();
    long perAgentFiles = filesNeeded(1, maxPeers);
    OptionalLong files = softLimit(limits, "Max open files");
    OptionalLong openNow = count(FDS);
    if (files.isPresent() && openNow.isPresent()) {
      long needed = openNow.getAsLong() + RESERVE + agents * perAgentFiles;
      if (needed > files.getAsLong()) {
        long fit = Math.max(0, (files.getAsLong() - openNow.getAsLong() - RESERVE) / perAgentFiles);
        problems.append(String.format(Locale.ROOT, "%d agents with up to %d peers each need about %d open files"
            + " (%d per agent, %d in use now), but this process may open %d (ulimit -n):"
            + " raise the limit (ulimit -n %d) or run at most %d agents.", agents, maxPeers, needed,
            perAgentFiles, openNow.getAsLong(), files.getAsLong(), needed, fit));
      }
    }
    OptionalLong threads = softLimit(limits, "Max processes");
    OptionalLong threadsNow = count(TASKS);
    if (threads.isPresent() && threadsNow.isPresent()) {
      // The limit counts every thread of this user, so this is the best case.
      long needed = threadsNow.getAsLong() + RESERVE + (long) agents * THREADS_PER_AGENT;
      if (needed > threads.getAsLong()) {
        long fit = Math.max(0, (threads.getAsLong() - threadsNow.getAsLong() - RESERVE) / THREADS_PER_AGENT);
        if (problems.length() > 0) {
          problems.append(' ');
        }
        problems.append(String.format(Locale.ROOT, "%d agents need about %d threads (%d per agent, %d running"
            + " now), but this user may run %d (ulimit -u): raise the limit or run at most %d agents.",
            agents, needed, THREADS_PER_AGENT, threadsNow.getAsLong(), threads.getAsLong(), fit));
      }
    }
    return problems.toString();
  }

  /**
   * The soft limit of one line of {@code /proc/self/limits}, e.g. {@code Max open files  20000
   * 20000  files}; empty if the line is missing or the limit is {@code unlimited}.
   */
  static OptionalLong softLimit(String procLimits, String name) {
    requireNonNull(procLimits, "procLimits");
    for (String line : procLimits.split("\n")) {
      if (line.startsWith(name + " ")) {
        String[] fields = line.substring(name.length()).trim().split("\\s+");
        if (fields.length > 0 && fields[0].chars().allMatch(Character::isDigit) && !fields[0].isEmpty()) {
          return OptionalLong.of(Long.parseLong(fields[0]));
        }
        return OptionalLong.empty();
      }
    }
    return OptionalLong.empty();
  }

  private static OptionalLong count(Path directory) {
    try (Stream<Path> entries = Files.list(directory)) {
      return OptionalLong.of(entries.count());
    } catch (IOException | UnsupportedOperationException e) {
      return OptionalLong.empty();
    }
  }
}
