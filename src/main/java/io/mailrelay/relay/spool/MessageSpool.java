package io.mailrelay.relay.spool;

import java.io.IOException;

/**
 * Durable storage of accepted messages, the contract between the SMTP server (which writes) and the
 * delivery workers (which read, retry and remove).
 *
 * <p>The server calls {@link #create(Envelope)} when DATA starts, streams the message bytes into
 * {@link SpoolWriter#body()}, and answers 250 only after {@link SpoolWriter#commit()} returned: at
 * that point envelope and bytes are on disk and fsynced, so a crash (kill -9, power loss) cannot lose
 * the message. Anything not committed is invisible to delivery and removed by {@link SpoolWriter#abort()}
 * or at the next start.
 *
 * <p>Blocking I/O: never call these methods on a Netty event-loop thread.
 */
public interface MessageSpool {

    SpoolWriter create(Envelope envelope) throws IOException;

    /** Number of committed messages not yet delivered or bounced. */
    int depth();

    /**
     * Bytes still free for the spool (its file system's usable space): below {@code spool.minFreeSpace} the
     * server refuses new mail rather than leave a half-written file. A cheap system call (statvfs).
     */
    long usableSpace() throws IOException;
}
