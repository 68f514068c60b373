package io.mailrelay.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One transaction dumped by smtp-sink: its X-Client-Addr / X-Helo-Args / X-Mail-Args / X-Rcpt-Args
 * envelope lines, then the message exactly as received (with the Received: line smtp-sink prepends).
 */
public record SinkMessage(String clientAddress, String mailFrom, List<String> recipients, byte[] raw) {

    static SinkMessage read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            String client = null;
            String from = null;
            List<String> rcpts = new ArrayList<>();
            int offset = 0;
            while (offset < text.length()) {
                int eol = text.indexOf('\n', offset);
                if (eol < 0) {
                    break;
                }
                String line = text.substring(offset, eol).replace("\r", "");
                if (line.startsWith("X-Client-Addr: ")) {
                    client = line.substring(15);
                } else if (line.startsWith("X-Mail-Args: ")) {
                    from = address(line.substring(13));
                } else if (line.startsWith("X-Rcpt-Args: ")) {
                    rcpts.add(address(line.substring(13)));
                } else if (!line.startsWith("X-")) {
                    break;
                }
                offset = eol + 1;
            }
            return new SinkMessage(client, from, List.copyOf(rcpts), Arrays.copyOfRange(bytes, offset, bytes.length));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "FROM:<a@b> SIZE=12" → "a@b" */
    private static String address(String args) {
        int lt = args.indexOf('<');
        int gt = args.indexOf('>', lt + 1);
        return lt >= 0 && gt > lt ? args.substring(lt + 1, gt) : args;
    }

    /** The received message as text (ISO-8859-1, so every byte maps to one char). */
    public String text() {
        return new String(raw, StandardCharsets.ISO_8859_1);
    }

    /** The message as the client sent it: without the Received: header smtp-sink prepends. */
    public String textWithoutSinkReceived() {
        String text = text();
        if (text.startsWith("Received:")) {
            int end = text.indexOf("\n", 0);
            while (end >= 0 && end + 1 < text.length() && (text.charAt(end + 1) == ' ' || text.charAt(end + 1) == '\t')) {
                end = text.indexOf("\n", end + 1);
            }
            return end < 0 ? "" : text.substring(end + 1);
        }
        return text;
    }
}
