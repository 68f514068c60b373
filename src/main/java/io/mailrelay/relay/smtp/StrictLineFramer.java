package io.mailrelay.relay.smtp;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Splits input at LF and keeps the line ending, so that the handlers behind it can see (and refuse)
 * bare LF and bare CR. The longest line depends on the session's state: RFC 5321's 1000 octets (CRLF
 * included) for commands, {@code limits.maxLineLength} for message data, where generated HTML has longer
 * lines. Lines are passed on as read, never folded. Nothing is allocated up front: a line is held in the
 * decoder's cumulation buffer only while it is incomplete, so idle connections cost no line buffer.
 */
final class StrictLineFramer extends ByteToMessageDecoder {
    private final int maxDataLine;
    private boolean inData;
    /** Bytes from the reader index already searched for LF: a long line is not searched again per read. */
    private int scanned;
    private boolean failed;

    /** @param maxDataLine the longest line of message data, CRLF included */
    StrictLineFramer(int maxDataLine) {
        this.maxDataLine = maxDataLine;
        // a read nearly always ends inside a line, so the cumulation buffer lives on: with Netty's default (the
        // framed bytes discarded every 16 reads) it grew to 2 MiB per session of message data, beyond the direct
        // memory of a 128Mi pod under 4 x 20 MB at once (OutOfMemoryError: Cannot reserve 2097152 bytes of direct
        // buffer memory). After every read only the unframed tail is kept (moved to the front once past half).
        setDiscardAfterReads(1);
    }

    /** Lines from now on are message data (after 354); on the event loop. */
    void expectData() {
        inData = true;
    }

    /** Lines from now on are commands (after the end of data); on the event loop. */
    void expectCommands() {
        inData = false;
    }

    boolean inData() {
        return inData;
    }

    int limit() {
        return inData ? maxDataLine : Lines.MAX_TEXT_LINE;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws TooLongFrameException {
        if (failed) { // the session is being closed: whatever follows is not read
            in.skipBytes(in.readableBytes());
            return;
        }
        int start = in.readerIndex();
        int eol = in.indexOf(start + scanned, in.writerIndex(), (byte) '\n');
        int length = eol < 0 ? in.readableBytes() : eol + 1 - start;
        if (length > limit()) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw new TooLongFrameException("line longer than " + limit() + " octets");
        }
        if (eol < 0) {
            scanned = length;
            return;
        }
        scanned = 0;
        out.add(in.readRetainedSlice(length));
    }

    /** The capacity of the buffer holding the unframed bytes (0 when none): what a session's input costs now. */
    int bufferCapacity() {
        return internalBuffer().capacity();
    }

    /**
     * Drops every byte received but not yet framed. Called right after STARTTLS was answered: anything
     * the client pipelined behind STARTTLS arrived in clear text and must not be read as if it had been
     * sent inside TLS (CVE-2011-0411 class).
     */
    void discardBuffered() {
        ByteBuf buffered = internalBuffer();
        buffered.skipBytes(buffered.readableBytes());
        scanned = 0;
    }
}
