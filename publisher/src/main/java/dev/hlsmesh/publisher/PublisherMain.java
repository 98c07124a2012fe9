package dev.hlsmesh.publisher;

import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The publisher command, {@code bin/publisher}:
 * <pre>
 * publisher keygen --key-id ID [--out DIR]
 * publisher run --key FILE [--key-id ID] --dir DIR [--path-prefix /live/] [--once]
 * publisher run --key FILE [--key-id ID] --playlist URL --out DIR
 *   common: [--suffix .integrity] [--keep-old 10] [--interval-millis 500]
 * </pre>
 * {@code --once} makes one pass and exits, remembering nothing: its sidecar lists exactly the
 * playlist's segments (a running publisher also keeps {@code --keep-old} that left it).
 * Exit status 2 on bad arguments, 1 when the work cannot be done (unreadable key, directory,
 * playlist); {@code run} without {@code --once} runs until SIGTERM/SIGINT.
 */
public final class PublisherMain {
    static final String USAGE = """
            usage: publisher keygen --key-id ID [--out DIR]
                   publisher run --key FILE [--key-id ID] --dir DIR [--path-prefix /live/] [--once]
                   publisher run --key FILE [--key-id ID] --playlist URL --out DIR
              options of run: [--suffix .integrity] [--keep-old 10] [--interval-millis 500]""";

    private PublisherMain() {}

