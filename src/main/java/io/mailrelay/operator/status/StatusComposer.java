package io.mailrelay.operator.status;

import io.mailrelay.api.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelayStatus;
import io.mailrelay.api.ProbeSpec;
import io.mailrelay.api.Persistence;
import io.mailrelay.api.QueueSpec;
import io.mailrelay.api.DkimRecordStatus;
import io.mailrelay.api.QueueStatus;
import io.mailrelay.api.UpstreamStatus;
import io.mailrelay.config.Durations;
import io.mailrelay.operator.check.ConfigProblem;
import io.mailrelay.operator.check.Risk;
import io.mailrelay.operator.queue.ScaleDownPlan;
import io.mailrelay.operator.naming.DependentNames;
import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.operator.probing.ProbeRun;
import io.mailrelay.api.ServiceSpec;

/** The MailRelay status for one reconciliation: what was checked, what runs. */
public final class StatusComposer {

    private StatusComposer() {
    }

    /**
     * The whole status from what one reconciliation observed: the conditions in the order {@code kubectl describe}
     * lists them, the probe's verdict, the queue, the upstreams, relayFor, Draining and the DKIM records.
     */
    public static MailRelayStatus compose(MailRelay relay, Observations seen, Instant now) {
        MailRelayStatus previous = relay.getStatus();
        Conditions conditions = new Conditions(previous == null ? null : previous.conditions,
                relay.getMetadata().getGeneration(), now);
        List<ConfigProblem> problems = seen.problems();
        WorkloadState workload = seen.workload();
        ready(conditions, problems.isEmpty(), workload, seen.failure()); // first: kubectl describe lists them in this order
        if (problems.isEmpty()) {
            conditions.set(Conditions.CONFIG_VALID, Conditions.TRUE, "Valid",
                    "the spec and its Secrets make a valid relay");
        } else {
            conditions.set(Conditions.CONFIG_VALID, Conditions.FALSE, problems.get(0).reason(),
                    problems.stream().map(ConfigProblem::message).collect(Collectors.joining("; "))
                            + (workload.exists() ? " (the previous configuration keeps running)" : ""));
        }
        applied(conditions, problems.isEmpty(), seen.failure());
        if (seen.risks().isEmpty()) {
            conditions.set(Conditions.NETWORK_RISK, Conditions.FALSE, "NoRiskFound",
                    "allow-lists and client address handling look safe");
        } else {
            conditions.set(Conditions.NETWORK_RISK, Conditions.TRUE, seen.risks().get(0).reason(),
                    seen.risks().stream().map(Risk::message).collect(Collectors.joining("; ")));
        }
        spoolEphemeral(conditions, relay);
        if (!ProbeSpec.enabled(relay.getSpec().probe)) {
            conditions.set(Conditions.RELAY_CLOSED, Conditions.UNKNOWN, "ProbeDisabled", "spec.probe.enabled is false");
        } else {
            conditions.seed(Conditions.RELAY_CLOSED, Conditions.UNKNOWN, "NotProbedYet",
                    "the relay has not been probed for open relaying yet");
        }

        MailRelayStatus status = new MailRelayStatus();
        status.observedGeneration = relay.getMetadata().getGeneration();
        status.replicas = workload.exists() ? workload.desired() : 0;
        status.readyReplicas = workload.ready();
        status.selector = RelayLabels.selector(relay).entrySet().stream()
                .map(label -> label.getKey() + "=" + label.getValue()).collect(Collectors.joining(","));
        // the Service exists exactly when the workload does: both are applied together or not at all
        status.endpoint = workload.exists() ? DependentNames.endpoint(relay, ServiceSpec.port(relay.getSpec().service)) : null;
        status.allowedNetworkCount = relay.getSpec().allowedNetworks == null ? 0 : relay.getSpec().allowedNetworks.size();
        status.probe = previous == null ? null : previous.probe;
        if (seen.probe() != null) {
            probe(relay, conditions, status, seen.probe());
        }
        if (seen.podsRead()) {
            queue(relay, conditions, status, seen.queue());
            upstreams(relay, conditions, status, seen.upstreams());
        }
        status.relayFor = seen.relayFor();
        if (seen.scaleDown() != null) { // else the previous Draining condition stays
            draining(conditions, seen.scaleDown());
        }
        status.dkim = seen.dkim() == null ? (previous == null ? null : previous.dkim)
                : seen.dkim().isEmpty() ? null : List.copyOf(seen.dkim());
        status.conditions = conditions.list();
        return status;
    }

