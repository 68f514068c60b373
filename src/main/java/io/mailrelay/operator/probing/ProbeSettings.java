package io.mailrelay.operator.probing;

import java.net.InetAddress;
import java.time.Duration;

/**
 * How the operator probes its relays.
 *
 * @param sourceAddress local address the probe binds to, or null for the system's choice
 * @param operatorAddress the operator's own address as the relays see it (POD_IP), used to tell whether
 *        the probe comes from inside a relay's allow-list; null when unknown
 * @param addressOverride honour the {@value RelayProber#ADDRESS_ANNOTATION} annotation (out-of-cluster runs,
 *        where Service DNS does not resolve); off in a cluster
 * @param maxConcurrentProbes probes running at once across all relays
 * @param maxTargets exposed addresses probed per relay and run (each once more with a forged PROXY header when the
 *        relay speaks the PROXY protocol)
 * @param testDomain the external domain of the relay attempts
 * @param timeout connect and command timeout of one probe
 * @param maxDuration cap on one probe run
 */
public record ProbeSettings(InetAddress sourceAddress, InetAddress operatorAddress, boolean addressOverride,
        int maxConcurrentProbes, int maxTargets, String testDomain, Duration timeout, Duration maxDuration) {

    public ProbeSettings {
        if (maxTargets < 1) {
            throw new IllegalArgumentException("mailrelay.probe.max-targets must be at least 1");
        }
    }

    /** The address the relays see the probe come from, when known. */
    public InetAddress vantageAddress() {
        return sourceAddress != null ? sourceAddress : operatorAddress;
    }
}
