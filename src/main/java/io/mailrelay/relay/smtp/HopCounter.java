package io.mailrelay.relay.smtp;

/**
 * Counts the {@code Received:} headers of a message as its lines stream by (Postfix hopcount_limit): only
 * in the header section, which ends at the first empty line (or at the first line that is neither a
 * header field nor the continuation of one); field names compare case-insensitively, and a folded
 * header counts once, since its continuation lines start with white space.
 */
final class HopCounter {
    private static final byte[] RECEIVED = "received".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private boolean inHeaders = true;
    private int hops;

    /** @param line one line of message data with its CRLF, after dot-unstuffing from {@code offset} */
    void line(byte[] line, int offset) {
        if (!inHeaders) {
            return;
        }
        int length = line.length - offset - 2;
        if (length <= 0) {
            inHeaders = false;
            return;
        }
        byte first = line[offset];
        if (first == ' ' || first == '\t') {
            return; // a continuation line
        }
        int colon = fieldNameEnd(line, offset);
        if (colon < 0) {
            inHeaders = false;
            return;
        }
        if (isReceived(line, offset, colon)) {
            hops++;
        }
    }

    int hops() {
        return hops;
    }

    /** The index of the colon ending a field name (RFC 5322: printable ASCII but ':', then optional WSP), or -1. */
    private static int fieldNameEnd(byte[] line, int offset) {
        int i = offset;
        while (i < line.length && line[i] > ' ' && line[i] < 127 && line[i] != ':') {
            i++;
        }
        int nameEnd = i;
        while (i < line.length && (line[i] == ' ' || line[i] == '\t')) {
            i++;
        }
        return nameEnd > offset && i < line.length && line[i] == ':' ? i : -1;
    }

    private static boolean isReceived(byte[] line, int offset, int colon) {
        int end = colon;
        while (line[end - 1] == ' ' || line[end - 1] == '\t') {
            end--;
        }
        if (end - offset != RECEIVED.length) {
            return false;
        }
        for (int i = 0; i < RECEIVED.length; i++) {
            if ((line[offset + i] | 0x20) != RECEIVED[i]) {
                return false;
            }
        }
        return true;
    }
}
