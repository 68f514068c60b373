package io.mailrelay.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The spec defaults the operator reads through the api model, each on both sides: absent and given. */
@Tag("unit")
class SpecDefaultsTest {

    @Test
    void probeIntervalAndEnabled() {
        assertThat(ProbeSpec.interval(null)).isEqualTo(Duration.ofMinutes(5));
        ProbeSpec probe = new ProbeSpec();
        assertThat(ProbeSpec.interval(probe)).isEqualTo(Duration.ofMinutes(5));
        assertThat(ProbeSpec.enabled(probe)).isTrue();
        probe.interval = "90s";
        probe.enabled = false;
        assertThat(ProbeSpec.interval(probe)).isEqualTo(Duration.ofSeconds(90));
        assertThat(ProbeSpec.enabled(probe)).isFalse();
        assertThat(ProbeSpec.enabled(null)).isTrue();
    }

    @Test
    void queueAlertThresholds() {
        assertThat(QueueSpec.alertDepth(null)).isEqualTo(1000);
        assertThat(QueueSpec.alertOldestAge(new QueueSpec())).isEqualTo(Duration.ofHours(1));
        QueueSpec queue = new QueueSpec();
        queue.alert = new QueueSpec.Alert();
        queue.alert.depth = 7;
        queue.alert.oldestAge = "30m";
        assertThat(QueueSpec.alertDepth(queue)).isEqualTo(7);
        assertThat(QueueSpec.alertOldestAge(queue)).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void serviceDefaultsKeepTheClientAddress() {
        assertThat(ServiceSpec.port(null)).isEqualTo(25);
        assertThat(ServiceSpec.type(null)).isEqualTo(ServiceSpec.Type.ClusterIP);
        assertThat(ServiceSpec.externalTrafficPolicy(new ServiceSpec())).isEqualTo(ServiceSpec.TrafficPolicy.Local);
        ServiceSpec service = new ServiceSpec();
        service.port = 587;
        service.externalTrafficPolicy = ServiceSpec.TrafficPolicy.Cluster;
        assertThat(ServiceSpec.port(service)).isEqualTo(587);
        assertThat(ServiceSpec.externalTrafficPolicy(service)).isEqualTo(ServiceSpec.TrafficPolicy.Cluster);
    }
}
