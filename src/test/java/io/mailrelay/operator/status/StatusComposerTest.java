package io.mailrelay.operator.status;

import io.mailrelay.api.Conditions;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.MailRelayStatus;
import io.mailrelay.api.Persistence;
import io.mailrelay.api.ProbeStatus;
import io.mailrelay.api.QueueSpec;
import io.mailrelay.api.QueueStatus;
import io.mailrelay.api.UpstreamStatus;
import io.mailrelay.operator.Specs;
import io.mailrelay.operator.check.ConfigProblem;
import io.mailrelay.operator.check.Risk;
import io.mailrelay.operator.queue.QueueSummary;
import io.mailrelay.operator.queue.ScaleDownPlan;
import io.mailrelay.operator.queue.UpstreamSummary;
import io.mailrelay.relay.admin.DrainReport;
import io.mailrelay.relay.admin.QueueReport;
import io.mailrelay.relay.admin.UpstreamReport;

@Tag("unit")
class StatusComposerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant T1 = Instant.parse("2026-01-01T00:05:00Z");

    @Test
    void lastTransitionTimeMovesOnlyWhenTheStatusDoes() {
        MailRelay relay = Specs.relay("r", Specs.minimal());
        relay.setStatus(StatusComposer.compose(relay, Observations.of(List.of(), List.of(), progressing()), T0));

        MailRelayStatus same = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), progressing()), T1);
        assertThat(condition(same, "Ready").getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");

        MailRelayStatus ready = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), WorkloadState.rolling(1, 1, 1)), T1);
        assertThat(condition(ready, "Ready")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T00:05:00Z");
            assertThat(c.getObservedGeneration()).isEqualTo(1L);
        });
        assertThat(condition(ready, "ConfigValid").getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    }

    @Test
    void invalidConfigAndRisksAreExplained() {
        MailRelay relay = Specs.relay("r", Specs.minimal());
        MailRelayStatus status = StatusComposer.compose(relay, Observations.of(List.of(new ConfigProblem("SecretMissing", "tls.secretName: Secret t not found")), List.of(new Risk("RiskyAllowList", "too wide")), WorkloadState.ABSENT), T0);

        assertThat(condition(status, "ConfigValid").getReason()).isEqualTo("SecretMissing");
        assertThat(condition(status, "ConfigValid").getMessage()).isEqualTo("tls.secretName: Secret t not found");
        assertThat(condition(status, "Ready").getReason()).isEqualTo("ConfigInvalid");
        assertThat(condition(status, "Applied").getStatus()).isEqualTo("False");
        assertThat(condition(status, "Applied").getReason()).isEqualTo("ConfigInvalid");
        assertThat(condition(status, "NetworkRisk").getStatus()).isEqualTo("True");
        assertThat(status.endpoint).as("no Service yet").isNull();
        assertThat(status.allowedNetworkCount).isEqualTo(1);
        assertThat(status.conditions).extracting(Condition::getType)
                .containsExactly("Ready", "ConfigValid", "Applied", "NetworkRisk", "SpoolEphemeral", "RelayClosed");
        assertThat(StatusComposer.compose(relay, Observations.of(List.of(), List.of(), progressing()), T0).endpoint)
                .isEqualTo("r.mail.svc:25");
    }

    @Test
    void anApplyFailureMakesAppliedAndReadyFalseWithTheSameReasonWhileTheConfigStaysValid() {
        MailRelay relay = Specs.relay("r", Specs.minimal());
        ApplyFailure failure = new ApplyFailure(ApplyFailure.APPLY_FAILED,
                "Deployment r: spec.template.spec.containers[0].resources.limits: Invalid value: \"lots\"");

        MailRelayStatus status = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), WorkloadState.rolling(1, 1, 1)).withFailure(failure), T0);

        assertThat(condition(status, "Applied")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("ApplyFailed");
            assertThat(c.getMessage()).isEqualTo(failure.message());
        });
        assertThat(condition(status, "Ready")).satisfies(c -> {
            assertThat(c.getStatus()).as("even with the old pods available").isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("ApplyFailed");
        });
        assertThat(condition(status, "ConfigValid").getStatus()).isEqualTo("True");

        relay.setStatus(status);
        MailRelayStatus fixed = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), WorkloadState.rolling(1, 1, 1)), T1);
        assertThat(condition(fixed, "Applied").getStatus()).isEqualTo("True");
        assertThat(condition(fixed, "Ready").getStatus()).isEqualTo("True");
    }

    @Test
    void readyFollowsTheRolloutNotJustTheCountOfAvailablePods() {
        MailRelay relay = Specs.relay("r", Specs.minimal());

        MailRelayStatus oldPodsOnly = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), WorkloadState.rolling(2, 2, 1)), T0);
        assertThat(condition(oldPodsOnly, "Ready")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("Progressing");
            assertThat(c.getMessage()).isEqualTo("2/2 relay pods available, 1 updated to the latest configuration");
        });

        MailRelayStatus stuck = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), new WorkloadState(true, 2, 2, 2, 1, true, "ReplicaSet \"r-5d\" has timed out progressing.")), T0);
        assertThat(condition(stuck, "Ready")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("RolloutStuck");
            assertThat(c.getMessage()).contains("has timed out progressing");
        });

        MailRelayStatus notObserved = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), new WorkloadState(true, 2, 2, 2, 2, false, null)), T0);
        assertThat(condition(notObserved, "Ready").getStatus()).as("counts of an older generation").isEqualTo("False");

        MailRelayStatus done = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), WorkloadState.rolling(2, 2, 2)), T0);
        assertThat(condition(done, "Ready").getStatus()).isEqualTo("True");

        MailRelayStatus pending = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), WorkloadState.rolling(2, 1, 2)
                .withPendingVolume("PersistentVolumeClaim spool-r-1 is Pending: FailedBinding: no storage class is set")), T0);
        assertThat(condition(pending, "Ready")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("SpoolVolumePending");
            assertThat(c.getMessage()).isEqualTo("PersistentVolumeClaim spool-r-1 is Pending: FailedBinding: no storage class is set");
        });
    }

    @Test
    void spoolEphemeralOnlyForAnEmptyDirAskedFor() {
        MailRelay durable = Specs.relay("r", Specs.minimal());
        assertThat(condition(StatusComposer.compose(durable, Observations.of(List.of(), List.of(), progressing()), T0), "SpoolEphemeral"))
                .satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("False");
                    assertThat(c.getReason()).isEqualTo("PersistentVolumeClaim");
                    assertThat(c.getMessage()).contains("1Gi");
                });

        MailRelaySpec spec = Specs.minimal();
        spec.persistence = new Persistence();
        spec.persistence.type = Persistence.Type.EmptyDir;
        spec.persistence.size = new Quantity("200Mi");
        MailRelay ephemeral = Specs.relay("r", spec);
        assertThat(condition(StatusComposer.compose(ephemeral, Observations.of(List.of(), List.of(), progressing()), T0), "SpoolEphemeral"))
                .satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("True");
                    assertThat(c.getReason()).isEqualTo("EmptyDirRequested");
                    assertThat(c.getMessage()).contains("is lost when the pod is deleted").contains("sizeLimit 200Mi");
                });
    }

    @Test
    void probeResultsAreLeftToTheProbe() {
        MailRelay relay = Specs.relay("r", Specs.minimal());
        MailRelayStatus previous = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), progressing()), T0);
        previous.probe = new ProbeStatus();
        previous.probe.verdict = "Closed";
        Conditions probed = new Conditions(previous.conditions, 1, T0);
        probed.set("RelayClosed", "True", "ProbeRejectedEveryAttempt", "closed");
        previous.conditions = probed.list();
        relay.setStatus(previous);

        MailRelayStatus next = StatusComposer.compose(relay, Observations.of(List.of(), List.of(), progressing()), T1);

        assertThat(next.probe.verdict).isEqualTo("Closed");
        assertThat(condition(next, "RelayClosed").getReason()).isEqualTo("ProbeRejectedEveryAttempt");
    }

    private static WorkloadState progressing() {
        return WorkloadState.rolling(1, 0, 0);
    }

    private static Observations running() {
        return Observations.of(List.of(), List.of(), progressing());
    }

    /** Composes the status and keeps it as the relay's, so that the next composition starts from it. */
    private static MailRelayStatus composed(MailRelay relay, Observations seen, Instant now) {
        MailRelayStatus status = StatusComposer.compose(relay, seen, now);
        relay.setStatus(status);
        return status;
    }

    private static MailRelayStatus podsRead(MailRelay relay, QueueStatus queue, List<UpstreamStatus> upstreams,
            Instant now) {
        return composed(relay, running().withPodsRead(queue, upstreams), now);
    }

    private static Condition condition(MailRelayStatus status, String type) {
        return Conditions.find(status.conditions, type).orElseThrow();
    }

    @Test
    void queueHealthyFollowsTheThresholdsOnBothSides() {
        MailRelay relay = Specs.relay("r", Specs.minimal());
        relay.getSpec().queue = new QueueSpec();
        relay.getSpec().queue.alert = new QueueSpec.Alert();
        relay.getSpec().queue.alert.depth = 10;
        relay.getSpec().queue.alert.oldestAge = "30m";
        MailRelayStatus status = podsRead(relay, null, null, T0);
        assertThat(condition(status, "QueueHealthy").getStatus()).isEqualTo("Unknown");
        assertThat(condition(status, "QueueHealthy").getReason()).isEqualTo("NotReadYet");

        status = podsRead(relay, reading(10, 1800), null, T0);
        assertThat(condition(status, "QueueHealthy").getStatus()).as("at the thresholds").isEqualTo("True");
        assertThat(status.queue.depth).isEqualTo(10);

        status = podsRead(relay, reading(11, 5), null, T1);
        assertThat(condition(status, "QueueHealthy")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("QueueTooDeep");
            assertThat(c.getMessage()).contains("11 messages queued").contains("depth 10");
        });
        status = podsRead(relay, reading(1, 1801), null, T1);
        assertThat(condition(status, "QueueHealthy").getReason()).isEqualTo("MessagesTooOld");
        assertThat(condition(status, "QueueHealthy").getMessage()).contains("30m");

        relay.getSpec().queue = null; // defaults: 1000 messages, 1h
        status = podsRead(relay, reading(1000, 3600), null, T1);
        assertThat(condition(status, "QueueHealthy").getStatus()).isEqualTo("True");
        status = podsRead(relay, reading(1001, 0), null, T1);
        assertThat(condition(status, "QueueHealthy").getStatus()).isEqualTo("False");

        QueueStatus nobody = reading(0, 0);
        nobody.podsRead = 0;
        nobody.podsUnreachable = 2;
        status = podsRead(relay, nobody, null, T1);
        assertThat(condition(status, "QueueHealthy").getStatus()).isEqualTo("Unknown");
        assertThat(condition(status, "QueueHealthy").getReason()).isEqualTo("PodsUnreachable");
    }

    @Test
    void upstreamReadyIsUnknownBeforeACheckThenNamesTheWorstPodsFailingStageAndReply() {
        MailRelay relay = Specs.relay("r", Specs.minimal());
        MailRelayStatus status = podsRead(relay, null, null, T0);
        assertThat(condition(status, "UpstreamReady").getStatus()).isEqualTo("Unknown");
        assertThat(condition(status, "UpstreamReady").getReason()).isEqualTo("NotCheckedYet");

        String smarthost = "smarthost smtp.provider.test:587";
        Instant notAfter = Instant.parse("2026-03-01T00:00:00Z");
        var ok = new UpstreamReport.Upstream(smarthost, "smtp.provider.test:587", true, null,
                "235 2.7.0 Authentication successful", true, notAfter, false, T0);
        var refused = new UpstreamReport.Upstream(smarthost, "smtp.provider.test:587", false,
                "Auth", "535 5.7.8 Authentication credentials invalid",
                true, notAfter, false, T0);
        var unchecked = new UpstreamReport.Upstream(smarthost, "smtp.provider.test:587", false, null,
                null, false, null, false, null);

        // one pod's check failed, the other's passed: the failing one is reported, with its pod
        status = podsRead(relay, null, UpstreamSummary.of(Map.of(
                "r-0", new UpstreamReport(true, List.of(ok)), "r-1", new UpstreamReport(true, List.of(refused)))), T1);
        assertThat(status.upstreams).singleElement().satisfies(u -> {
            assertThat(u.upstream).isEqualTo("smtp.provider.test:587");
            assertThat(u.state).isEqualTo("Failing");
            assertThat(u.stage).isEqualTo("Auth");
            assertThat(u.message).isEqualTo("535 5.7.8 Authentication credentials invalid");
            assertThat(u.pod).isEqualTo("r-1");
            assertThat(u.certificateNotAfter).isEqualTo("2026-03-01T00:00:00Z");
            assertThat(u.lastCheckTime).isEqualTo("2026-01-01T00:00:00Z");
        });
        assertThat(condition(status, "UpstreamReady")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("AuthFailed");
            assertThat(c.getMessage()).isEqualTo(smarthost + ": Auth failed: 535 5.7.8 Authentication credentials "
                    + "invalid (pod r-1)");
        });

        // a pod not checked yet does not hide another pod's result
        status = podsRead(relay, null, UpstreamSummary.of(Map.of(
                "r-0", new UpstreamReport(true, List.of(unchecked)), "r-1", new UpstreamReport(true, List.of(ok)))), T1);
        assertThat(condition(status, "UpstreamReady")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("Reachable");
            assertThat(c.getMessage()).contains("certificate valid until 2026-03-01T00:00:00Z");
        });
        status = podsRead(relay, null, UpstreamSummary.of(Map.of(
                "r-0", new UpstreamReport(true, List.of(unchecked)))), T1);
        assertThat(condition(status, "UpstreamReady").getStatus()).isEqualTo("Unknown");
        status = podsRead(relay, null, UpstreamSummary.of(Map.of("r-0", new UpstreamReport(true, List.of()))), T1);
        assertThat(condition(status, "UpstreamReady").getReason()).isEqualTo("NothingToCheck");
    }

    @Test
    void aSenderRouteToTheSmarthostsHostPortIsAnUpstreamOfItsOwnAndItsFailureIsNamed() {
        MailRelay relay = Specs.relay("r", Specs.minimal());
        String address = "smtp.provider.test:587";
        var smarthost = new UpstreamReport.Upstream("smarthost " + address, address, true, null,
                "235 2.7.0 Authentication successful", true, null, false, T0);
        var shop = new UpstreamReport.Upstream("sender route shop.example -> " + address, address, false, "Auth",
                "535 5.7.8 Authentication credentials invalid", true, null, false, T0);

        MailRelayStatus status = podsRead(relay, null, UpstreamSummary.of(Map.of(
                "r-0", new UpstreamReport(true, List.of(smarthost, shop)),
                "r-1", new UpstreamReport(true, List.of(smarthost, shop)))), T1);

        assertThat(status.upstreams).extracting(u -> u.upstream + " " + u.route + " " + u.state).containsExactly(
                address + " smarthost " + address + " Ok",
                address + " sender route shop.example -> " + address + " Failing");
        assertThat(condition(status, "UpstreamReady")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("AuthFailed");
            assertThat(c.getMessage()).startsWith("sender route shop.example -> " + address + ": Auth failed: 535");
        });
    }

    @Test
    void drainingSaysWhatEachLeavingPodHasLeftAndEndsWhenTheyAreEmpty() {
        MailRelay relay = Specs.relay("r", Specs.minimal());
        relay.getSpec().replicas = 1;
        Map<String, String> peers = Map.of("r-0", "10.0.0.10:2525");
        ScaleDownPlan handingOff = ScaleDownPlan.of("r", 3, 1, peers, Map.of(
                "r-2", new DrainReport(DrainReport.State.FORWARDING, "10.0.0.10:2525", T0, T0, 7, 0)));

        MailRelayStatus status = composed(relay, running().withScaleDown(handingOff), T0);
        assertThat(condition(status, "Draining")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("HandingOff");
            assertThat(c.getMessage()).contains("from 3 to 1 replicas, 7 messages left")
                    .contains("r-2: 7 messages left, 0 sessions open (forwarding, to r-0)")
                    .contains("r-1: no answer from its admin endpoint");
        });

        status = composed(relay, running().withScaleDown(ScaleDownPlan.none(1)), T1);
        assertThat(condition(status, "Draining")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("NotDraining");
            assertThat(c.getLastTransitionTime()).isEqualTo(T1.toString());
        });
    }

    @Test
    void theQueueOfEveryPodIsSummed() {
        QueueReport a = new QueueReport(3, 1, 100, 2, new QueueReport.LastError("451 4.4.1 a", "smarthost a:587",
                T0), new QueueReport.LastHour(5, 2, 0), null);
        QueueReport b = new QueueReport(4, 0, 700, 4, new QueueReport.LastError("421 4.7.0 b", "smarthost b:587",
                T1), new QueueReport.LastHour(1, 4, 1), null);
        QueueStatus sum = QueueSummary.of(new java.util.LinkedHashMap<>(java.util.Map.of("pod-a", a, "pod-b", b)), 1, T1);
        assertThat(sum.depth).isEqualTo(7);
        assertThat(sum.held).isEqualTo(1);
        assertThat(sum.deferredRecipients).isEqualTo(6);
        assertThat(sum.oldestAgeSeconds).isEqualTo(700);
        assertThat(sum.oldestAge).isEqualTo("11m");
        assertThat(sum.lastHour.delivered).isEqualTo(6);
        assertThat(sum.lastHour.deferred).isEqualTo(6);
        assertThat(sum.lastHour.bounced).isEqualTo(1);
        assertThat(sum.lastError.reply).as("the most recent").isEqualTo("421 4.7.0 b");
        assertThat(sum.lastError.pod).isEqualTo("pod-b");
        assertThat(sum.podsRead).isEqualTo(2);
        assertThat(sum.podsUnreachable).isEqualTo(1);
    }

    private static QueueStatus reading(int depth, long oldestSeconds) {
        QueueReport report = new QueueReport(depth, 0, oldestSeconds, depth, null, new QueueReport.LastHour(0, 0, 0),
                null);
        return QueueSummary.of(java.util.Map.of("pod", report), 0, T0);
    }
}
