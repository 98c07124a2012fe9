package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page server of the browser tests: mounts, content types, and nothing outside a mount. */
class StaticFileServerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void servesFilesUnderTheLongestMatchingPrefixWithTheirTypesAndNothingElse(@TempDir Path tmp) throws Exception {
    Path web = Files.createDirectories(tmp.resolve("web"));
    Path modules = Files.createDirectories(tmp.resolve("modules/pkg/dist"));
    Files.writeString(web.resolve("index.html"), "<p>hi</p>");
    Files.writeString(modules.resolve("a.mjs"), "export default 1;");
    Files.writeString(tmp.resolve("secret.txt"), "secret");
    try (StaticFileServer server = StaticFileServer.start(Map.of("/", web, "/node_modules/", tmp.resolve("modules")))) {
      HttpResponse<String> page = get(server.uri("/index.html"));
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).isEqualTo("<p>hi</p>");
      assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
      HttpResponse<String> module = get(server.uri("/node_modules/pkg/dist/a.mjs"));
      assertThat(module.body()).isEqualTo("export default 1;");
      assertThat(module.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");

      assertThat(get(server.uri("/missing.html")).statusCode()).isEqualTo(404);
      assertThat(get(server.uri("/node_modules/pkg")).statusCode()).as("a directory").isEqualTo(404);
      assertThat(get(URI.create(server.uri("/").toString() + "%2e%2e/secret.txt")).statusCode()).isEqualTo(404);
      assertThat(get(server.uri("/node_modules/../../secret.txt")).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void refusesPrefixesThatAreNotDirectoryPaths(@TempDir Path tmp) {
    assertThatThrownBy(() -> StaticFileServer.start(Map.of("web", tmp))).hasMessageContaining("expected: /.../");
    assertThatThrownBy(() -> StaticFileServer.start(Map.of("/web/", tmp.resolve("none")))).hasMessageContaining("not a directory");
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }
}
