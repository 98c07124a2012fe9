package dev.hlsmesh.tracker.config;

import java.util.List;

/** A configuration with one or more problems; {@link #problems()} lists every one of them. */
public final class InvalidConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public InvalidConfigException(List<String> problems) {
    super("invalid tracker configuration:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  /** One line per problem, e.g. {@code tracker.maxOffersPerAnnounce: 0 (expected: 1..50)}. */
  public List<String> problems() {
    return problems;
  }
}
