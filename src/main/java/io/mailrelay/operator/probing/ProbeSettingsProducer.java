package io.mailrelay.operator.probing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.MeterRegistry;

/** {@link ProbeSettings} and the {@link RelayProber} from the {@code mailrelay.probe.*} configuration. */
public class ProbeSettingsProducer {

    @ConfigProperty(name = "mailrelay.probe.source-address")
    Optional<String> sourceAddress;

    /** Default: the POD_IP environment variable the Deployment sets from the downward API. */
    @ConfigProperty(name = "mailrelay.probe.operator-address")
    Optional<String> operatorAddress;

    @ConfigProperty(name = "mailrelay.probe.address-override", defaultValue = "false")
    boolean addressOverride;

    @ConfigProperty(name = "mailrelay.probe.max-concurrent", defaultValue = "2")
    int maxConcurrent;

    @ConfigProperty(name = "mailrelay.probe.max-targets", defaultValue = "8")
    int maxTargets;

    @ConfigProperty(name = "mailrelay.probe.test-domain", defaultValue = "probe.example")
    String testDomain;

    @ConfigProperty(name = "mailrelay.probe.timeout", defaultValue = "10s")
    Duration timeout;

    @ConfigProperty(name = "mailrelay.probe.max-duration", defaultValue = "2m")
    Duration maxDuration;

    @Produces
    @Singleton
    ProbeSettings settings() {
        return new ProbeSettings(address(sourceAddress), address(operatorAddress.or(() ->
                Optional.ofNullable(System.getenv("POD_IP")).filter(ip -> !ip.isBlank()))),
                addressOverride, maxConcurrent, maxTargets, testDomain, timeout, maxDuration);
    }

    @Produces
    @Singleton
    RelayProber prober(ProbeSettings settings, MeterRegistry registry) {
        return new RelayProber(settings, new ProbeMetrics(registry));
    }

    void close(@Disposes RelayProber prober) {
        prober.close();
    }

    private static InetAddress address(Optional<String> literal) {
        if (literal.isEmpty()) {
            return null;
        }
        String text = literal.get().strip();
        // literals only: the probe's vantage must not depend on DNS
        if (!text.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("mailrelay.probe address \"" + text + "\" is not an IP literal");
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("mailrelay.probe address \"" + text + "\" is not an IP literal", e);
        }
    }
}
