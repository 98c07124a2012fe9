package dev.hlsmesh.cdn.hls;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * {@code EXT-X-SERVER-CONTROL}: what the server offers a client of a live playlist.
 *
 * @param canBlockReload {@code CAN-BLOCK-RELOAD=YES}: it holds a reload with {@code _HLS_msn}
 *     (and {@code _HLS_part}) until the playlist holds that segment (part)
 * @param holdBackSeconds {@code HOLD-BACK}: how far from the live edge a client should play
 * @param partHoldBackSeconds {@code PART-HOLD-BACK}: the same when playing parts
 * @param canSkipUntilSeconds {@code CAN-SKIP-UNTIL}: delta updates offered (not used by hlsmesh)
 */
public record ServerControl(
        boolean canBlockReload,
        OptionalDouble holdBackSeconds,
        OptionalDouble partHoldBackSeconds,
        OptionalDouble canSkipUntilSeconds) {

    /** No {@code EXT-X-SERVER-CONTROL} tag: nothing offered. */
    public static final ServerControl NONE =
            new ServerControl(false, OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty());

    public ServerControl {
        Objects.requireNonNull(holdBackSeconds, "holdBackSeconds");
        Objects.requireNonNull(partHoldBackSeconds, "partHoldBackSeconds");
        Objects.requireNonNull(canSkipUntilSeconds, "canSkipUntilSeconds");
    }
}
