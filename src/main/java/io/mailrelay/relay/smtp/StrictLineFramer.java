package io.mailrelay.relay.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.LineBasedFrameDecoder;

/**
 * Splits input at LF and keeps the line ending, so that the handlers behind it can see (and refuse)
 * bare LF and bare CR. Longer lines than RFC 5321's 1000 octets (CRLF included) fail the frame.
 */
final class StrictLineFramer extends LineBasedFrameDecoder {

    StrictLineFramer() {
        super(Lines.MAX_TEXT_LINE - 2, false, false);
    }

    /**
     * Drops every byte received but not yet framed. Called right after STARTTLS was answered: anything
     * the client pipelined behind STARTTLS arrived in clear text and must not be read as if it had been
     * sent inside TLS (CVE-2011-0411 class).
     */
    void discardBuffered() {
        ByteBuf buffered = internalBuffer();
        buffered.skipBytes(buffered.readableBytes());
    }
}
