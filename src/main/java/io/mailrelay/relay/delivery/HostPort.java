package io.mailrelay.relay.delivery;

import java.util.Objects;

/** A next-hop address: a host name or IP literal and a port. */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " of " + host + " is not in 1..65535");
        }
    }

    /** Parses {@code host:port} or {@code [v6-literal]:port}, as {@code deliverTo} is written in relay.yaml. */
    public static HostPort parse(String text) {
        Objects.requireNonNull(text, "host:port");
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' is not [IPv6]:port");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not host:port (IPv6 literals go in brackets)");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        try {
            return new HostPort(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric port", e);
        }
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
