package dev.hlsmesh.agent.webrtc;

import dev.hlsmesh.agent.WebRtcUnavailableException;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide {@link PeerConnectionFactory}, shared by every agent in the JVM.
 *
 * <p>Thread-safe: any thread may {@link #acquire()} and {@link Lease#close() release}. The factory
 * (with its network, signaling and worker threads) is created on the first acquire and disposed
 * when the last lease is released, so a JVM whose agents are all closed exits without native
 * callbacks racing the shutdown.
 */
public final class WebRtcRuntime {
  private static final Logger log = LoggerFactory.getLogger(WebRtcRuntime.class);

  private static final Object LOCK = new Object();
  private static PeerConnectionFactory factory;
  private static HeadlessAudioDeviceModule audioModule;
  private static int leases;

  private WebRtcRuntime() {}

  /** A claim on the shared factory; closing it releases the claim exactly once. */
  public static final class Lease implements AutoCloseable {
    private boolean closed;

    private Lease() {}

    /** The shared factory; valid until this lease is closed. */
    public PeerConnectionFactory factory() {
      synchronized (LOCK) {
        if (closed) {
          throw new IllegalStateException("lease already released");
        }
        return factory;
      }
    }

    @Override
    public void close() {
      synchronized (LOCK) {
        if (closed) {
          return;
        }
        closed = true;
        release();
      }
    }
  }

  /**
   * Claims the shared factory, creating it if no lease is held.
   *
   * @throws WebRtcUnavailableException if the native library cannot be loaded
   */
  public static Lease acquire() {
    synchronized (LOCK) {
      if (factory == null) {
        factory = createFactory();
      }
      leases++;
      return new Lease();
    }
  }

  /** Number of leases currently held (for tests and diagnostics). */
  static int leaseCount() {
    synchronized (LOCK) {
      return leases;
    }
  }

  private static void release() {
    leases--;
    if (leases == 0 && factory != null) {
      factory.dispose();
      audioModule.dispose();
      factory = null;
      audioModule = null;
      log.debug("WebRTC factory disposed");
    }
  }

  private static PeerConnectionFactory createFactory() {
    try {
      HeadlessAudioDeviceModule module = new HeadlessAudioDeviceModule();
      PeerConnectionFactory created = new PeerConnectionFactory(module);
      audioModule = module;
      log.debug("WebRTC factory created");
      return created;
    } catch (LinkageError | RuntimeException e) {
      // Log the linker's own words at DEBUG only: the operator needs one actionable sentence.
      log.debug("WebRTC native library failed to load", e);
      throw new WebRtcUnavailableException(explainLoadFailure(e));
    }
  }

  /** Turns a native-library load failure into one sentence saying what to install. */
  static String explainLoadFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && message.contains("libpulse")) {
        return "The WebRTC native library needs libpulse.so.0, which is missing:"
            + " install the Debian/Ubuntu package libpulse0 (apt-get install libpulse0)"
            + " or your distribution's PulseAudio client library.";
      }
    }
    String detail = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    return "The WebRTC native library (webrtc-java) could not be loaded on "
        + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
        + " (" + detail.strip() + "): check that the webrtc-java native jar for this platform is on"
        + " the class path.";
  }
}
