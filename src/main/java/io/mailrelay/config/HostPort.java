package io.mailrelay.config;

import java.util.Objects;

import com.google.common.net.HostAndPort;

/**
 * A {@code host:port} or {@code [v6]:port} target, the one type for a next hop in relay.yaml ({@code deliverTo},
 * the smarthost) and in delivery (MX hosts); the port is mandatory.
 */
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

    /** @throws IllegalArgumentException naming the value when it is not host:port */
    public static HostPort parse(String text) {
        String problem = "\"" + text + "\" is not a valid host:port ([v6]:port for IPv6 literals)";
        try {
            HostAndPort parsed = HostAndPort.fromString(text.trim()).requireBracketsForIPv6();
            if (!parsed.hasPort() || parsed.getHost().isEmpty() || parsed.getPort() < 1) {
                throw new IllegalArgumentException(problem);
            }
            return new HostPort(parsed.getHost(), parsed.getPort());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(problem);
        }
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
