package io.mailrelay.relay.spool;

import java.io.IOException;
import java.io.InputStream;

/**
 * Header fields computed from a complete message and put in front of it when it is committed (the DKIM signature):
 * the message's own bytes are left as they were spooled.
 */
@FunctionalInterface
public interface MessageStamp {
    MessageStamp NONE = message -> new byte[0];

    /**
     * @param message the message as spooled (the relay's Received: first), read once
     * @return header fields ending in CRLF, or no bytes for none
     */
    byte[] fields(InputStream message) throws IOException;
}
