package dev.hlsmesh.cdn.hls;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code EXT-X-KEY} that applies to a segment. hlsmesh never decrypts: peers share the
 * encrypted bytes exactly as the CDN serves them, and the player fetches the key itself.
 *
 * @param method {@code METHOD} as written ({@code AES-128}, {@code SAMPLE-AES}, ...), never {@code NONE}
 * @param uri the key URL, resolved against the media playlist URL
 * @param iv {@code IV} as written ({@code 0x...})
 * @param keyFormat {@code KEYFORMAT}
 */
public record EncryptionKey(String method, Optional<URI> uri, Optional<String> iv, Optional<String> keyFormat) {

    public EncryptionKey {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(iv, "iv");
        Objects.requireNonNull(keyFormat, "keyFormat");
    }
}
