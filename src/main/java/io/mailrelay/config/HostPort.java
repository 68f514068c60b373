package io.mailrelay.config;

import java.util.Objects;

import com.google.common.net.HostAndPort;

/**
 * A {@code host:port} or {@code [v6]:port} target, the one type for a next hop in relay.yaml ({@code deliverTo},
 * the smarthost), in delivery (MX hosts) and for what the probe connects to. {@link #parse(String)} wants the port;
 * {@link #parse(String, int)} (the probe's {@code HOST[:PORT]}) falls back to a default.
 */
public record HostPort(String host, int port) {

    /** The SMTP port, where a probe target names none. */
    public static final int SMTP_PORT = 25;

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

    /**
     * {@code host}, {@code host:port}, {@code [v6]}, {@code [v6]:port} or a bare IPv6 literal (whose colons leave
     * no room for a port); {@code defaultPort} where no port is given.
     *
     * @throws IllegalArgumentException naming the value when it is none of these or the port is not in 1..65535
     */
    public static HostPort parse(String text, int defaultPort) {
        String value = text == null ? "" : text.trim();
        String problem = "\"" + value + "\" is not a valid host[:port] ([v6]:port for IPv6 literals with a port)";
        HostAndPort parsed;
        try {
            parsed = HostAndPort.fromString(value).withDefaultPort(defaultPort);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(problem);
        }
        if (parsed.getHost().isEmpty() || value.endsWith(":") && !parsed.getHost().endsWith(":")) {
            throw new IllegalArgumentException(problem);
        }
        try {
            return new HostPort(parsed.getHost(), parsed.getPort());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + value + "\": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