    /** status.probe and RelayClosed, which observes the generation that was probed, not the one just applied. */
    private static void probe(MailRelay relay, Conditions conditions, MailRelayStatus status, ProbeRun run) {
        ProbeStatusMapper.applyCondition(conditions.atGeneration(run.probedGeneration()
                .orElse(relay.getMetadata().getGeneration())), run);
        status.probe = ProbeStatusMapper.status(run);
    }

    private static void spoolEphemeral(Conditions conditions, MailRelay relay) {
        if (Persistence.ephemeral(relay.getSpec().persistence)) {
            conditions.set(Conditions.SPOOL_EPHEMERAL, Conditions.TRUE, "EmptyDirRequested",
                    "persistence.type is EmptyDir: mail a pod has accepted but not yet delivered is lost when the pod is "
                            + "deleted, evicted, rolled or its node drained (sizeLimit " + Persistence.size(relay.getSpec().persistence)
                            + ")");
        } else {
            conditions.set(Conditions.SPOOL_EPHEMERAL, Conditions.FALSE, "PersistentVolumeClaim",
                    "each pod keeps its queue on its own PersistentVolumeClaim (" + Persistence.size(relay.getSpec().persistence)
                            + ")");
        }
    }

    /**
     * status.queue from the latest reading of the pods' queues, and QueueHealthy against spec.queue.alert (default
     * 1000 messages, 1h). Without a reading the previous figures stay and the condition says why it is Unknown.
     */
    private static void queue(MailRelay relay, Conditions conditions, MailRelayStatus status, QueueStatus reading) {
        MailRelayStatus previous = relay.getStatus();
        if (reading == null) {
            status.queue = previous == null ? null : previous.queue;
            conditions.seed(Conditions.QUEUE_HEALTHY, Conditions.UNKNOWN, "NotReadYet",
                    "the relay pods' queues have not been read yet");
            return;
        }
        status.queue = reading;
        int maxDepth = QueueSpec.alertDepth(relay.getSpec().queue);
        Duration maxAge = QueueSpec.alertOldestAge(relay.getSpec().queue);
        if (reading.podsRead == 0) {
            conditions.set(Conditions.QUEUE_HEALTHY, Conditions.UNKNOWN, "PodsUnreachable",
                    "no relay pod's admin endpoint answered (" + reading.podsUnreachable + " tried)");
        } else if (reading.depth > maxDepth) {
            conditions.set(Conditions.QUEUE_HEALTHY, Conditions.FALSE, "QueueTooDeep", reading.depth
                    + " messages queued, more than spec.queue.alert.depth " + maxDepth + lastError(reading));
        } else if (reading.oldestAgeSeconds > maxAge.toSeconds()) {
            conditions.set(Conditions.QUEUE_HEALTHY, Conditions.FALSE, "MessagesTooOld", "the oldest message is "
                    + reading.oldestAge + " old, older than spec.queue.alert.oldestAge " + Durations.formatAge(
                            maxAge.toSeconds()) + lastError(reading));
        } else {
            conditions.set(Conditions.QUEUE_HEALTHY, Conditions.TRUE, "WithinThresholds", "queue within "
                    + maxDepth + " messages and " + Durations.formatAge(maxAge.toSeconds()));
        }
    }

