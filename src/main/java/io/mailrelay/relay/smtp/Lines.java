package io.mailrelay.relay.smtp;

/** Byte-level checks on one framed line (the framer keeps the line ending). */
final class Lines {
    static final int MAX_COMMAND_LINE = 512;
    static final int MAX_TEXT_LINE = 1000;

    private Lines() {
    }

    /**
     * True when the line ends in CRLF and holds no other CR or LF: a bare LF or bare CR is what SMTP
     * smuggling (CVE-2023-51747 class) hides an end-of-data behind.
     */
    static boolean strictlyTerminated(byte[] line) {
        int n = line.length;
        if (n < 2 || line[n - 2] != '\r' || line[n - 1] != '\n') {
            return false;
        }
        for (int i = 0; i < n - 2; i++) {
            if (line[i] == '\r' || line[i] == '\n') {
                return false;
            }
        }
        return true;
    }

    static boolean isEndOfData(byte[] line) {
        return line.length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n';
    }

    static String verb(byte[] line) {
        int end = 0;
        while (end < line.length && line[end] != ' ' && line[end] != '\r' && line[end] != '\n') {
            end++;
        }
        return new String(line, 0, end, java.nio.charset.StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT);
    }
}
