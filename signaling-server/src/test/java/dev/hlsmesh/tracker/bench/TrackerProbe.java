package dev.hlsmesh.tracker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
* Reads a tracker process's footprint from outside: RSS and CPU time from {@code /proc}, the heap
* after a full GC with {@code jcmd} for a JVM, or from the node reference's {@code /memory} URL.
*
* <p>Main thread only.
*/
final class TrackerProbe {

  /** Heap after a full GC; {@code maxBytes} is -1 when the runtime has no fixed maximum. */
  record Heap(long usedBytes, long maxBytes) {}

  private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");
  private static final Pattern MAX_HEAP = Pattern.compile("-XX:MaxHeapSize=(\\d+)");
  private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

  private final long pid;
  private final boolean jvm;
  private final String memoryUrl;
  private final long ticksPerSecond;

  private TrackerProbe(long pid, boolean jvm, String memoryUrl, long ticksPerSecond) {
    this.pid = pid;
    this.jvm = jvm;
    this.memoryUrl = memoryUrl;
    this.ticksPerSecond = ticksPerSecond;
  }

  /**
  * The tracker process: {@code pid} itself if it runs java or node, else its first descendant
  * that does (a launcher script may fork rather than exec).
  */
  static Optional<TrackerProbe> find(long pid, String memoryUrl) {
    if (pid <= 0) {
      return Optional.empty();
    }
    ProcessHandle root = ProcessHandle.of(pid).orElseThrow(
        () -> new IllegalArgumentException("--tracker-pid " + pid + ": no such process"));
    ProcessHandle process = isRuntime(root) ? root : root.descendants().filter(TrackerProbe::isRuntime)
        .findFirst().orElse(root);
    boolean jvm = process.info().command().map(c -> c.endsWith("java")).orElse(false);
    return Optional.of(new TrackerProbe(process.pid(), jvm, memoryUrl, ticksPerSecond()));
  }

  private static boolean isRuntime(ProcessHandle p) {
    return p.info().command().map(c -> c.endsWith("java") || c.endsWith("node")).orElse(false);
  }

  long pid() {
    return pid;
  }

  /** User + system CPU time consumed so far, in seconds. */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields[0] is field 3 of proc(5): utime is field 14, stime field 15
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) ticksPerSecond;
  }

  long rssBytes() throws IOException {
    Matcher m = RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
  }

  Heap heapAfterFullGc() throws IOException, InterruptedException {
    if (jvm) {
      run("jcmd", Long.toString(pid), "GC.run");
      long used = 0;
      Matcher m = HEAP_USED.matcher(run("jcmd", Long.toString(pid), "GC.heap_info")
          .lines().filter(l -> !l.contains("Metaspace") && !l.contains("class space"))
          .reduce("", (a, b) -> a + "\n" + b));
      while (m.find()) {
        used += Long.parseLong(m.group(2)) * 1024;
      }
      Matcher max = MAX_HEAP.matcher(run("jcmd", Long.toString(pid), "VM.flags"));
      return new Heap(used, max.find() ? Long.parseLong(max.group(1)) : -1);
    }
    if (!memoryUrl.isEmpty()) {
      // HTTP/1.1: the default h2c upgrade attempt would reach the WebSocket server instead.
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(memoryUrl))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException(memoryUrl + " answered " + response.statusCode() + ": " + response.body());
      }
      JsonNode memory = new ObjectMapper().readTree(response.body());
      return new Heap(memory.path("heapUsed").asLong(-1), -1);
    }
    return new Heap(-1, -1);
  }

  private static long ticksPerSecond() {
    try {
      return Long.parseLong(run("getconf", "CLK_TCK").trim());
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: "
          + new String(output, StandardCharsets.UTF_8));
    }
    return new String(output, StandardCharsets.UTF_8);
  }
}
