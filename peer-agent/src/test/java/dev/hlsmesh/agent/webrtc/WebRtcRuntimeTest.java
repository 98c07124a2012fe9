package dev.hlsmesh.agent.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WebRtcRuntimeTest {
  @Test
  void missingLibpulseIsExplainedInOneSentenceNamingThePackage() {
    Throwable failure = new RuntimeException("Load library 'webrtc-java' failed",
        new UnsatisfiedLinkError("/tmp/webrtc-java-linux-x86_64.so: libpulse.so.0: cannot open shared object file"));
    String message = WebRtcRuntime.explainLoadFailure(failure);
    assertThat(message).contains("libpulse0").contains("apt-get install libpulse0").doesNotContain("\n");
    assertThat(message).as("one sentence").endsWith(".").doesNotContain(". ");
  }

  @Test
  void otherLoadFailuresNameThePlatform() {
    String message = WebRtcRuntime.explainLoadFailure(new UnsatisfiedLinkError("no webrtc-java in java.library.path"));
    assertThat(message).contains(System.getProperty("os.arch")).contains("no webrtc-java");
  }

  @Test
  void factoryIsSharedWhileLeasedAndRecreatedAfterRelease() {
    try (WebRtcRuntime.Lease first = WebRtcRuntime.acquire(); WebRtcRuntime.Lease second = WebRtcRuntime.acquire()) {
      assertThat(first.factory()).isSameAs(second.factory());
      assertThat(WebRtcRuntime.leaseCount()).isGreaterThanOrEqualTo(2);
    }
    try (WebRtcRuntime.Lease again = WebRtcRuntime.acquire()) {
      assertThat(again.factory()).isNotNull();
    }
  }
}
