package io.mailrelay.operator.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.operator.queue.ScaleDownPlan.Step;
import io.mailrelay.relay.admin.DrainReport;
import io.mailrelay.relay.admin.DrainReport.State;

/** Which ordinals go, to which survivor, and when the StatefulSet's replicas may be lowered. */
@Tag("unit")
class ScaleDownPlanTest {
    private static final Map<String, String> PEERS = Map.of("r-0", "10.0.0.10:2525", "r-1", "10.0.0.11:2525",
            "r-2", "10.0.0.12:2525", "r-3", "10.0.0.13:2525", "r-4", "10.0.0.14:2525");

    @Test
    void theHighestOrdinalsGoEachToASurvivorAndNothingIsLoweredBeforeTheyAreAsked() {
        ScaleDownPlan plan = ScaleDownPlan.of("r", 5, 2, PEERS, Map.of("r-2", accepting(), "r-3", accepting(),
                "r-4", accepting()));

        assertThat(plan.leaving()).extracting(ScaleDownPlan.Leaving::pod).containsExactly("r-4", "r-3", "r-2");
        assertThat(plan.leaving()).extracting(ScaleDownPlan.Leaving::peerPod).containsExactly("r-0", "r-1", "r-0");
        assertThat(plan.leaving()).extracting(ScaleDownPlan.Leaving::peerSmtp)
                .containsExactly("10.0.0.10:2525", "10.0.0.11:2525", "10.0.0.10:2525");
        assertThat(plan.leaving()).extracting(ScaleDownPlan.Leaving::step).containsOnly(Step.ASK);
        assertThat(plan.replicas()).isEqualTo(5);
        assertThat(plan.draining()).isTrue();
    }

    @Test
    void replicasAreLoweredOnlyOnceEveryLeavingPodIsDrained() {
        Map<String, DrainReport> reports = new HashMap<>();
        reports.put("r-2", report(State.DRAINED, "10.0.0.10:2525", 0, 0));
        reports.put("r-1", report(State.FORWARDING, "10.0.0.10:2525", 12, 0));
        ScaleDownPlan waiting = ScaleDownPlan.of("r", 3, 1, PEERS, reports);
        assertThat(waiting.replicas()).isEqualTo(3);
        assertThat(waiting.draining()).isTrue();
        assertThat(waiting.messagesLeft()).isEqualTo(12);
        assertThat(waiting.leaving()).extracting(ScaleDownPlan.Leaving::step).containsExactly(Step.DONE, Step.WAIT);
        assertThat(waiting.describe()).contains("12 messages left").contains("r-1: 12 messages left")
                .contains("r-2: drained");

        reports.put("r-1", report(State.FORWARDING, "10.0.0.10:2525", 0, 1)); // empty, but a session still open
        assertThat(ScaleDownPlan.of("r", 3, 1, PEERS, reports).replicas()).isEqualTo(3);

        reports.put("r-1", report(State.DRAINED, "10.0.0.10:2525", 0, 0));
        ScaleDownPlan done = ScaleDownPlan.of("r", 3, 1, PEERS, reports);
        assertThat(done.replicas()).isEqualTo(1);
        assertThat(done.draining()).isFalse();
    }

    @Test
    void aPodThatDoesNotAnswerOrHasNoPeerKeepsEveryReplica() {
        ScaleDownPlan silent = ScaleDownPlan.of("r", 2, 1, PEERS, Map.of());
        assertThat(silent.leaving()).extracting(ScaleDownPlan.Leaving::step).containsExactly(Step.UNREACHABLE);
        assertThat(silent.replicas()).isEqualTo(2);
        assertThat(silent.describe()).contains("r-1: no answer from its admin endpoint");

        ScaleDownPlan noPeer = ScaleDownPlan.of("r", 2, 1, Map.of("r-1", "10.0.0.11:2525"),
                Map.of("r-1", accepting()));
        assertThat(noPeer.leaving()).extracting(ScaleDownPlan.Leaving::step).containsExactly(Step.NO_PEER);
        assertThat(noPeer.replicas()).isEqualTo(2);
    }

    @Test
    void aDrainTowardsAnotherAddressIsAskedAgainWithTheSurvivorsAddress() {
        // pod-0 came back with a new IP: the leaving pod is pointed at it
        ScaleDownPlan plan = ScaleDownPlan.of("r", 2, 1, PEERS,
                Map.of("r-1", report(State.FORWARDING, "10.0.0.99:2525", 3, 0)));
        assertThat(plan.leaving()).extracting(ScaleDownPlan.Leaving::step).containsExactly(Step.ASK);
        // a drained pod is done whichever survivor took its mail
        assertThat(ScaleDownPlan.of("r", 2, 1, PEERS, Map.of("r-1", report(State.DRAINED, "10.0.0.99:2525", 0, 0)))
                .replicas()).isEqualTo(1);
    }

    @Test
    void scalingUpOrToZeroIsAppliedAtOnce() {
        assertThat(ScaleDownPlan.of("r", 1, 3, PEERS, Map.of()).replicas()).isEqualTo(3);
        assertThat(ScaleDownPlan.of("r", 3, 3, PEERS, Map.of()).draining()).isFalse();
        // to zero there is no survivor: every pod drains on SIGTERM as before
        ScaleDownPlan toZero = ScaleDownPlan.of("r", 3, 0, PEERS, Map.of());
        assertThat(toZero.replicas()).isZero();
        assertThat(toZero.leaving()).isEmpty();
        assertThat(toZero.draining()).isFalse();
    }

    @Test
    void aScaleDownUndoneCancelsTheDrainOfThePodsThatStay() {
        Map<String, DrainReport> reports = Map.of("r-0", accepting(),
                "r-1", report(State.FORWARDING, "10.0.0.10:2525", 4, 0), "r-2", report(State.DRAINED, "10.0.0.10:2525", 0, 0));
        ScaleDownPlan undone = ScaleDownPlan.of("r", 3, 3, PEERS, reports);
        assertThat(undone.leaving()).isEmpty();
        assertThat(undone.resume()).containsExactly("r-1", "r-2");
        assertThat(undone.replicas()).isEqualTo(3);
        assertThat(undone.draining()).as("until both take mail again").isTrue();
        assertThat(undone.describe()).contains("scale-down undone").contains("r-1: stays, its drain is cancelled");

        // made smaller: 3 -> 1 became 3 -> 2, so r-1 stays and r-2 still goes
        ScaleDownPlan smaller = ScaleDownPlan.of("r", 3, 2, PEERS, reports);
        assertThat(smaller.resume()).containsExactly("r-1");
        assertThat(smaller.leaving()).extracting(ScaleDownPlan.Leaving::pod).containsExactly("r-2");
        assertThat(smaller.replicas()).as("r-2 is drained, r-1 is told to stay").isEqualTo(2);

        Map<String, DrainReport> allAccepting = Map.of("r-0", accepting(), "r-1", accepting(), "r-2", accepting());
        assertThat(ScaleDownPlan.of("r", 3, 3, PEERS, allAccepting).draining()).isFalse();
    }

    private static DrainReport accepting() {
        return report(State.ACCEPTING, null, 5, 1);
    }

    private static DrainReport report(State state, String peer, int queued, int sessions) {
        return new DrainReport(state, peer, peer == null ? null : Instant.EPOCH, null, queued, sessions);
    }
}
