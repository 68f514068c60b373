package io.mailrelay.operator.probing;

import java.net.InetAddress;
import java.util.OptionalLong;

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

    /** The MailRelay generation that was probed ({@code specVersion} is "generation/config hash"), if known. */
    public OptionalLong probedGeneration() {
        int slash = specVersion == null ? -1 : specVersion.indexOf('/');
        if (slash <= 0) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(specVersion.substring(0, slash)));
        } catch (NumberFormatException notAGeneration) {
            return OptionalLong.empty();
        }
    }
}
