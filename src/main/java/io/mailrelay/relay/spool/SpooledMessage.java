package io.mailrelay.relay.spool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A committed message as delivery sees it. The bytes stay on disk: {@link #openBody()} streams them.
 *
 * @param id queue id
 * @param envelope the envelope as accepted
 * @param state delivery progress
 * @param file the spool file (envelope line, then the body from {@code bodyOffset})
 * @param bodyOffset where the message bytes start in {@code file}
 */
public record SpooledMessage(String id, Envelope envelope, DeliveryState state, Path file, long bodyOffset) {

    public SpooledMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(state, "state");
    }

    /** The message bytes exactly as they will be delivered. */
    public InputStream openBody() throws IOException {
        InputStream in = Files.newInputStream(file);
        in.skipNBytes(bodyOffset);
        return in;
    }

    public long bodySize() throws IOException {
        return Files.size(file) - bodyOffset;
    }

    public SpooledMessage withState(DeliveryState newState) {
        return new SpooledMessage(id, envelope, newState, file, bodyOffset);
    }
}
