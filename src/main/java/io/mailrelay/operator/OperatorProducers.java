package io.mailrelay.operator;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.google.common.net.InetAddresses;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mailrelay.operator.identity.WorkloadClientsPusher;
import io.mailrelay.operator.probing.ProbeMetrics;
import io.mailrelay.operator.probing.ProbeSettings;
import io.mailrelay.operator.probing.RelayProber;
import io.mailrelay.operator.queue.RelayQueueReader;
import io.mailrelay.operator.queue.ScaleDownSequencer;
import io.mailrelay.operator.render.RelayUid;
import io.micrometer.core.instrument.MeterRegistry;

/** The reconciler's collaborators, built from the one {@link OperatorConfig}, for the reconciler Quarkus builds. */
public class OperatorProducers {

    @Produces
    @Singleton
    OperatorSettings settings(OperatorConfig config, KubernetesClient client) {
        return new OperatorSettings(config.relayImage(), config.operatorNamespace()
                .or(() -> Optional.ofNullable(client.getConfiguration().getNamespace())).orElse(null),
                config.relayImagePullSecrets().orElse(List.of()), RelayUid.parse(config.relayUid()));
    }

    @Produces
    @Singleton
    ProbeSettings probeSettings(OperatorConfig config) {
        OperatorConfig.Probe probe = config.probe();
        return new ProbeSettings(address("source-address", probe.sourceAddress()),
                address("operator-address", probe.operatorAddress().or(() ->
                        Optional.ofNullable(System.getenv("POD_IP")).filter(ip -> !ip.isBlank()))),
                probe.addressOverride(), probe.maxConcurrent(), probe.maxTargets(), probe.testDomain(), probe.timeout(),
                probe.maxDuration());
    }

    @Produces
    @Singleton
    RelayProber prober(ProbeSettings settings, MeterRegistry registry) {
        return new RelayProber(settings, new ProbeMetrics(registry));
    }

    void close(@Disposes RelayProber prober) {
        prober.close();
    }

    @Produces
    @Singleton
    RelayQueueReader queueReader(OperatorConfig config) {
        return new RelayQueueReader(config.queue().interval(), config.queue().timeout(),
                config.probe().addressOverride());
    }

    void close(@Disposes RelayQueueReader reader) {
        reader.close();
    }

    /** The scale-down hand-off talks to the same admin endpoints, with the same timeout and address switch. */
    @Produces
    @Singleton
    ScaleDownSequencer scaleDown(OperatorConfig config) {
        return new ScaleDownSequencer(config.queue().timeout(), config.probe().addressOverride());
    }

    /** relayFor's pushes go to the same admin endpoints, with the same timeout and address switch. */
    @Produces
    @Singleton
    WorkloadClientsPusher workloadClients(OperatorConfig config) {
        return new WorkloadClientsPusher(config.queue().timeout(), config.probe().addressOverride());
    }

    /** Literals only: the probe's vantage must not depend on DNS. */
    private static InetAddress address(String name, Optional<String> literal) {
        return literal.map(String::strip).map(text -> {
            if (!InetAddresses.isInetAddress(text)) {
                throw new IllegalArgumentException("mailrelay.probe." + name + " \"" + text + "\" is not an IP literal");
            }
            return InetAddresses.forString(text);
        }).orElse(null);
    }
}
