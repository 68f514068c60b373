package io.mailrelay.operator.probing;

import io.mailrelay.config.HostPort;
import io.mailrelay.probe.ProxyHeader;

/**
 * One probe of one exposed address of a relay.
 *
 * @param path how clients reach this address
 * @param address host:port to connect to
 * @param node the node whose InternalIP this is (NodePort only), else null
 * @param forgedHeader the forged PROXY header sent first (the forged-PROXY vantage), or null for a plain probe
 * @param proxyOnly the relay accepts only connections with a PROXY header (service.proxyProtocol): a plain probe
 *        that gets no greeting is then expected, and proves nothing either way
 */
public record PlannedProbe(ExposurePath path, HostPort address, String node, ProxyHeader forgedHeader,
        boolean proxyOnly) {

    /** "direct", or "forged PROXY v2 (claims 10.0.0.5)". */
    public String vantage() {
        return forgedHeader == null ? "direct" : "forged " + forgedHeader;
    }

    /** "NodePort 10.0.0.7:30025 (node-a)", as messages name it. */
    public String describe() {
        return path + " " + address + (node == null ? "" : " (" + node + ")")
                + (forgedHeader == null ? "" : " with a forged " + forgedHeader);
    }
}
