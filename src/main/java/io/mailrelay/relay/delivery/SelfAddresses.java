package io.mailrelay.relay.delivery;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.google.common.net.InetAddresses;

import io.mailrelay.config.HostPort;

/**
 * Whether a next hop is the relay itself, so that mail for it would loop (Postfix: "mail for X loops back to
 * myself", 5.4.6). A target is the relay when its host is the relay's own hostname ({@code server.hostname}, any
 * port), or an address literal on the relay's own SMTP port that is loopback, the listen address, or (listening on
 * the wildcard address) one of this host's interfaces. Host names other than the relay's own are not resolved:
 * there is no DNS on the SMTP path (MX hosts arrive here as addresses, and are checked as such).
 */
public final class SelfAddresses {
    private final String hostname;
    private final InetAddress listenAddress;
    private final int port;

    /**
     * @param listenAddress the address the relay listens on ({@code server.listenAddress}), or null when unknown
     * @param port the relay's SMTP port, or 0 when unknown (then only the hostname is recognised)
     */
    public SelfAddresses(String hostname, String listenAddress, int port) {
        this.hostname = normalize(hostname);
        this.listenAddress = listenAddress == null ? null : InetAddresses.forString(listenAddress);
        this.port = port;
    }

    /** Only the hostname is known (delivery set up without the SMTP server's address). */
    public static SelfAddresses named(String hostname) {
        return new SelfAddresses(hostname, null, 0);
    }

    public boolean isSelf(HostPort target) {
        String host = normalize(target.host());
        if (host.equals(hostname)) {
            return true;
        }
        if (port == 0 || target.port() != port) {
            return false;
        }
        if (host.equals("localhost")) {
            return true;
        }
        if (!InetAddresses.isInetAddress(host)) {
            return false;
        }
        InetAddress address = InetAddresses.forString(host);
        if (address.isLoopbackAddress() || address.equals(listenAddress)) {
            return true;
        }
        return listenAddress != null && listenAddress.isAnyLocalAddress()
                && (address.isAnyLocalAddress() || isLocalInterface(address));
    }

    /**
     * The hop without the targets from the first one that is the relay on (Postfix too drops MX hosts whose preference
     * is not better than its own); when the first, best target is the relay, the mail loops and is given up.
     */
    NextHop withoutSelf(NextHop hop, String destination) throws NextHopException {
        List<HostPort> before = new ArrayList<>();
        for (HostPort target : hop.targets()) {
            if (isSelf(target)) {
                break;
            }
            before.add(target);
        }
        if (before.isEmpty()) {
            throw new NextHopException(Outcome.permanent(loopReply(destination)));
        }
        return before.size() == hop.targets().size() ? hop : hop.withTargets(before);
    }

    /** The reply for mail to {@code destination} (a domain) that would come back here. */
    public static String loopReply(String destination) {
        return "554 5.4.6 mail for " + destination + " loops back to myself";
    }

    private static boolean isLocalInterface(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    private static String normalize(String host) {
        String lower = host.trim().toLowerCase(Locale.ROOT);
        if (lower.startsWith("[") && lower.endsWith("]")) {
            lower = lower.substring(1, lower.length() - 1);
        }
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