    /**
     * status.upstreams from the latest reading of the pods' upstream checks, and UpstreamReady: True when every
     * upstream's last check succeeded, False with each failing upstream's stage and reply (the reason names the first
     * one's stage: ConnectFailed, GreetingFailed, EhloFailed, StartTlsFailed, CertificateFailed, AuthFailed), Unknown
     * before a check ended. Without a reading the previous list stays.
     */
    private static void upstreams(MailRelay relay, Conditions conditions, MailRelayStatus status,
            List<UpstreamStatus> reading) {
        MailRelayStatus previous = relay.getStatus();
        if (reading == null) {
            status.upstreams = previous == null ? null : previous.upstreams;
            conditions.seed(Conditions.UPSTREAM_READY, Conditions.UNKNOWN, "NotCheckedYet",
                    "the relay pods have not reported an upstream check yet");
            return;
        }
        status.upstreams = reading;
        List<UpstreamStatus> failing = reading.stream().filter(u -> UpstreamStatus.FAILING.equals(u.state)).toList();
        List<UpstreamStatus> unchecked = reading.stream().filter(u -> UpstreamStatus.NOT_CHECKED.equals(u.state))
                .toList();
        if (reading.isEmpty()) {
            conditions.set(Conditions.UPSTREAM_READY, Conditions.TRUE, "NothingToCheck",
                    "no smarthost and no local route to check (MX destinations are not checked)");
        } else if (!failing.isEmpty()) {
            conditions.set(Conditions.UPSTREAM_READY, Conditions.FALSE, failing.get(0).stage + "Failed",
                    failing.stream().map(u -> u.route + ": " + u.stage + " failed: " + u.message + " (pod " + u.pod
                            + ")").collect(Collectors.joining("; ")));
        } else if (!unchecked.isEmpty()) {
            conditions.set(Conditions.UPSTREAM_READY, Conditions.UNKNOWN, "NotCheckedYet", "not checked yet: "
                    + unchecked.stream().map(u -> u.route).collect(Collectors.joining(", ")));
        } else {
            conditions.set(Conditions.UPSTREAM_READY, Conditions.TRUE, "Reachable", reading.stream()
                    .map(StatusComposer::describeOk).collect(Collectors.joining("; ")));
        }
    }

    private static String describeOk(UpstreamStatus upstream) {
        String text = upstream.route + ": ok" + (Boolean.TRUE.equals(upstream.tls) ? " (TLS" : " (no TLS")
                + (upstream.certificateNotAfter == null ? "" : ", certificate valid until "
                        + upstream.certificateNotAfter) + ")";
        return Boolean.TRUE.equals(upstream.certificateExpiresSoon) ? text + ", the certificate expires soon" : text;
    }

    /**
     * Draining: True while a scale-down waits for the leaving pods' queues (message: each pod and what it has left),
     * False otherwise.
     *
     * @param plan the scale-down (or persistence switch) of this reconciliation
     */
    private static void draining(Conditions conditions, ScaleDownPlan plan) {
        if (plan.draining()) {
            conditions.set(Conditions.DRAINING, Conditions.TRUE, "HandingOff", plan.describe());
        } else {
            conditions.set(Conditions.DRAINING, Conditions.FALSE, "NotDraining", "no replica is handing its queue on");
        }
    }

    private static String lastError(QueueStatus reading) {
        return reading.lastError == null ? "" : "; last error: " + reading.lastError.reply + " from "
                + reading.lastError.nextHop;
    }

    private static void applied(Conditions conditions, boolean configValid, ApplyFailure failure) {
        if (failure != null) {
            conditions.set(Conditions.APPLIED, Conditions.FALSE, failure.reason(), failure.message());
        } else if (configValid) {
            conditions.set(Conditions.APPLIED, Conditions.TRUE, "Applied", "every owned object is applied");
        } else {
            conditions.set(Conditions.APPLIED, Conditions.FALSE, "ConfigInvalid", "nothing applied: see ConfigValid");
        }
    }

    private static void ready(Conditions conditions, boolean configValid, WorkloadState workload, ApplyFailure failure) {
        if (failure != null) {
            conditions.set(Conditions.READY, Conditions.FALSE, failure.reason(), failure.message());
        } else if (!workload.exists()) {
            conditions.set(Conditions.READY, Conditions.FALSE, configValid ? "Creating" : "ConfigInvalid",
                    configValid ? "relay workload created, waiting for pods" : "nothing deployed: see ConfigValid");
        } else if (workload.desired() == 0) {
            conditions.set(Conditions.READY, Conditions.FALSE, "ScaledToZero", "spec.replicas is 0");
        } else if (workload.pendingVolume() != null) {
            conditions.set(Conditions.READY, Conditions.FALSE, "SpoolVolumePending", workload.pendingVolume());
        } else if (workload.stuck() != null) {
            conditions.set(Conditions.READY, Conditions.FALSE, "RolloutStuck", workload.stuck());
        } else if (workload.fullyAvailable()) {
            conditions.set(Conditions.READY, Conditions.TRUE, "Available", workload.describe());
        } else {
            conditions.set(Conditions.READY, Conditions.FALSE, "Progressing", workload.describe());
        }
    }
}
