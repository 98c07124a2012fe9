package dev.hlsmesh.agent;

import java.net.URI;

/** The tracker agent tests connect through (for now the reference one; ours once it lands). */
final class TestTracker implements AutoCloseable {
  private final ReferenceTracker delegate;

  private TestTracker(ReferenceTracker delegate) {
    this.delegate = delegate;
  }

  static TestTracker start() throws Exception {
    return new TestTracker(ReferenceTracker.start());
  }

  URI url() {
    return delegate.url();
  }

  @Override
  public void close() throws Exception {
    delegate.close();
  }
}
