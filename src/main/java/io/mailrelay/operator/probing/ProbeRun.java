package io.mailrelay.operator.probing;

import java.net.InetAddress;

import io.mailrelay.probe.ProbeReport;

/**
 * One probe of one relay and the vantage point it was made from.
 *
 * @param report what the probe saw
 * @param target host:port probed
 * @param source the address the relay saw the probe come from, or null when unknown
 * @param insider true when {@code source} is inside the relay's allowedNetworks: the verdict is then an
 *        insider's and proves nothing about outsiders
 * @param specVersion generation and config hash of the relay when it was probed
 */
public record ProbeRun(ProbeReport report, String target, InetAddress source, boolean insider, String specVersion) {
}
