package io.mailrelay.probe;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SMTP server to probe: a host name or IP address and a port.
 *
 * @param host name or IP literal without brackets (IPv6 as {@code ::1})
 * @param port TCP port, 1-65535
 */
public record ProbeTarget(String host, int port) {

    public static final int DEFAULT_PORT = 25;

    private static final Pattern BRACKETED = Pattern.compile("\\[([^\\]]+)\\](?::(.*))?");

    public ProbeTarget {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("target host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("target port " + port + " is not in 1-65535");
        }
    }

    /**
     * Parses {@code HOST}, {@code HOST:PORT}, {@code [IPv6]}, {@code [IPv6]:PORT} or a bare IPv6 address
     * (which has no port, since its colons would be ambiguous).
     */
    public static ProbeTarget parse(String text) {
        String value = text == null ? "" : text.trim();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("target is empty: expected HOST[:PORT]");
        }
        Matcher bracketed = BRACKETED.matcher(value);
        if (bracketed.matches()) {
            return new ProbeTarget(bracketed.group(1), port(bracketed.group(2), value));
        }
        if (value.startsWith("[") || value.contains("]")) {
            throw new IllegalArgumentException("target '" + value + "': expected [IPv6]:PORT");
        }
        int colon = value.indexOf(':');
        if (colon < 0) {
            return new ProbeTarget(value, DEFAULT_PORT);
        }
        if (value.indexOf(':', colon + 1) >= 0) {
            return new ProbeTarget(value, DEFAULT_PORT); // bare IPv6 address
        }
        return new ProbeTarget(value.substring(0, colon), port(value.substring(colon + 1), value));
    }

    private static int port(String port, String target) {
        if (port == null) {
            return DEFAULT_PORT;
        }
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("target '" + target + "': port '" + port + "' is not a number");
        }
    }

    /** host:port, with IPv6 addresses in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
