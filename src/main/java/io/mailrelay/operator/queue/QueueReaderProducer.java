package io.mailrelay.operator.queue;

import java.time.Duration;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.mailrelay.operator.identity.WorkloadClientsPusher;

/** The {@link RelayQueueReader} and the {@link ScaleDownSequencer} from {@code mailrelay.queue.*} (and the probe's out-of-cluster address switch). */
public class QueueReaderProducer {

    @ConfigProperty(name = "mailrelay.queue.interval", defaultValue = "30s")
    Duration interval;

    @ConfigProperty(name = "mailrelay.queue.timeout", defaultValue = "5s")
    Duration timeout;

    @ConfigProperty(name = "mailrelay.probe.address-override", defaultValue = "false")
    boolean addressOverride;

    @Produces
    @Singleton
    RelayQueueReader reader() {
        return new RelayQueueReader(interval, timeout, addressOverride);
    }

    /** The scale-down hand-off talks to the same admin endpoints, with the same timeout and address switch. */
    @Produces
    @Singleton
    ScaleDownSequencer scaleDown() {
        return new ScaleDownSequencer(timeout, addressOverride);
    }

    /** relayFor's pushes go to the same admin endpoints, with the same timeout and address switch. */
    @Produces
    @Singleton
    WorkloadClientsPusher workloadClients() {
        return new WorkloadClientsPusher(timeout, addressOverride);
    }

    void close(@Disposes RelayQueueReader reader) {
        reader.close();
    }
}
