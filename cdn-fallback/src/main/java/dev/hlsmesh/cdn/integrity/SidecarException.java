package dev.hlsmesh.cdn.integrity;

/** A sidecar that cannot be trusted: malformed, not canonical, unsigned, badly signed, or for another stream. */
public final class SidecarException extends Exception {
    private static final long serialVersionUID = 1L;

    public SidecarException(String message) {
        super(message);
    }
}
