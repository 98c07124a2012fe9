package dev.hlsmesh.e2e.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hlsmesh.testsupport.ChromeDriver;
import dev.hlsmesh.testsupport.StaticFileServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser integrity module (web/segment-integrity) in Chromium gives the Java reader's
 * verdict on every shared sidecar vector (web/segment-integrity/test/vectors.json, generated
 * from SidecarCodec by cdn-fallback's SidecarVectorsTest): WebCrypto's Ed25519 and SHA-256, and
 * the same format rules, as a browser runs them.
 */
class SegmentIntegrityBrowserTest {

  @Test
  void theModuleAgreesWithTheJavaReaderOnEverySharedVectorInChromium(@TempDir Path tmp) throws Exception {
    ChromeDriver.skipReason().ifPresent(reason -> assumeTrue(false, reason));
    try (StaticFileServer pages = BrowserViewer.pageServer();
        ChromeDriver chrome = ChromeDriver.start(tmp.resolve("profile"), 800, 600, List.of())) {
      chrome.open(pages.uri("/web/segment-integrity/package.json"));
      JsonNode result = chrome.execute("""
          return (async () => {
            const { checkVectors } = await import("/web/segment-integrity/test/check-vectors.js");
            const vectors = await (await fetch("/web/segment-integrity/test/vectors.json")).json();
            return await checkVectors(vectors);
          })();""");
      assertThat(result.path("disagreements")).as("%s", result.path("results")).isEmpty();
      assertThat(result.path("cases").asInt()).isGreaterThanOrEqualTo(29);
      assertThat(result.path("results").findValuesAsText("name")).hasSize(result.path("cases").asInt());
    }
  }
}
