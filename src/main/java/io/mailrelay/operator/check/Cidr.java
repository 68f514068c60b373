package io.mailrelay.operator.check;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network in CIDR notation, enough to tell whether one network covers another. */
public record Cidr(byte[] network, int prefixLength) {

    /** Parses literal addresses only (never a DNS lookup); throws IllegalArgumentException naming the input. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a CIDR (no /prefix): " + text);
        }
        String address = text.substring(0, slash);
        if (!address.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress();
            int prefix = Integer.parseInt(text.substring(slash + 1));
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("prefix length out of range: " + text);
            }
            return new Cidr(bytes, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("not a CIDR: " + text, e);
        }
    }

    /** True when every address of {@code other} is in this network (same address family only). */
    public boolean covers(Cidr other) {
        if (other.network.length != network.length || other.prefixLength < prefixLength) {
            return false;
        }
        int bits = network.length * 8;
        BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .shiftRight(prefixLength).not();
        return new BigInteger(1, network).and(mask).equals(new BigInteger(1, other.network).and(mask));
    }
}
