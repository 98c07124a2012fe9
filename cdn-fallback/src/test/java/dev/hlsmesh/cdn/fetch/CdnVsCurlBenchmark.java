package dev.hlsmesh.cdn.fetch;

import dev.hlsmesh.testsupport.HlsClip;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Benchmark (not a test): time to first byte and throughput of fetching the shipped clip from a
 * local HTTP server, with curl and with Java clients, in the same run. Run by
 * {@code bench/cdn-vs-curl.sh}, which starts nginx and passes its base URL.
 *
 * <p>Two workloads, each fetched sequentially, one request at a time, by each client:
 * <ul>
 *   <li><b>segments</b>: the clip's 16 segments (both variants, 112-281 kB each), one round
 *       fetching all of them once;
 *   <li><b>bulk</b>: one 32 MiB body ({@code /bulk.ts}), one round fetching it once.
 * </ul>
 * Rounds alternate between clients so that a change in machine load hits all of them alike;
 * the first rounds of each client warm up (JIT, connection pool) and are not counted. The Java
 * clients keep their connection across rounds; curl runs once per round (all of the round's
 * URLs on one connection), so its first request of a round includes connecting. Reported are
 * medians over requests of the time to first byte and of the throughput (body bytes over the
 * request's total time). Time to first byte runs from sending the request to the first body
 * byte reaching the caller for the Java clients, and is curl's {@code time_starttransfer}.
 *
 * <p>Single-threaded driver; each client runs one request at a time.
 */
public final class CdnVsCurlBenchmark {

  private static final int WARMUP_ROUNDS = 10;
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private CdnVsCurlBenchmark() {}

  /** One finished request: nanoseconds to first body byte and to the end, and bytes received. */
  record Sample(long firstByteNanos, long totalNanos, long bytes) {}

  /** A way of fetching URLs one after the other. */
  interface Client extends AutoCloseable {
    String name();

    /** Fetches every URL in order over a kept-alive connection; one sample per URL. */
    List<Sample> fetchAll(List<URI> uris) throws Exception;

    @Override
    default void close() {}
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: CdnVsCurlBenchmark BASE_URL [ROUNDS]   (see bench/cdn-vs-curl.sh)");
      System.exit(2);
    }
    URI base = URI.create(args[0].endsWith("/") ? args[0] : args[0] + "/");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;

    List<URI> segments = new ArrayList<>();
    for (HlsClip.Variant v : HlsClip.bundled().variants().values()) {
      for (HlsClip.Segment s : v.segments()) {
        segments.add(base.resolve("clip/" + v.name() + "/" + s.fileName()));
      }
    }
    Map<String, List<URI>> workloads = new LinkedHashMap<>();
    workloads.put("segments", segments);
    workloads.put("bulk 32 MiB", List.of(base.resolve("bulk.ts")));

    List<Client> clients = List.of(new Curl(), new UrlConnection(), new RawHttpClient(), new Fetcher(base));
    try {
      StringBuilder table = new StringBuilder();
      table.append("| workload | client | TTFB median (ms) | TTFB p90 (ms) | throughput median (MB/s) "
          + "| TTFB vs curl | throughput vs curl |\n");
      table.append("|---|---|---:|---:|---:|---:|---:|\n");
      for (Map.Entry<String, List<URI>> workload : workloads.entrySet()) {
        List<URI> uris = workload.getValue();
        List<List<Sample>> perClient = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
          perClient.add(new ArrayList<>());
        }
        for (int round = 0; round < WARMUP_ROUNDS + rounds; round++) {
          for (int c = 0; c < clients.size(); c++) {
            List<Sample> samples = clients.get(c).fetchAll(uris);
            check(clients.get(c), uris, samples);
            if (round >= WARMUP_ROUNDS) {
              perClient.get(c).addAll(samples);
            }
          }
        }
        double curlTtfb = 0;
        double curlThroughput = 0;
        for (int c = 0; c < clients.size(); c++) {
          double[] ttfbMillis = perClient.get(c).stream().mapToDouble(s -> s.firstByteNanos() / 1e6).toArray();
          double[] megabytesPerSecond = perClient.get(c).stream()
              .mapToDouble(s -> s.bytes() / (s.totalNanos() / 1e9) / 1e6).toArray();
          double ttfb = percentile(ttfbMillis, 50);
          double throughput = percentile(megabytesPerSecond, 50);
          if (c == 0) {
            curlTtfb = ttfb;
            curlThroughput = throughput;
          }
          table.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.1f | %s | %s |%n",
              workload.getKey(), clients.get(c).name(), ttfb, percentile(ttfbMillis, 90), throughput,
              c == 0 ? "—" : String.format(Locale.ROOT, "%.2fx", ttfb / curlTtfb),
              c == 0 ? "—" : String.format(Locale.ROOT, "%.0f%%", 100 * throughput / curlThroughput)));
        }
        System.err.println("done: " + workload.getKey());
      }
      System.out.print(table);
      System.out.printf(Locale.ROOT, "%n%d measured rounds per client and workload after %d warm-up rounds, "
          + "clients interleaved round by round; medians over requests "
          + "(segments: %d requests of 112-281 kB per round; bulk: 1 request per round).%n",
          rounds, WARMUP_ROUNDS, segments.size());
    } finally {
      for (Client client : clients) {
        client.close();
      }
    }
  }

  private static void check(Client client, List<URI> uris, List<Sample> samples) {
    if (samples.size() != uris.size() || samples.stream().anyMatch(s -> s.bytes() <= 0)) {
      throw new IllegalStateException(client.name() + ": incomplete round: " + samples);
    }
  }

  private static double percentile(double[] values, int percent) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    if (percent == 50 && sorted.length % 2 == 0) {
      return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
    int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /** curl 7.x: one process per round, all URLs on one connection, its own per-transfer timings. */
  static final class Curl implements Client {
    @Override
    public String name() {
      return "curl";
    }

    @Override
    public List<Sample> fetchAll(List<URI> uris) throws IOException, InterruptedException {
      List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--fail", "--http1.1",
          "--write-out", "%{time_starttransfer} %{time_total} %{size_download}\\n"));
      for (URI uri : uris) {
        command.add("--output");
        command.add("/dev/null");
        command.add(uri.toString());
      }
      Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      List<Sample> samples = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
        for (String line; (line = out.readLine()) != null; ) {
          String[] f = line.trim().split(" ");
          samples.add(new Sample(secondsToNanos(f[0]), secondsToNanos(f[1]), Long.parseLong(f[2])));
        }
      }
      if (process.waitFor() != 0) {
        throw new IOException("curl exited with " + process.exitValue());
      }
      return samples;
    }

    private static long secondsToNanos(String seconds) {
      return Math.round(Double.parseDouble(seconds) * 1e9);
    }
  }

  /**
   * A control, not a candidate: the JDK's blocking {@link HttpURLConnection} (kept-alive
   * connections, one thread, no hand-offs). It separates what the JVM costs from what
   * java.net.http's asynchronous design costs.
   */
  static final class UrlConnection implements Client {
    private final byte[] buffer = new byte[64 * 1024];

    @Override
    public String name() {
      return "HttpURLConnection (control)";
    }

    @Override
    public List<Sample> fetchAll(List<URI> uris) throws IOException {
      List<Sample> samples = new ArrayList<>();
      for (URI uri : uris) {
        long start = System.nanoTime();
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        long firstByte = 0;
        long bytes = 0;
        try (InputStream in = connection.getInputStream()) {
          if (connection.getResponseCode() != 200) {
            throw new IOException(uri + ": HTTP " + connection.getResponseCode());
          }
          for (int n; (n = in.read(buffer)) >= 0; ) {
            if (bytes == 0 && n > 0) {
              firstByte = System.nanoTime();
            }
            bytes += n;
          }
        }
        samples.add(new Sample(firstByte - start, System.nanoTime() - start, bytes));
      }
      return samples;
    }
  }

  /**
   * java.net.http.HttpClient used the way the fetcher uses it: HTTP/2 preferred (plain-text
   * servers answer HTTP/1.1), a streaming body subscriber taking one buffer list at a time.
   */
  static final class RawHttpClient implements Client {
    private final HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_2)
        .connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();

    @Override
    public String name() {
      return "java.net.http.HttpClient";
    }

    @Override
    public List<Sample> fetchAll(List<URI> uris) throws Exception {
      List<Sample> samples = new ArrayList<>();
      for (URI uri : uris) {
        long start = System.nanoTime();
        StreamingSubscriber body = new StreamingSubscriber();
        HttpResponse<Long> response = client.sendAsync(HttpRequest.newBuilder(uri).GET().build(), info -> body)
            .get();
        long end = System.nanoTime();
        if (response.statusCode() != 200) {
          throw new IOException(uri + ": HTTP " + response.statusCode());
        }
        samples.add(new Sample(body.firstByteNanos - start, end - start, response.body()));
      }
      return samples;
    }

    /** Counts the bytes as they arrive, asking for one buffer list at a time. */
    private static final class StreamingSubscriber implements HttpResponse.BodySubscriber<Long> {
      private final CompletableFuture<Long> result = new CompletableFuture<>();
      private Flow.Subscription subscription;
      private long bytes;
      volatile long firstByteNanos;

      @Override
      public CompletionStage<Long> getBody() {
        return result;
      }

      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
      }

      @Override
      public void onNext(List<ByteBuffer> item) {
        if (bytes == 0) {
          firstByteNanos = System.nanoTime();
        }
        for (ByteBuffer b : item) {
          bytes += b.remaining();
        }
        subscription.request(1);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        result.complete(bytes);
      }
    }
  }

  /** hlsmesh's {@link CdnFetcher} with the benchmark server as its only CDN. */
  static final class Fetcher implements Client {
    private final CdnFetcher fetcher;

    Fetcher(URI base) {
      fetcher = CdnFetcher.create(dev.hlsmesh.cdn.CdnConfig.builder().cdnBaseUrls(List.of(base)).build());
    }

    @Override
    public String name() {
      return "hlsmesh CdnFetcher";
    }

    @Override
    public List<Sample> fetchAll(List<URI> uris) {
      List<Sample> samples = new ArrayList<>();
      for (URI uri : uris) {
        long[] firstByteAt = {0};
        long start = System.nanoTime();
        Fetch fetch = fetcher.fetch(FetchRequest.of(uri, DEADLINE), chunk -> {
          if (firstByteAt[0] == 0 && chunk.hasRemaining()) {
            firstByteAt[0] = System.nanoTime();
          }
        });
        FetchResult result = fetch.result().join();
        long end = System.nanoTime();
        if (!(result instanceof FetchResult.Completed completed)) {
          throw new UncheckedIOException(new IOException(uri + ": " + result));
        }
        samples.add(new Sample(firstByteAt[0] - start, end - start, completed.bytesDelivered()));
      }
      return samples;
    }

    @Override
    public void close() {
      fetcher.close();
    }
  }
}
