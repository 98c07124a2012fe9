package dev.hlsmesh.agent;

import java.util.List;

/** A viewer configuration with one or more problems; {@link #problems()} lists every one of them. */
public final class InvalidConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /** @param problems one line each, with the setting's path */
  public InvalidConfigException(List<String> problems) {
    super("invalid viewer configuration:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  /** One line per problem, e.g. {@code scheduler.electedFetchers: 0 (expected: 1..64)}. */
  public List<String> problems() {
    return problems;
  }
}
