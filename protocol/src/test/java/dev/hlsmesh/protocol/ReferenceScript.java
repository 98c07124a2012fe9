package dev.hlsmesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Node script under interop/ that runs reference JavaScript code (installed by bin/setup into
 * interop/node_modules) and answers one JSON request line with one JSON reply line. Test helper;
 * one owner thread.
 *
 * <p>When Node or the npm package is missing the calling test is skipped, except under CI
 * ({@code CI=true}), where that is a setup failure.
 */
public final class ReferenceScript implements AutoCloseable {
  // Non-ASCII is written as JSON unicode escapes, so that lone surrogates reach the script intact.
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .build();

  private final Process process;
  private final Writer requests;
  private final BufferedReader replies;

  private ReferenceScript(Process process) {
    this.process = process;
    this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  /**
   * Starts {@code interop/<script>}, or skips the test if it cannot run here.
   *
   * @param script      the script file name in interop/
   * @param npmPackage  the package it needs in interop/node_modules
   */
  public static ReferenceScript startOrSkip(String script, String npmPackage) throws IOException {
    Optional<String> unavailable = unavailableReason(npmPackage);
    if (unavailable.isPresent() && "true".equals(System.getenv("CI"))) {
      fail("reference " + npmPackage + " unavailable under CI: " + unavailable.get());
    }
    assumeTrue(unavailable.isEmpty(), () -> "reference " + npmPackage + " skipped: " + unavailable.orElse(""));
    Process process = new ProcessBuilder(findNode().orElseThrow().toString(), script)
        .directory(interopDir().toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    return new ReferenceScript(process);
  }

  /** Sends one request and returns the reply; fails the test if the script reported an error. */
  public JsonNode ask(JsonNode request) throws IOException {
    requests.write(JSON.writeValueAsString(request));
    requests.write('\n');
    requests.flush();
    String line = replies.readLine();
    assertThat(line).as("reply from the reference to %s", request).isNotNull();
    JsonNode reply = JSON.readTree(line);
    assertThat(reply.has("error")).as("reference failed on %s: %s", request, reply).isFalse();
    return reply;
  }

  @Override
  public void close() throws Exception {
    requests.close();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private static Optional<String> unavailableReason(String npmPackage) {
    if (findNode().isEmpty()) {
      return Optional.of("node is not installed (bin/setup installs nodejs)");
    }
    if (!Files.isDirectory(interopDir().resolve("node_modules").resolve(npmPackage))) {
      return Optional.of("interop/node_modules/" + npmPackage + " is missing: run bin/setup");
    }
    return Optional.empty();
  }

  private static Path interopDir() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("interop"))) {
      dir = dir.getParent();
    }
    return dir == null ? Path.of("interop") : dir.resolve("interop");
  }

  private static Optional<Path> findNode() {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(entry, "node");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
