package io.mailrelay.operator.probing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelayStatus;
import io.mailrelay.api.ProbeStatus;
import io.mailrelay.api.Conditions;

/** A replica that becomes leader resumes every relay's probe schedule from the relay's status. */
class ProbeResumeTest {

    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    static final Duration INTERVAL = Duration.ofMinutes(10);

    @Test
    void dueOneIntervalAfterTheProbeTheStatusRecords() {
        assertThat(RelayProber.resumeFromStatus(relay(NOW.minusSeconds(240), 3, 3), INTERVAL, NOW))
                .isEqualTo(Duration.ofSeconds(360));
    }

    @Test
    void anOverdueProbeRunsAtOnceAndAFutureTimestampWaitsNoLongerThanOneInterval() {
        assertThat(RelayProber.resumeFromStatus(relay(NOW.minus(Duration.ofHours(2)), 3, 3), INTERVAL, NOW))
                .isZero();
        assertThat(RelayProber.resumeFromStatus(relay(NOW.plus(Duration.ofHours(2)), 3, 3), INTERVAL, NOW))
                .isEqualTo(INTERVAL);
    }

    @Test
    void withoutARecordedProbeTheFirstRunIsOneIntervalAway() {
        MailRelay never = relay(null, 3, 3);
        assertThat(RelayProber.resumeFromStatus(never, INTERVAL, NOW)).isEqualTo(INTERVAL);
        assertThat(RelayProber.probedThisGeneration(never)).isFalse();
    }

    @Test
    void anUnreadableTimestampIsTreatedAsDue() {
        MailRelay relay = relay(NOW, 3, 3);
        relay.getStatus().probe.lastRunTime = "yesterday";
        assertThat(RelayProber.resumeFromStatus(relay, INTERVAL, NOW)).isZero();
    }

    @Test
    void aProbeOfAnOlderGenerationStillOwesTheProbeAfterTheRollout() {
        assertThat(RelayProber.probedThisGeneration(relay(NOW, 3, 3))).isTrue();
        assertThat(RelayProber.probedThisGeneration(relay(NOW, 4, 3))).isFalse();
    }

    @Test
    void theRelayClosedConditionObservesTheProbedGeneration() {
        assertThat(new ProbeRun(null, "t:25", null, false, "7/abc").probedGeneration()).hasValue(7);
        assertThat(new ProbeRun(null, "t:25", null, false, "invalid").probedGeneration()).isEmpty();
        assertThat(new ProbeRun(null, "t:25", null, false, null).probedGeneration()).isEmpty();
    }

    private static MailRelay relay(Instant lastRun, long generation, long probedGeneration) {
        MailRelay relay = new MailRelay();
        relay.getMetadata().setGeneration(generation);
        relay.setStatus(new MailRelayStatus());
        relay.getStatus().probe = new ProbeStatus();
        relay.getStatus().probe.lastRunTime = lastRun == null ? null : lastRun.toString();
        relay.getStatus().conditions = List.of(new ConditionBuilder().withType(Conditions.RELAY_CLOSED)
                .withStatus(Conditions.TRUE).withObservedGeneration(probedGeneration).build());
        return relay;
    }
}
