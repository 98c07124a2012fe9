package dev.hlsmesh.cdn.hls;

import java.net.URI;

/** A playlist could not be parsed; the message names the playlist URL and what was wrong. */
public final class PlaylistParseException extends Exception {

    private static final long serialVersionUID = 1L;

    PlaylistParseException(URI playlistUri, String problem, Throwable cause) {
        super(playlistUri + ": " + problem, cause);
    }
}
