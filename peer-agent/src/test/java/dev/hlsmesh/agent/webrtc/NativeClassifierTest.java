package dev.hlsmesh.agent.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The agent's dependency brings exactly one webrtc-java native jar, the one of the platform the
 * build runs on (webrtc-java's own POM selects it by os.name and os.arch), with no classifier
 * named by hlsmesh and no exclusion.
 */
class NativeClassifierTest {
  private static final Pattern NATIVE_JAR = Pattern.compile("webrtc-java-[0-9.]+-([a-z0-9_]+-[a-z0-9_]+)\\.jar");

  /** webrtc-java's classifier for this JVM's platform, as its parent POM's profiles name them. */
  static String expectedClassifier() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String family = os.startsWith("windows") ? "windows" : os.startsWith("mac") ? "macos" : "linux";
    String cpu = switch (arch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      case "arm", "aarch32" -> "aarch32";
      default -> arch;
    };
    return family + "-" + cpu;
  }

  @Test
  void theClassPathHoldsTheNativeJarOfThisPlatformOnly() {
    String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
    var classifiers = Arrays.stream(entries)
        .map(entry -> NATIVE_JAR.matcher(new File(entry).getName()))
        .filter(Matcher::matches)
        .map(m -> m.group(1))
        .toList();

    assertThat(classifiers).containsExactly(expectedClassifier());
  }
}
