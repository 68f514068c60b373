package io.mailrelay.probe;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * A PROXY protocol header (HAProxy's v1 text or v2 binary form) that the probe sends first on every
 * connection, claiming a client address it does not have. A relay behind a load balancer must believe such a
 * header only from its trusted proxies; one that believes it from anyone lets every client pick an
 * allow-listed address ({@link FindingCode#PROXY_SPOOFABLE}).
 *
 * @param version v1 or v2
 * @param claimedSource the client address the header claims
 */
public record ProxyHeader(Version version, InetAddress claimedSource) {

    public enum Version { V1, V2 }

    private static final byte[] V2_SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

    public ProxyHeader {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(claimedSource, "claimedSource");
    }

    /** "v1" or "v2" as on the command line. */
    public static Version version(String text) {
        return switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
            case "v1", "1" -> Version.V1;
            case "v2", "2" -> Version.V2;
            default -> throw new IllegalArgumentException("PROXY protocol version '" + text + "' is not v1 or v2");
        };
    }

    /**
     * The header for a connection to {@code destination}: TCP4 or TCP6 after the claimed source's family (the
     * destination is replaced by the unspecified address of that family when the families differ: a relay
     * reads only the source).
     */
    public byte[] bytes(InetAddress destination, int destinationPort, int sourcePort) {
        boolean v6 = claimedSource instanceof Inet6Address;
        InetAddress to = (destination instanceof Inet6Address) == v6 ? destination : unspecified(v6);
        if (version == Version.V1) {
            return ("PROXY " + (v6 ? "TCP6 " : "TCP4 ") + claimedSource.getHostAddress() + " " + to.getHostAddress()
                    + " " + sourcePort + " " + destinationPort + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        int addressLength = v6 ? 36 : 12;
        ByteBuffer header = ByteBuffer.allocate(16 + addressLength);
        header.put(V2_SIGNATURE);
        header.put((byte) 0x21); // version 2, PROXY command
        header.put((byte) (v6 ? 0x21 : 0x11)); // TCP over IPv6 / IPv4
        header.putShort((short) addressLength);
        header.put(claimedSource.getAddress()).put(to.getAddress());
        header.putShort((short) sourcePort).putShort((short) destinationPort);
        return header.array();
    }

    private static InetAddress unspecified(boolean v6) {
        try {
            return InetAddress.getByAddress(new byte[v6 ? 16 : 4]);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** e.g. "PROXY v2 header claiming 10.0.0.5". */
    @Override
    public String toString() {
        return "PROXY " + version.name().toLowerCase(Locale.ROOT) + " header claiming "
                + claimedSource.getHostAddress();
    }
}
