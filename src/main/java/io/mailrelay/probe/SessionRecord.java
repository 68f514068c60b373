package io.mailrelay.probe;

import java.util.List;

/**
 * One connection of the run and its set-up conversation (banner, EHLO/HELO, STARTTLS) and final QUIT;
 * the attempts' own commands are in their {@link AttemptResult#transcript()}.
 *
 * @param connection 1-based number, referenced by {@link AttemptResult#connection()}
 * @param localAddress the address:port the probe connected from
 * @param tls TLS protocol and cipher in use, or null for a plain connection
 * @param transcript the set-up and closing exchanges
 */
public record SessionRecord(int connection, String localAddress, String tls, List<Exchange> transcript) {

    public SessionRecord {
        transcript = List.copyOf(transcript);
    }
}
