package dev.hlsmesh.agent.integrity;

import java.net.URI;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * What the verifier asks of the CDN; {@link SegmentVerifier#create} backs it with the agent's
 * CDN fetcher, tests with fakes. Implementations never block and never fail their futures.
 */
interface CdnAccess {
  /** The body of a small resource; empty when the CDN answers 404 (not published). */
  CompletableFuture<Result> get(URI uri);

  /** The size of a resource as the CDN reports it (Content-Length of a HEAD); empty if unknown. */
  CompletableFuture<OptionalLong> size(URI uri);

  /** A small resource's fetch outcome: its bytes, not published (404), or another failure. */
  record Result(Optional<byte[]> body, boolean notFound, String failure) {
    static Result of(byte[] body) {
      return new Result(Optional.of(body), false, null);
    }

    static Result missing() {
      return new Result(Optional.empty(), true, null);
    }

    static Result failed(String failure) {
      return new Result(Optional.empty(), false, failure);
    }
  }
}
