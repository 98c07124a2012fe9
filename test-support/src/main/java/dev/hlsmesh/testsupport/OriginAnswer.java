package dev.hlsmesh.testsupport;

import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What a test origin answers to a request path, as {@link OriginHandler} sends it: a resource,
 * a resource still being produced, a status, or a request held until one of those is ready
 * (LL-HLS blocking playlist reload). Immutable.
 */
sealed interface OriginAnswer {

  /** The answer for a resource, or {@link #NOT_FOUND} for null. */
  static OriginAnswer of(Resource resource) {
    return resource == null ? NOT_FOUND : new Found(resource);
  }

  OriginAnswer NOT_FOUND = new Status(404);

  /** A whole resource. */
  record Found(Resource resource) implements OriginAnswer {
    public Found {
      Objects.requireNonNull(resource, "resource");
    }
  }

  /**
   * A resource whose bytes are produced while it is sent (an LL-HLS part being encoded): its
   * length is known and declared, its bytes are sent as {@code availableBytes} (the count from
   * the resource's first byte, read on the event loop) grows to the whole length.
   */
  record Growing(Resource resource, LongSupplier availableBytes) implements OriginAnswer {
    public Growing {
      Objects.requireNonNull(resource, "resource");
      Objects.requireNonNull(availableBytes, "availableBytes");
    }
  }

  /** A status with a short text body (404 not there, 400 bad request, 503 blocked too long). */
  record Status(int statusCode) implements OriginAnswer {}

  /**
   * Not answerable yet: {@code poll} is called on the connection's event loop every few
   * milliseconds until it returns the answer (never another {@code Held}) instead of null.
   */
  record Held(Supplier<OriginAnswer> poll) implements OriginAnswer {
    public Held {
      Objects.requireNonNull(poll, "poll");
    }
  }

  /** A body and its media type. */
  record Resource(byte[] bytes, String contentType) {
    static final String PLAYLIST = "application/vnd.apple.mpegurl";
    static final String SEGMENT = "video/mp2t";

    public Resource {
      Objects.requireNonNull(bytes, "bytes");
      Objects.requireNonNull(contentType, "contentType");
    }
  }
}
