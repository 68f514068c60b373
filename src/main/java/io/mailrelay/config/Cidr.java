package io.mailrelay.config;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import com.google.common.net.InetAddresses;

/** An IPv4 or IPv6 network in CIDR notation; parsing never touches DNS. */
public final class Cidr {
    private final InetAddress network;
    private final int prefixLength;
    private final BigInteger mask;
    private final BigInteger networkBits;

    private Cidr(InetAddress network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
        int bits = network.getAddress().length * 8;
        this.mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(bits - prefixLength).subtract(BigInteger.ONE));
        this.networkBits = new BigInteger(1, network.getAddress()).and(mask);
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code 2001:db8::/32}; a bare address means a single host (/32 or /128).
     *
     * @throws IllegalArgumentException naming the value when it is not a CIDR
     */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid CIDR");
        }
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String addressPart = slash < 0 ? trimmed : trimmed.substring(0, slash);
        InetAddress address;
        try {
            address = InetAddresses.forString(addressPart);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid CIDR");
        }
        int maxPrefix = address.getAddress().length * 8;
        int prefix = maxPrefix;
        if (slash >= 0) {
            String prefixPart = trimmed.substring(slash + 1);
            if (!prefixPart.matches("\\d{1,3}")) {
                throw new IllegalArgumentException("\"" + text + "\" is not a valid CIDR");
            }
            prefix = Integer.parseInt(prefixPart);
            if (prefix > maxPrefix) {
                throw new IllegalArgumentException("\"" + text + "\" is not a valid CIDR");
            }
        }
        return new Cidr(address, prefix);
    }

    /** True when the address is inside this network; IPv4 never matches an IPv6 network and vice versa. */
    public boolean contains(InetAddress address) {
        if (address == null || address.getAddress().length != network.getAddress().length) {
            return false;
        }
        return new BigInteger(1, address.getAddress()).and(mask).equals(networkBits);
    }

    /** True when every address of {@code other} is in this network (same address family only). */
    public boolean covers(Cidr other) {
        return other.prefixLength >= prefixLength && contains(other.network);
    }

    /** True when the two networks share at least one address (same address family only). */
    public boolean overlaps(Cidr other) {
        return covers(other) || other.covers(this);
    }

    public int prefixLength() {
        return prefixLength;
    }

    /** The first address of the network (host bits zero). */
    public InetAddress networkAddress() {
        return address(networkBits, network.getAddress().length * 8);
    }

    /**
     * The first host address: the one after the network address, or the network address itself in a network of
     * one or two addresses (/31, /32, /127, /128), where every address is a host's.
     */
    public InetAddress firstHost() {
        int bits = network.getAddress().length * 8;
        return prefixLength < bits - 1 ? address(networkBits.add(BigInteger.ONE), bits) : networkAddress();
    }

    /** The two networks one bit longer that make up this one; none for a single address. */
    public List<Cidr> halves() {
        int bits = network.getAddress().length * 8;
        if (prefixLength == bits) {
            return List.of();
        }
        BigInteger upper = networkBits.setBit(bits - prefixLength - 1);
        return List.of(new Cidr(address(networkBits, bits), prefixLength + 1),
                new Cidr(address(upper, bits), prefixLength + 1));
    }

    private static InetAddress address(BigInteger value, int bits) {
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[bits / 8];
        int copy = Math.min(raw.length, bytes.length);
        System.arraycopy(raw, raw.length - copy, bytes, bytes.length - copy, copy);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** True when the address is inside one of the networks. */
    public static boolean anyContains(Collection<Cidr> networks, InetAddress address) {
        return networks.stream().anyMatch(network -> network.contains(address));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr cidr && cidr.prefixLength == prefixLength && cidr.networkBits.equals(networkBits)
                && cidr.network.getAddress().length == network.getAddress().length;
    }

    @Override
    public int hashCode() {
        return Objects.hash(networkBits, prefixLength);
    }

    @Override
    public String toString() {
        return InetAddresses.toAddrString(network) + "/" + prefixLength;
    }
}