    public static void main(String[] args) throws InterruptedException {
        if (System.getProperty("logback.configurationFile") == null) {
            // Before the first logger exists: the command's logging, not a library default.
            System.setProperty("logback.configurationFile", "hlsmesh-publisher-logback.xml");
        }
        int status = run(args, System.out, System.err, Clock.systemUTC(), null);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the command.
     *
     * @param stop when non-null, a long-running {@code run} returns once it counts down (tests);
     *     otherwise it runs until the JVM is asked to stop
     * @return the exit status
     */
    static int run(String[] args, PrintStream out, PrintStream err, Clock clock, CountDownLatch stop)
            throws InterruptedException {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            (args.length == 0 ? err : out).println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--once")) {
                options.put(arg, "true");
            } else if (arg.startsWith("--") && i + 1 < args.length) {
                options.put(arg, args[++i]);
            } else {
                err.println("publisher: unexpected argument " + arg + "\n" + USAGE);
                return 2;
            }
        }
        try {
            switch (args[0]) {
                case "keygen":
                    return keygen(options, out, err);
                case "run":
                    return publish(options, out, err, clock, stop);
                default:
                    err.println("publisher: unknown command " + args[0] + "\n" + USAGE);
                    return 2;
            }
        } catch (UsageException e) {
            err.println("publisher: " + e.getMessage() + "\n" + USAGE);
            return 2;
        } catch (IOException | IllegalArgumentException e) {
            err.println("publisher: " + e.getMessage());
            return 1;
        }
    }

    private static int keygen(Map<String, String> options, PrintStream out, PrintStream err)
            throws UsageException, IOException {
        allow(options, "--key-id", "--out");
        String keyId = required(options, "--key-id");
        if (!IntegrityKeys.isValidKeyId(keyId)) {
            throw new UsageException("--key-id '" + keyId + "' (expected: 1..64 of A-Z a-z 0-9 . _ -)");
        }
        Path dir = Path.of(options.getOrDefault("--out", "."));
        Files.createDirectories(dir);
        Path privateFile = dir.resolve(keyId + ".key");
        Path publicFile = dir.resolve(keyId + ".pub");
        if (Files.exists(privateFile) || Files.exists(publicFile)) {
            throw new FileAlreadyExistsException(privateFile + " or " + publicFile + " exists; not overwriting a key");
        }
        KeyPair pair = IntegrityKeys.generate();
        Files.createFile(privateFile);
        try {
            Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            err.println("publisher: cannot restrict permissions of " + privateFile + " on this file system: protect it");
        }
        Files.writeString(privateFile, IntegrityKeys.privateKeyPem(pair.getPrivate()), StandardCharsets.US_ASCII);
        Files.writeString(publicFile, IntegrityKeys.publicKeyPem(pair.getPublic()), StandardCharsets.US_ASCII);
        out.println("private key (keep secret, for the publisher): " + privateFile);
        out.println("public key: " + publicFile);
        out.println("agent configuration (AgentConfig.integrityPublicKeys):");
        out.println("  " + keyId + ": " + IntegrityKeys.publicKeyBase64(pair.getPublic()));
        return 0;
    }

    private static int publish(Map<String, String> options, PrintStream out, PrintStream err, Clock clock,
            CountDownLatch stop) throws UsageException, IOException, InterruptedException {
        allow(options, "--key", "--key-id", "--dir", "--path-prefix", "--once", "--playlist", "--out", "--suffix",
                "--keep-old", "--interval-millis");
        Path keyFile = Path.of(required(options, "--key"));
        String keyId = options.get("--key-id");
        if (keyId == null) {
            String name = keyFile.getFileName().toString();
            keyId = name.endsWith(".key") ? name.substring(0, name.length() - 4) : name;
        }
        if (!IntegrityKeys.isValidKeyId(keyId)) {
            throw new UsageException("key id '" + keyId + "' (expected: 1..64 of A-Z a-z 0-9 . _ -; set --key-id)");
        }
        PrivateKey key;
        try {
            key = IntegrityKeys.parsePrivateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException(keyFile + ": " + e.getMessage());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(keyFile + ": no such key file (make one with: publisher keygen --key-id ID)");
        }
        String suffix = options.getOrDefault("--suffix", ".integrity");
        if (suffix.isEmpty() || suffix.contains("/")) {
            throw new UsageException("--suffix '" + suffix + "' (expected: non-empty, no /)");
        }
        int keepOld = (int) number(options, "--keep-old", 10, 0, 1000);
        long intervalMillis = number(options, "--interval-millis", 500, 50, 60_000);
        SidecarWriter writer = new SidecarWriter(key);
        boolean dirMode = options.containsKey("--dir");
        if (dirMode == options.containsKey("--playlist")) {
            throw new UsageException("give exactly one of --dir and --playlist");
        }
        if (dirMode) {
            if (options.containsKey("--out")) {
                throw new UsageException("--out goes with --playlist (with --dir sidecars are written next to the playlists)");
            }
            Path dir = Path.of(options.get("--dir"));
            if (!Files.isDirectory(dir)) {
                throw new IOException(dir + " is not a directory");
            }
            DirectoryPublisher publisher = new DirectoryPublisher(dir, options.getOrDefault("--path-prefix", "/"), suffix,
                    keyId, keepOld, writer, clock);
            if (options.containsKey("--once")) {
                out.println("sidecars written: " + publisher.publishOnce());
                return 0;
            }
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("publisher"));
            timer.scheduleWithFixedDelay(() -> {
                try {
                    publisher.publishOnce();
                } catch (IOException | RuntimeException e) {
                    err.println("publisher: " + e.getMessage());
                }
            }, 0, intervalMillis, TimeUnit.MILLISECONDS);
            out.println("publisher: following " + dir.toAbsolutePath() + " (key id " + keyId + ")");
            awaitStop(stop);
            timer.shutdownNow();
            return 0;
        }
        if (options.containsKey("--once") || options.containsKey("--path-prefix")) {
            throw new UsageException("--once and --path-prefix go with --dir");
        }
        URI url = URI.create(required(options, "--playlist"));
        Path outDir = Path.of(required(options, "--out"));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("publisher-timer"));
        ExecutorService worker = Executors.newSingleThreadExecutor(daemon("publisher"));
        try (CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults());
                UrlPublisher publisher = new UrlPublisher(fetcher, outDir, suffix, keyId, keepOld, writer, clock,
                        TaskScheduler.of(timer), worker)) {
            List<URI> followed = publisher.start(url);
            out.println("publisher: following " + followed + " into " + outDir.toAbsolutePath() + " (key id " + keyId + ")");
            awaitStop(stop);
        } finally {
            timer.shutdownNow();
            worker.shutdownNow();
        }
        return 0;
    }

    private static void awaitStop(CountDownLatch stop) throws InterruptedException {
        CountDownLatch latch = stop != null ? stop : new CountDownLatch(1);
        if (stop == null) {
            Runtime.getRuntime().addShutdownHook(new Thread(latch::countDown, "publisher-stop"));
        }
        latch.await();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void allow(Map<String, String> options, String... names) throws UsageException {
        Set<String> allowed = Set.of(names);
        for (String name : options.keySet()) {
            if (!allowed.contains(name)) {
                throw new UsageException("unknown option " + name);
            }
        }
    }

    private static String required(Map<String, String> options, String name) throws UsageException {
        String value = options.get(name);
        if (value == null) {
            throw new UsageException("missing " + name);
        }
        return value;
    }

    private static long number(Map<String, String> options, String name, long defaultValue, long min, long max)
            throws UsageException {
        String value = options.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(name + " " + value + " (expected: " + min + ".." + max + ")");
    }

    private static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
