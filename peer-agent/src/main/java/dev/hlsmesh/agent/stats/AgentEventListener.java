package dev.hlsmesh.agent.stats;

/**
 * Receives an agent's {@link AgentEvent}s. Register with {@link AgentStats#addEventListener}
 * (or {@code Agent.addEventListener}).
 *
 * <p>By default events reach listeners on the stats' own event thread, in the order they were
 * recorded, never on an I/O thread; a listener may take its time there, but a slow one delays
 * the others and, past 10,000 waiting events, events are dropped (and counted in
 * {@link AgentStats#droppedEvents()}). A listener registered with a direct executor runs on the
 * recording thread and must not block. An exception thrown here is logged and otherwise
 * ignored.
 */
@FunctionalInterface
public interface AgentEventListener {

  /** One event; dispatch on its type with {@code instanceof}. */
  void onEvent(AgentEvent event);
}
