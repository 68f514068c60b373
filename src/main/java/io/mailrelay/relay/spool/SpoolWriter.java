package io.mailrelay.relay.spool;

import java.io.IOException;
import java.io.OutputStream;

/** One message being written into the spool; see {@link MessageSpool}. */
public interface SpoolWriter extends AutoCloseable {

    /**
     * Where the message goes, byte for byte as it will be delivered: the relay's Received: header
     * first, then the client's data after dot-unstuffing, lines ending in CRLF, without the final dot.
     */
    OutputStream body();

    /** Makes the message durable (data and directory fsynced) and visible to delivery; returns its id. */
    default String commit() throws IOException {
        return commit(MessageStamp.NONE);
    }

    /** {@link #commit()}, with the fields {@code stamp} computes from the whole message put in front of it. */
    String commit(MessageStamp stamp) throws IOException;

    /** Discards the message (size limit exceeded, client gone, policy): nothing of it is kept. */
    void abort();

    /** Aborts unless committed. */
    @Override
    void close();
}
